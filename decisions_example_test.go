package gincache_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// A handler decides for its own response: a fallback page is not stored,
// a finished event is kept longer than the policy's ServerTTL.
func ExampleStoreFor() {
	cache := gincache.New(memstore.New())
	r := gin.New()
	r.GET("/events/:id", cache.Handler(gincache.Policy{
		Public: true, MaxAge: time.Minute, ServerTTL: 5 * time.Minute, MaxServerTTL: time.Hour,
	}), func(c *gin.Context) {
		if c.Param("id") == "down" {
			gincache.DoNotStore(c)
			c.String(http.StatusOK, "try again later")
			return
		}
		gincache.StoreFor(c, time.Hour)
		gincache.ClientMaxAge(c, 10*time.Minute)
		c.String(http.StatusOK, "final score")
	})
	for _, path := range []string{"/events/down", "/events/7", "/events/7"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Println(path, "|", w.Header().Get("Cache-Status"), "|", w.Header().Get("Cache-Control"))
	}
	// Output:
	// /events/down | gincache; fwd=uri-miss; detail=handler | public, max-age=60
	// /events/7 | gincache; fwd=uri-miss; stored | public, max-age=600
	// /events/7 | gincache; hit; ttl=3600 | public, max-age=600
}

// Policy.Version answers a client that has the current version with a 304,
// before any lookup or render.
func ExamplePolicy_version() {
	rev := "rev-1"
	cache := gincache.New(memstore.New())
	r := gin.New()
	r.GET("/article", cache.Handler(gincache.Policy{
		Public: true, NoCache: true,
		Version: func(*gin.Context) (string, time.Time, error) { return rev, time.Time{}, nil },
	}), func(c *gin.Context) { c.String(http.StatusOK, "the article") })
	req := httptest.NewRequest(http.MethodGet, "/article", nil)
	req.Header.Set("If-None-Match", `"rev-1"`)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Header().Get("Etag"), w.Header().Get("Cache-Status"))
	// Output:
	// 304 "rev-1" gincache; hit; detail=version
}
