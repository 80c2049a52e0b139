package tiered_test

import (
	"net/http"
	"strings"
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

// benchStores are the stores a hit is measured on: memstore alone (the
// target's baseline), tiered with its local copy in place, and redisstore
// alone (what tiered saves). Redis is an in-process miniredis; tiered's
// local TTL is an hour, so every iteration is a local hit.
func benchStores(b *testing.B) []struct {
	name  string
	store gincache.Store
} {
	b.Helper()
	mr := miniredis.RunT(b)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
	b.Cleanup(func() { rdb.Close() })
	ts := tiered.New(memstore.New(), redisstore.New(rdb, redisstore.WithPrefix("tier:")), tiered.WithLocalTTL(time.Hour))
	b.Cleanup(ts.Close)
	return []struct {
		name  string
		store gincache.Store
	}{
		{"memstore", memstore.New()},
		{"tiered", ts},
		{"redisstore", redisstore.New(rdb, redisstore.WithPrefix("redis:"))},
	}
}

// BenchmarkTierGet is a store hit, with no middleware: tiered's local hit
// against memstore's.
func BenchmarkTierGet(b *testing.B) {
	const key = "example.com/page"
	for _, st := range benchStores(b) {
		ctx := b.Context()
		if err := st.store.Set(ctx, key, page(strings.Repeat("x", 1<<10)), time.Hour); err != nil {
			b.Fatal(err)
		}
		b.Run("store="+st.name, func(b *testing.B) {
			b.Run("run=serial", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := st.store.Get(ctx, key); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("run=parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := st.store.Get(ctx, key); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}

// discardWriter keeps headers and status and drops the body, reset in place
// each iteration, so the measure is the router, the middleware and the
// store.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}
func (w *discardWriter) reset() {
	clear(w.h)
	w.status, w.n = 0, 0
}

// BenchmarkTierHit is a whole gincache hit on a gin.New() engine, 1 KiB
// page: the target is tiered within 1.2× of memstore.
func BenchmarkTierHit(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	body := strings.Repeat("x", 1<<10)
	for _, st := range benchStores(b) {
		r := gin.New()
		r.GET("/page", gincache.New(st.store).Handler(gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Hour}),
			func(c *gin.Context) { c.String(http.StatusOK, body) })
		req, _ := http.NewRequest(http.MethodGet, "http://example.com/page", nil)
		for i, want := range []string{"MISS", "HIT from Server"} {
			w := &discardWriter{h: http.Header{}}
			r.ServeHTTP(w, req)
			if w.status != http.StatusOK || w.h.Get("X-Cache") != want || w.n != len(body) {
				b.Fatalf("%s: request %d: %d, X-Cache %q, %d bytes; want 200, %q, %d", st.name, i, w.status, w.h.Get("X-Cache"), w.n, want, len(body))
			}
		}
		b.Run("store="+st.name, func(b *testing.B) {
			b.Run("run=serial", func(b *testing.B) {
				b.ReportAllocs()
				w := &discardWriter{h: make(http.Header, 16)}
				for b.Loop() {
					w.reset()
					r.ServeHTTP(w, req)
				}
			})
			b.Run("run=parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					w := &discardWriter{h: make(http.Header, 16)}
					req := req.Clone(req.Context())
					for pb.Next() {
						w.reset()
						r.ServeHTTP(w, req)
					}
				})
			})
		})
	}
}

// BenchmarkTierHitFilled is a hit on a replica whose local copy came from
// Redis, stored there by another replica (a fill, as on every replica but
// the one that rendered), against a hit on the replica that rendered it.
func BenchmarkTierHitFilled(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	body := strings.Repeat("x", 1<<10)
	mr := miniredis.RunT(b)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
	b.Cleanup(func() { rdb.Close() })
	replica := func() *gin.Engine {
		ts := tiered.New(memstore.New(), redisstore.New(rdb, redisstore.WithPrefix("tier:")), tiered.WithLocalTTL(time.Hour))
		b.Cleanup(ts.Close)
		r := gin.New()
		r.GET("/page", gincache.New(ts).Handler(gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Hour}),
			func(c *gin.Context) { c.String(http.StatusOK, body) })
		return r
	}
	req, _ := http.NewRequest(http.MethodGet, "http://example.com/page", nil)
	rendered, filled := replica(), replica()
	for i, step := range []struct {
		r    *gin.Engine
		want string
	}{{rendered, "MISS"}, {filled, "HIT from Server"}, {filled, "HIT from Server"}} {
		w := &discardWriter{h: http.Header{}}
		step.r.ServeHTTP(w, req)
		if w.status != http.StatusOK || w.h.Get("X-Cache") != step.want || w.n != len(body) {
			b.Fatalf("request %d: %d, X-Cache %q, %d bytes; want 200, %q, %d", i, w.status, w.h.Get("X-Cache"), w.n, step.want, len(body))
		}
	}
	before := mr.CommandCount()
	for _, c := range []struct {
		name string
		r    *gin.Engine
	}{{"rendered", rendered}, {"filled", filled}} {
		b.Run("copy="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			w := &discardWriter{h: make(http.Header, 16)}
			for b.Loop() {
				w.reset()
				c.r.ServeHTTP(w, req)
			}
		})
	}
	if n := mr.CommandCount() - before; n != 0 {
		b.Fatalf("the hits sent %d commands to Redis; want 0, every one local", n)
	}
}
