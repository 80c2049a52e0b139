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

// The seed's app shell: every client revalidates on each use (cheap, a 304),
// and the server renders the page at most once every five minutes.
func ExampleCache_Handler() {
	cache := gincache.New(memstore.New())
	r := gin.New()
	renders := 0
	r.GET("/", cache.Handler(gincache.Policy{
		Public:    true,
		NoCache:   true,
		MaxAge:    2 * time.Minute,
		ServerTTL: 5 * time.Minute,
	}), func(c *gin.Context) {
		renders++
		c.String(http.StatusOK, "<html>app shell</html>")
	})

	get := func(header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if len(header) == 2 {
			req.Header.Set(header[0], header[1])
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(w.Code, w.Header().Get("X-Cache"), "|", w.Header().Get("Cache-Status"))
		return w
	}
	first := get()
	fmt.Println(first.Header().Get("Cache-Control"))
	get()
	get("If-None-Match", first.Header().Get("ETag"))
	get("Cache-Control", "no-cache") // a hard reload
	fmt.Println("renders:", renders)
	// Output:
	// 200 MISS | gincache; fwd=uri-miss; stored
	// public, no-cache, max-age=120
	// 200 HIT from Server | gincache; hit; ttl=300
	// 304 HIT from Client | gincache; hit; ttl=300
	// 200 MISS | gincache; fwd=request; stored
	// renders: 2
}

// An endpoint that must never be cached, such as a list that changes when the
// user saves something (the second seed's stale dropdown).
func ExampleNoStore() {
	r := gin.New()
	r.GET("/api/items", gincache.NoStore(), func(c *gin.Context) {
		c.Header("ETag", `"v1"`) // stripped: a client could revalidate with it
		c.JSON(http.StatusOK, []string{"first item"})
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/items", nil))
	fmt.Println(w.Header().Get("Cache-Control"))
	fmt.Println(w.Header().Get("Pragma"), "|", w.Header().Get("Expires"), "|", w.Header().Get("ETag") == "")
	// Output:
	// no-store, no-cache, must-revalidate, max-age=0
	// no-cache | Thu, 01 Jan 1970 00:00:00 GMT | true
}

// A policy reads like the Cache-Control it sends.
func ExamplePolicy_CacheControl() {
	fmt.Println(gincache.Policy{}.CacheControl())
	fmt.Println(gincache.Policy{Public: true, MaxAge: 365 * 24 * time.Hour, Immutable: true}.CacheControl())
	fmt.Println(gincache.Policy{Public: true, MaxAge: time.Minute, SharedMaxAge: 10 * time.Minute,
		StaleWhileRevalidate: 30 * time.Second, StaleIfError: time.Hour}.CacheControl())
	fmt.Println(gincache.Policy{NoStore: true}.CacheControl())
	// Output:
	// private, max-age=0
	// public, max-age=31536000, immutable
	// public, max-age=60, s-maxage=600, stale-while-revalidate=30, stale-if-error=3600
	// no-store
}

// A private page is stored on the server only under a key that tells users
// apart; Validate says so before the route is registered.
func ExamplePolicy_Validate() {
	p := gincache.Policy{MaxAge: time.Minute, ServerTTL: time.Minute}
	fmt.Println(p.Validate())

	p.Key = func(c *gin.Context) string { return "user:" + c.GetString("user") + ":" + gincache.Key(c.Request) }
	fmt.Println(p.Validate())
	// Output:
	// gincache: a private policy stored on the server needs a Key that tells users apart; otherwise one user's page is served to another (set Public if the page is the same for everyone)
	// <nil>
}

// The default key covers host, path and the whole query.
func ExampleKey() {
	req := httptest.NewRequest(http.MethodGet, "http://Example.COM/search?q=gin&page=2", nil)
	fmt.Println(gincache.Key(req))
	// Output:
	// example.com/search?q=gin&page=2
}

// A handler that decides its own freshness, as an upstream service behind a
// reverse proxy does: the route stores what the response's Cache-Control
// allows, serves it while fresh, then revalidates it with the handler.
func ExamplePolicy_sharedCache() {
	cache := gincache.New(memstore.New())
	r := gin.New()
	renders := 0
	r.GET("/prices", cache.Handler(gincache.Policy{SharedCache: true, ServerTTL: time.Hour}), func(c *gin.Context) {
		renders++
		c.Header("Cache-Control", "public, max-age=30") // the data says how fresh it is
		c.Header("ETag", `"prices-v1"`)
		if c.GetHeader("If-None-Match") == `"prices-v1"` {
			c.Status(http.StatusNotModified) // unchanged: the cache keeps its copy
			return
		}
		c.String(http.StatusOK, "EUR 1.00")
	})
	for range 2 {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/prices", nil))
		fmt.Println(w.Code, w.Header().Get("X-Cache"), w.Header().Get("Cache-Control"), w.Body)
	}
	fmt.Println("renders:", renders)
	// Output:
	// 200 MISS public, max-age=30 EUR 1.00
	// 200 HIT from Server public, max-age=30 EUR 1.00
	// renders: 1
}
