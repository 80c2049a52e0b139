package gincache_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/redisstore"
	"github.com/redis/go-redis/v9"
)

// storeKind is a store the handler's-say tests run on: memstore, Redis
// through miniredis, and real Redis when GINCACHE_REDIS_ADDR is set.
type storeKind struct {
	name string
	// open returns a new, empty store on clk and a count of the entries it
	// holds.
	open func(t *testing.T, clk *clock) (gincache.Store, func() int)
}

var (
	onMemstore = storeKind{"memstore", func(t *testing.T, clk *clock) (gincache.Store, func() int) {
		m := memstore.New(memstore.WithClock(clk.Now))
		return m, m.Len
	}}
	onMiniredis = storeKind{"miniredis", func(t *testing.T, clk *clock) (gincache.Store, func() int) {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
		t.Cleanup(func() { rdb.Close() })
		return redisStore(t, rdb, "t:")
	}}
	onRealRedis = storeKind{"redis", func(t *testing.T, clk *clock) (gincache.Store, func() int) {
		addr := os.Getenv("GINCACHE_REDIS_ADDR")
		if addr == "" {
			t.Skip("GINCACHE_REDIS_ADDR is not set")
		}
		rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
		t.Cleanup(func() { rdb.Close() })
		if err := rdb.Ping(context.Background()).Err(); err != nil {
			t.Fatalf("GINCACHE_REDIS_ADDR=%s: PING: %v", addr, err)
		}
		return redisStore(t, rdb, fmt.Sprintf("gincache-test:%d-%d:", os.Getpid(), redisRun.Add(1)+time.Now().UnixNano()))
	}}
)

var redisRun atomic.Int64

// redisStore is a redisstore under prefix, and a count of its entries (the
// keys under prefix and the key version, outside the tag and lock spaces). The keys are deleted
// in cleanup.
func redisStore(t *testing.T, rdb *redis.Client, prefix string) (gincache.Store, func() int) {
	s := redisstore.New(rdb, redisstore.WithPrefix(prefix), redisstore.WithLogger(slog.New(slog.DiscardHandler)))
	keys := func() []string {
		ks, err := rdb.Keys(context.Background(), prefix+"*").Result()
		if err != nil {
			t.Fatalf("KEYS: %v", err)
		}
		return ks
	}
	t.Cleanup(func() {
		if ks := keys(); len(ks) > 0 {
			rdb.Del(context.Background(), ks...)
		}
	})
	return s, func() int {
		n := 0
		for _, k := range keys() {
			_, rest, _ := strings.Cut(strings.TrimPrefix(k, prefix), ":") // past the key version ("v1:")
			if !strings.HasPrefix(rest, "t:") && !strings.HasPrefix(rest, "l:") {
				n++
			}
		}
		return n
	}
}

// storeEnv is env on any storeKind: one route at /page (GET and HEAD), its
// cache, clock, store and handler runs.
type storeEnv struct {
	env
	count func() int
}

func newStoreEnv(t *testing.T, kind storeKind, p gincache.Policy, handler gin.HandlerFunc, opts ...gincache.Option) *storeEnv {
	t.Helper()
	e := &storeEnv{env: env{t: t, clock: newClock()}}
	var s gincache.Store
	s, e.count = kind.open(t, e.clock)
	opts = append([]gincache.Option{gincache.WithClock(e.clock.Now), gincache.WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	e.cache = gincache.New(s, opts...)
	e.r = gin.New()
	e.r.Use(gin.Recovery())
	e.r.Match([]string{http.MethodGet, http.MethodHead}, "/page", e.cache.Handler(p), func(c *gin.Context) {
		e.runs.Add(1)
		handler(c)
	})
	return e
}

func (e *storeEnv) wantEntries(want int) {
	e.t.Helper()
	if got := e.count(); got != want {
		e.t.Errorf("store holds %d entries; want %d", got, want)
	}
}

// entry returns what the Cache's store holds for target's default key.
func (e *storeEnv) entry(target string) *gincache.Entry {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://example.com"+target, nil)
	got, err := e.storeOf().Get(context.Background(), gincache.Key(req))
	if err != nil {
		e.t.Fatalf("store has no entry for %s: %v", target, err)
	}
	return got
}

func (e *storeEnv) storeOf() gincache.Store { return gincache.StoreOf(e.cache) }
