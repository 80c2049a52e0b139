package bench

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/redis/go-redis/v9"
)

// versionEngine is cachedEngine with a Policy.Version that reads the page's
// revision from Redis: one GET a request, as an application that keeps a
// row's revision there would.
func versionEngine(rdb *redis.Client, versionKey, path string, n int) *gin.Engine {
	p := policy
	p.Version = func(c *gin.Context) (string, time.Time, error) {
		rev, err := rdb.Get(c.Request.Context(), versionKey).Result()
		return rev, time.Time{}, err
	}
	r := gin.New()
	r.GET(path, gincache.New(memstore.New()).Handler(p), renderHandler(n))
	return r
}

// BenchmarkVersion is what Policy.Version costs on a memstore route: a
// plain hit, a hit whose Version does one Redis GET first, the 304 that
// Version answers before any lookup, and a miss, for a 1 KiB page, against
// real Redis (GINCACHE_REDIS_ADDR) and miniredis.
func BenchmarkVersion(b *testing.B) {
	const size = "1KiB"
	n := 0
	for _, sz := range sizes {
		if sz.name == size {
			n = sz.n
		}
	}
	if n == 0 {
		b.Fatalf("no %s size", size)
	}
	path := pagePath(size)
	b.Run("case=hit", func(b *testing.B) {
		h := cachedEngine(memstore.New(), path, n)
		prime(b, h, path, n)
		hits(b, h, path, n)
	})
	b.Run("case=miss", func(b *testing.B) {
		h := cachedEngine(memstore.New(), path, n)
		run(b, h, func() *http.Request { return request(path) }, nextMiss)
	})
	for _, be := range backends(b) {
		versionKey := be.prefix + "rev:" + path
		if err := be.client.Set(context.Background(), versionKey, "rev-1", 0).Err(); err != nil {
			b.Fatal(err)
		}
		b.Run("case=hit+version/redis="+be.name, func(b *testing.B) {
			h := versionEngine(be.client, versionKey, path, n)
			prime(b, h, path, n)
			hits(b, h, path, n)
		})
		b.Run("case=304+version/redis="+be.name, func(b *testing.B) {
			h := versionEngine(be.client, versionKey, path, n)
			prime(b, h, path, n)
			check(b, h, request(path, "If-None-Match", `"rev-1"`), want{status: http.StatusNotModified, xCache: "HIT from Client"})
			run(b, h, func() *http.Request { return request(path, "If-None-Match", `"rev-1"`) }, nil)
		})
	}
}
