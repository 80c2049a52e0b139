package gincache_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// examplePurger stands in for a CDN's purge API client.
type examplePurger struct{}

func (examplePurger) PurgeTags(_ context.Context, tags []string) error {
	fmt.Println("CDN purge:", tags)
	return nil
}

// Behind a CDN: browsers revalidate every time, the CDN keeps the page ten
// minutes and purges it by tag; a purge here is soft, so the next request
// gets the stale page at once while one refresh runs.
func Example_behindACDN() {
	cache := gincache.New(memstore.New(),
		gincache.WithSurrogateKeys("Surrogate-Key", func(r *http.Request) bool { return r.Header.Get("Fastly-FF") != "" }),
		gincache.WithCDNPurge(gincache.CDNPurge{Purgers: []gincache.CDNPurger{examplePurger{}}}),
		gincache.WithSoftPurge(),
	)
	defer cache.Close(context.Background())

	r := gin.New()
	r.GET("/products/:id", cache.Handler(gincache.Policy{
		Public:               true,
		NoCache:              true, // browsers: revalidate on every use (a cheap 304)
		ServerTTL:            time.Minute,
		StaleWhileRevalidate: time.Minute,
		CDN:                  gincache.CDNControl{MaxAge: 10 * time.Minute, StaleIfError: time.Hour},
		Tags:                 []string{"products"},
	}), func(c *gin.Context) {
		gincache.Tag(c, "product:"+c.Param("id"))
		c.String(http.StatusOK, "product %s", c.Param("id"))
	})

	req := httptest.NewRequest(http.MethodGet, "/products/7", nil)
	req.Header.Set("Fastly-FF", "cache-sjc1") // through the CDN
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	fmt.Println("Cache-Control:", w.Header().Get("Cache-Control"))
	fmt.Println("CDN-Cache-Control:", w.Header().Get("CDN-Cache-Control"))
	fmt.Println("Surrogate-Key:", w.Header().Get("Surrogate-Key"))

	_ = cache.PurgeTags(context.Background(), "product:7") // soft here, then the CDN
	_ = cache.Close(context.Background())                  // waits for the CDN purge
	// Output:
	// Cache-Control: public, no-cache, max-age=0, stale-while-revalidate=60
	// CDN-Cache-Control: max-age=600, stale-if-error=3600
	// Surrogate-Key: products product:7
	// CDN purge: [product:7]
}
