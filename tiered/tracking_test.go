package tiered_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/redisstore"
	"github.com/gincache/gincache/tiered"
	"github.com/redis/go-redis/v9"
)

// The measurements behind the README's comparison of tiered's bus with
// Redis client-side caching (CLIENT TRACKING): they need a real Redis 6 or
// later (miniredis has no tracking), at GINCACHE_REDIS_ADDR, and assert
// nothing about time.

func trackingRedis(tb testing.TB) string {
	tb.Helper()
	addr := os.Getenv("GINCACHE_REDIS_ADDR")
	if addr == "" {
		tb.Skip("GINCACHE_REDIS_ADDR is not set: CLIENT TRACKING needs a real Redis")
	}
	return addr
}

// cscClient is a go-redis client with its built-in client-side cache: RESP3,
// default (not broadcast) tracking, which Redis keeps per key read.
func cscClient(tb testing.TB, addr string) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 3, ContextTimeoutEnabled: true,
		ClientSideCacheConfig: &redis.ClientSideCacheConfig{MaxEntries: 10_000}})
	tb.Cleanup(func() { c.Close() })
	return c
}

func trackingPrefix() string {
	return fmt.Sprintf("gincache-tracking:%d-%d:", os.Getpid(), time.Now().UnixNano())
}

// BenchmarkTrackingHit is a 1 KiB hit three ways: tiered's local copy (the
// stored *Entry itself), redisstore over go-redis's client-side cache (the
// reply bytes are cached; every hit decodes them into a new Entry), and
// plain redisstore (one GET).
func BenchmarkTrackingHit(b *testing.B) {
	addr := trackingRedis(b)
	const key = "example.com/page"
	prefix := trackingPrefix()
	plain := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	b.Cleanup(func() { plain.Close() })
	// Long deadlines: the machine may be shared; the hit is what is measured.
	long := redisstore.WithTimeout(5 * time.Second)
	ts := tiered.New(memstore.New(), redisstore.New(plain, redisstore.WithPrefix(prefix), long), tiered.WithLocalTTL(time.Hour))
	b.Cleanup(ts.Close)
	csc := cscClient(b, addr)
	for _, st := range []struct {
		name  string
		store gincache.Store
	}{
		{"tiered", ts},
		{"redisstore+csc", redisstore.New(csc, redisstore.WithPrefix(prefix), long)},
		{"redisstore", redisstore.New(plain, redisstore.WithPrefix(prefix), long)},
	} {
		ctx := b.Context()
		if err := ts.Set(ctx, key, page(strings.Repeat("x", 1<<10)), time.Minute); err != nil {
			b.Fatal(err)
		}
		b.Run("store="+st.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := st.store.Get(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Logf("go-redis client-side cache: %+v", csc.CSCStats())
}

// TestTrackingInvalidationDelay logs how long a reader takes to see a new
// entry stored by another client, with go-redis's client-side cache
// (default tracking: Redis pushes an invalidation on the reader's
// connection, applied at its next command) — to set beside tiered's
// announcement (redisstore's TestTieredStorePropagation) — and with
// broadcast tracking (BCAST PREFIX, RESP2 REDIRECT to a subscribed
// connection), whose message Redis sends itself on the write.
func TestTrackingInvalidationDelay(t *testing.T) {
	addr := trackingRedis(t)
	const key, rounds = "example.com/page", 300
	ctx := t.Context()
	prefix := trackingPrefix()
	writerClient := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { writerClient.Close() })
	long := redisstore.WithTimeout(5 * time.Second) // the machine may be shared
	writer := redisstore.New(writerClient, redisstore.WithPrefix(prefix), long)

	t.Run("default", func(t *testing.T) {
		reader := redisstore.New(cscClient(t, addr), redisstore.WithPrefix(prefix), long)
		delays := make([]time.Duration, 0, rounds)
		for i := range rounds {
			want := fmt.Sprint("v", i)
			if _, err := reader.Get(ctx, key); err != nil && i > 0 { // cached, tracked
				t.Fatal(err)
			}
			if err := writer.Set(ctx, key, page(want), time.Minute); err != nil {
				t.Fatal(err)
			}
			returned := time.Now()
			deadline := returned.Add(2 * time.Second)
			for {
				if e, err := reader.Get(ctx, key); err == nil && string(e.Body) == want {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("round %d: the reader did not see the new entry within 2s", i)
				}
			}
			delays = append(delays, time.Since(returned))
		}
		t.Logf("go-redis CSC, default tracking, %d stores: the reader saw the new entry after the Set returned: %s", rounds, quantiles(delays))
	})

	t.Run("bcast", func(t *testing.T) {
		name := strings.ReplaceAll(trackingPrefix(), ":", "-")
		subClient := redis.NewClient(&redis.Options{Addr: addr, ClientName: name, Protocol: 2})
		t.Cleanup(func() { subClient.Close() })
		ps := subClient.Subscribe(ctx, "__redis__:invalidate")
		t.Cleanup(func() { ps.Close() })
		if _, err := ps.Receive(ctx); err != nil { // the confirmation
			t.Fatal(err)
		}
		var id string
		list, _ := writerClient.ClientList(ctx).Result()
		for line := range strings.Lines(list) {
			if strings.Contains(line, " name="+name+" ") {
				for _, f := range strings.Fields(line) {
					if v, ok := strings.CutPrefix(f, "id="); ok {
						id = v
					}
				}
			}
		}
		if id == "" {
			t.Fatal("no client id for the invalidation connection")
		}
		trackClient := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 1, Protocol: 2})
		t.Cleanup(func() { trackClient.Close() })
		conn := trackClient.Conn()
		t.Cleanup(func() { conn.Close() })
		if err := conn.Do(ctx, "client", "tracking", "on", "redirect", id, "bcast", "prefix", prefix).Err(); err != nil {
			t.Fatalf("CLIENT TRACKING: %v", err)
		}
		delays := make([]time.Duration, 0, rounds)
		for i := range rounds {
			if err := writer.Set(ctx, key, page(fmt.Sprint("v", i)), time.Minute); err != nil {
				t.Fatal(err)
			}
			returned := time.Now()
			if _, err := ps.ReceiveMessage(ctx); err != nil {
				t.Fatal(err)
			}
			delays = append(delays, time.Since(returned))
		}
		t.Logf("BCAST tracking, %d stores: the invalidation arrived after the Set returned: %s", rounds, quantiles(delays))
	})
}

func quantiles(ds []time.Duration) string {
	slices.Sort(ds)
	n := len(ds)
	return fmt.Sprintf("p50 %v, p90 %v, p99 %v, max %v", ds[n/2], ds[n*9/10], ds[n*99/100], ds[n-1])
}
