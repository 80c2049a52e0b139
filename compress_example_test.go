package gincache_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// The cache compresses a page once, when it stores it, and each client gets
// the coding it asks for, with that coding's own ETag.
func ExampleWithCompression() {
	cache := gincache.New(memstore.New(), gincache.WithCompression(gincache.Compression{}))
	r := gin.New()
	r.GET("/", cache.Handler(gincache.Policy{Public: true, NoCache: true, ServerTTL: 5 * time.Minute}), func(c *gin.Context) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(strings.Repeat("<p>a page worth compressing</p>\n", 100)))
	})
	for _, accept := range []string{"gzip, deflate, br, zstd", "gzip", ""} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Printf("%-24q %-15s %-5q %s\n", accept, w.Header().Get("X-Cache"), w.Header().Get("Content-Encoding"), w.Header().Get("Vary"))
	}
	// Output:
	// "gzip, deflate, br, zstd" MISS            "br"  Accept-Encoding
	// "gzip"                   HIT from Server "gzip" Accept-Encoding
	// ""                       HIT from Server ""    Accept-Encoding
}
