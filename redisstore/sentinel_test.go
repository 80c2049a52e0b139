package redisstore

import (
	"os"
	"testing"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/storetest"
	"github.com/redis/go-redis/v9"
)

// envSentinel names a Redis Sentinel setup as a go-redis failover URL,
// redis://SENTINEL?master_name=NAME&addr=SENTINEL…, the line
// .ci/redis-sentinel.sh start prints.
const envSentinel = "GINCACHE_REDIS_SENTINEL"

// realSentinel returns the failover options at GINCACHE_REDIS_SENTINEL, or skips.
func realSentinel(t *testing.T) *redis.FailoverOptions {
	t.Helper()
	url := os.Getenv(envSentinel)
	if url == "" {
		t.Skip(envSentinel + " is not set; set it to a failover URL (.ci/redis-sentinel.sh starts a setup and prints one) to run the sentinel tests")
	}
	opt, err := redis.ParseFailoverURL(url)
	if err != nil {
		t.Fatalf("%s=%s: %v", envSentinel, url, err)
	}
	opt.ContextTimeoutEnabled = true
	return opt
}

// sentinelClients are the two ways go-redis reaches a master through its
// sentinels: NewFailoverClient, and NewUniversalClient given a MasterName,
// which applications configured for "one Redis, a cluster or a sentinel"
// use. Both must serve the store the same.
var sentinelClients = []struct {
	name string
	dial func(*redis.FailoverOptions) redis.UniversalClient
}{
	{"failover", func(o *redis.FailoverOptions) redis.UniversalClient { return redis.NewFailoverClient(o) }},
	{"universal", func(o *redis.FailoverOptions) redis.UniversalClient {
		return redis.NewUniversalClient(&redis.UniversalOptions{
			Addrs:                 o.SentinelAddrs,
			MasterName:            o.MasterName,
			ContextTimeoutEnabled: true,
		})
	}},
}

// forEachSentinelClient runs f on the Sentinel setup through each client.
func forEachSentinelClient(t *testing.T, f func(t *testing.T, b backend)) {
	t.Helper()
	for _, c := range sentinelClients {
		t.Run(c.name, func(t *testing.T) {
			rdb := c.dial(realSentinel(t))
			t.Cleanup(func() { rdb.Close() })
			if err := rdb.Ping(testCtx(t)).Err(); err != nil {
				t.Fatalf("PING the master through the sentinels: %v", err)
			}
			f(t, backend{client: rdb})
		})
	}
}

// The conformance, tag and lock suites on a master found through Sentinel.
func TestSentinelConformance(t *testing.T) {
	suites := []struct {
		name string
		run  func(*testing.T, storetest.Harness)
	}{
		{"store", storetest.Run},
		{"tagger", storetest.RunTagger},
		{"locker", storetest.RunLocker},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			forEachSentinelClient(t, func(t *testing.T, b backend) {
				s.run(t, storetest.Harness{New: func(t *testing.T) gincache.Store {
					st, _ := b.store(t)
					return st
				}})
			})
		})
	}
}
