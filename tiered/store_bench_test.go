package tiered_test

import (
	"fmt"
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
	"github.com/gincache/gincache/tiered"
	"github.com/redis/go-redis/v9"
)

// benchWriter is one tiered replica with a bus on Redis — the real one at
// GINCACHE_REDIS_ADDR when set, miniredis otherwise. Its own subscription
// hears its announcements (and drops them: they are its own), as every
// replica's does in production; the other replicas' work happens in their
// processes. It uses only the API every version of tiered has, so the same
// file measures an older build.
func benchWriter(b *testing.B) *tiered.Store {
	b.Helper()
	addr := os.Getenv("GINCACHE_REDIS_ADDR")
	if addr == "" {
		addr = miniredis.RunT(b).Addr()
	}
	prefix := fmt.Sprintf("gincache-bench:%d-%d:", os.Getpid(), time.Now().UnixNano())
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	b.Cleanup(func() { rdb.Close() })
	s := tiered.New(memstore.New(), redisstore.New(rdb, redisstore.WithPrefix(prefix)),
		tiered.WithBus(redisstore.NewBus(rdb, prefix+"invalidate")))
	b.Cleanup(s.Close)
	time.Sleep(100 * time.Millisecond) // subscribed (no Stats for it in older versions)
	return s
}

// BenchmarkTierSet is the store path alone: a SetTagged of a 1 KiB page
// with two tags, over 256 keys. Keys expire in Redis after 10 s.
func BenchmarkTierSet(b *testing.B) {
	s := benchWriter(b)
	e := page(strings.Repeat("x", 1<<10))
	keys := make([]string, 256)
	for i := range keys {
		keys[i] = fmt.Sprint("example.com/page/", i)
	}
	tags := []string{"path:example.com/page", "user:1"}
	ctx := b.Context()
	b.Run("run=serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := s.SetTagged(ctx, keys[i%len(keys)], e, 10*time.Second, tags); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	// In parallel, stores made while a message is in flight share the
	// next one.
	b.Run("run=parallel", func(b *testing.B) {
		b.ReportAllocs()
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.SetTagged(ctx, keys[n.Add(1)%int64(len(keys))], e, 10*time.Second, tags); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkTierMiss is a whole gincache miss on a gin.New() engine over
// tiered: the lookups, the lock, the render of a 1 KiB page and its store.
// Every iteration asks for a new URL; the entries expire in Redis after 5 s.
func BenchmarkTierMiss(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	s := benchWriter(b)
	body := strings.Repeat("x", 1<<10)
	r := gin.New()
	r.GET("/page", gincache.New(s).Handler(gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: 5 * time.Second}),
		func(c *gin.Context) { c.String(http.StatusOK, body) })
	run := time.Now().UnixNano()
	b.ReportAllocs()
	w := &discardWriter{h: make(http.Header, 16)}
	i := 0
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://example.com/page?r=%d&i=%d", run, i), nil)
		w.reset()
		r.ServeHTTP(w, req)
		if w.status != http.StatusOK || w.h.Get("X-Cache") != "MISS" {
			b.Fatalf("request %d: %d, X-Cache %q; want 200, MISS", i, w.status, w.h.Get("X-Cache"))
		}
		i++
	}
}
