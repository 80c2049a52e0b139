package bench

import (
	"net/http"
	"testing"
	"time"

	cache "github.com/chenyahui/gin-cache"
	"github.com/chenyahui/gin-cache/persist"
	"github.com/gin-gonic/gin"
)

// peerEngine is the same route with github.com/chenyahui/gin-cache in front
// of the rendering handler, keyed by request URI as its README suggests.
func peerEngine(store persist.CacheStore, path string, n int, opts ...cache.Option) *gin.Engine {
	r := gin.New()
	r.GET(path, cache.CacheByRequestURI(store, time.Hour, opts...), renderHandler(n))
	return r
}

// peerHits primes the peer's route and runs the hit case. The peer sets no
// X-Cache, so a hit is told by the handler not running.
func peerHits(b *testing.B, h http.Handler, path string, n int) {
	b.Helper()
	w := newDiscardWriter()
	h.ServeHTTP(w, request(path))
	if w.status != http.StatusOK || w.n != n {
		b.Fatalf("%s: priming: status %d, %d bytes; want 200, %d", path, w.status, w.n, n)
	}
	before := renders.Load()
	check(b, h, request(path), want{status: http.StatusOK, bodyN: n,
		header: map[string]string{"Content-Type": "text/html; charset=utf-8"}})
	if renders.Load() != before {
		b.Fatalf("%s: the handler ran on what should be a hit", path)
	}
	run(b, h, func() *http.Request { return request(path) }, nil)
	if d := renders.Load() - before; d > 0 {
		b.Logf("WARNING: %d renders during a hit case", d)
	}
}

// BenchmarkPeerHit is gin-cache's hit on its memory store (ttlcache) and its
// Redis store (gob-encoded values, go-redis v8), on the same routes.
func BenchmarkPeerHit(b *testing.B) {
	b.Run("store=memory", func(b *testing.B) {
		for _, sz := range sizes {
			b.Run("body="+sz.name, func(b *testing.B) {
				store := persist.NewMemoryStore(time.Hour)
				b.Cleanup(func() { _ = store.Cache.Close() })
				path := pagePath(sz.name)
				peerHits(b, peerEngine(store, path, sz.n), path, sz.n)
			})
		}
	})
	for _, be := range backends(b) {
		b.Run("store="+be.name, func(b *testing.B) {
			for _, sz := range sizes {
				b.Run("body="+sz.name, func(b *testing.B) {
					path := pagePath(sz.name)
					h := peerEngine(persist.NewRedisStore(be.peer), path, sz.n, cache.WithPrefixKey(be.prefix+"peer:"))
					peerHits(b, h, path, sz.n)
				})
			}
		})
	}
}
