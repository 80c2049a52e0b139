package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gincache/gincache/internal/storetest"
	"github.com/redis/go-redis/v9"
)

// fakeClock is the shared test clock.
type fakeClock = storetest.Clock

func newFakeClock() *fakeClock { return storetest.NewClock() }

// quiet keeps tests that provoke failures from writing to the test log.
func quiet() Option { return WithLogger(slog.New(slog.DiscardHandler)) }

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newMiniredis starts a miniredis and a client for it, both stopped in cleanup.
func newMiniredis(t testing.TB) (*miniredis.Miniredis, *redis.Client) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	return mr, rdb
}

// runID sets this test run's keys apart from other runs and other engineers
// on a shared Redis.
var (
	runID     = fmt.Sprintf("gincache-test:%d-%d", os.Getpid(), time.Now().UnixNano())
	prefixSeq atomic.Int64
)

// uniquePrefix returns a key prefix no other store in any test run uses. It
// holds no glob metacharacters, so it can be used in SCAN MATCH as it is.
func uniquePrefix() string {
	return fmt.Sprintf("%s:%d:", runID, prefixSeq.Add(1))
}

const (
	envRedis   = "GINCACHE_REDIS_ADDR"
	envCluster = "GINCACHE_REDIS_CLUSTER"
)

// realRedis returns a client for the Redis at GINCACHE_REDIS_ADDR, or skips.
func realRedis(t *testing.T) *redis.Client {
	t.Helper()
	addr := os.Getenv(envRedis)
	if addr == "" {
		t.Skip(envRedis + " is not set; set it to a Redis address (e.g. 127.0.0.1:6379) to run the real-Redis tests")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(testCtx(t)).Err(); err != nil {
		t.Fatalf("%s=%s: PING: %v", envRedis, addr, err)
	}
	return rdb
}

// realCluster returns a client for the Redis Cluster at GINCACHE_REDIS_CLUSTER
// (comma-separated addresses), or skips.
func realCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	addrs := os.Getenv(envCluster)
	if addrs == "" {
		t.Skip(envCluster + " is not set; set it to a Redis Cluster's comma-separated addresses (.ci/redis-cluster.sh starts one) to run the cluster tests")
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(addrs, ","), ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	ctx := testCtx(t)
	if err := rdb.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error {
		return c.Ping(ctx).Err()
	}); err != nil {
		t.Fatalf("%s=%s: PING: %v", envCluster, addrs, err)
	}
	return rdb
}

// deletePrefix registers a cleanup that deletes the keys starting with prefix,
// and only those, on every master of c.
func deletePrefix(t *testing.T, c redis.UniversalClient, prefix string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		del := func(ctx context.Context, node *redis.Client) error {
			for cursor := uint64(0); ; {
				keys, next, err := node.Scan(ctx, cursor, prefix+"*", 1000).Result()
				if err != nil {
					return err
				}
				// One key a DEL, since keys of a cluster node span slots,
				// a page of them a pipeline.
				if _, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
					for _, k := range keys {
						p.Del(ctx, k)
					}
					return nil
				}); err != nil {
					return err
				}
				if cursor = next; cursor == 0 {
					return nil
				}
			}
		}
		var err error
		switch c := c.(type) {
		case *redis.ClusterClient:
			err = c.ForEachMaster(ctx, del)
		case *redis.Client:
			err = del(ctx, c)
		default:
			err = fmt.Errorf("cannot clean up a %T", c)
		}
		if err != nil {
			t.Errorf("cleanup of %s*: %v", prefix, err)
		}
	})
}

// backend is one kind of Redis the store runs against.
type backend struct {
	client redis.UniversalClient
	// advance moves the server's clock; nil on a real server.
	advance func(t *testing.T, d time.Duration)
	// commands returns how many times each command ran on the server so
	// far; on miniredis only the total, under "*".
	commands func(t *testing.T) map[string]int64
	cluster  bool
}

// store returns a store with a prefix of its own on b, its keys deleted in
// cleanup.
func (b backend) store(t *testing.T, opts ...Option) (*Store, string) {
	t.Helper()
	prefix := uniquePrefix()
	if b.advance == nil {
		deletePrefix(t, b.client, prefix)
	}
	opts = append([]Option{WithPrefix(prefix), WithTimeout(5 * time.Second)}, opts...)
	return New(b.client, opts...), prefix
}

// forEachBackend runs f on miniredis, on the real Redis and on the real
// Redis Cluster; the last two skip when their variable is not set.
func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	t.Helper()
	t.Run("miniredis", func(t *testing.T) {
		mr, rdb := newMiniredis(t)
		f(t, backend{
			client:   rdb,
			advance:  func(_ *testing.T, d time.Duration) { mr.FastForward(d) },
			commands: func(*testing.T) map[string]int64 { return map[string]int64{"*": int64(mr.CommandCount())} },
		})
	})
	t.Run("redis", func(t *testing.T) {
		rdb := realRedis(t)
		f(t, backend{client: rdb, commands: func(t *testing.T) map[string]int64 {
			return commandStats(t, rdb)
		}})
	})
	t.Run("cluster", func(t *testing.T) {
		rdb := realCluster(t)
		f(t, backend{client: rdb, cluster: true, commands: func(t *testing.T) map[string]int64 {
			var mu sync.Mutex
			sum := map[string]int64{}
			err := rdb.ForEachMaster(testCtx(t), func(ctx context.Context, node *redis.Client) error {
				m, err := parseCommandStats(node.Info(ctx, "commandstats").Val())
				mu.Lock()
				defer mu.Unlock()
				for k, v := range m {
					sum[k] += v
				}
				return err
			})
			if err != nil {
				t.Fatalf("INFO commandstats: %v", err)
			}
			return sum
		}})
	})
}

func commandStats(t *testing.T, c *redis.Client) map[string]int64 {
	t.Helper()
	info, err := c.Info(testCtx(t), "commandstats").Result()
	if err != nil {
		t.Fatalf("INFO commandstats: %v", err)
	}
	m, err := parseCommandStats(info)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// parseCommandStats reads "cmdstat_get:calls=3,usec=..." lines.
func parseCommandStats(info string) (map[string]int64, error) {
	m := map[string]int64{}
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		name, isStat := strings.CutPrefix(name, "cmdstat_")
		if !ok || !isStat {
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		n, err := strconv.ParseInt(calls, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("INFO commandstats line %q: %v", line, err)
		}
		m[name] = n
	}
	return m, nil
}
