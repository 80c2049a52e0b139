package gincache_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

// TestNoStore: the never-cache middleware wins over anything the handler does
// (RFC 9111 §5.2.2.5).
func TestNoStore(t *testing.T) {
	d2 := []check{
		hasHeader("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0"),
		hasHeader("Pragma", "no-cache"), hasHeader("Expires", "Thu, 01 Jan 1970 00:00:00 GMT"),
		noHeader("ETag"), noHeader("Last-Modified"), hasHeader("Cache-Status", "gincache; fwd=bypass"),
	}
	modTime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		handler gin.HandlerFunc
		hdr     []string
		checks  []check
	}{
		{"plain JSON", func(c *gin.Context) { c.JSON(200, []string{"a"}) }, nil,
			[]check{hasStatus(200), hasBody(`["a"]`)}},
		{"handler's own caching headers are overridden", func(c *gin.Context) {
			c.Header("Cache-Control", "public, max-age=3600")
			c.Header("ETag", `"v1"`)
			c.Header("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
			c.String(200, "x")
		}, nil, []check{hasStatus(200), hasBody("x")}},
		{"a handler that never writes", func(c *gin.Context) {}, nil, []check{hasStatus(200)}},
		{"non-canonical header names are overridden too", func(c *gin.Context) {
			h := c.Writer.Header()
			h["cache-control"] = []string{"public, max-age=3600"}
			h["etag"] = []string{`"v1"`}
			h["last-modified"] = []string{"Mon, 02 Jan 2006 15:04:05 GMT"}
			c.String(200, "x")
		}, nil, []check{hasStatus(200), noRawHeader("cache-control"), noRawHeader("etag"), noRawHeader("last-modified")}},
		{"an error status", func(c *gin.Context) { c.AbortWithStatus(503) }, nil, []check{hasStatus(503)}},
		{"a streaming handler", func(c *gin.Context) {
			c.Writer.WriteString("a")
			c.Writer.Flush()
			c.Writer.WriteString("b")
		}, nil, []check{hasStatus(200), hasBody("ab")}},
		{"conditional request headers are stripped, so ServeContent cannot 304", func(c *gin.Context) {
			http.ServeContent(c.Writer, c.Request, "a.txt", modTime, strings.NewReader("fresh"))
		}, []string{"If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT", "If-None-Match", "*"},
			[]check{hasStatus(200), hasBody("fresh")}},
	}
	for _, tt := range tests {
		for _, mw := range []struct {
			name string
			h    gin.HandlerFunc
		}{
			{"NoStore()", gincache.NoStore()},
			{"Policy{NoStore: true}", newEnv(t, shell, nil).cache.Handler(gincache.Policy{NoStore: true})},
		} {
			t.Run(mw.name+"/"+tt.name, func(t *testing.T) {
				r := gin.New()
				runs := 0
				r.GET("/items", mw.h, func(c *gin.Context) { runs++; tt.handler(c) })
				for range 2 {
					req := httptest.NewRequest(http.MethodGet, "/items", nil)
					for i := 0; i+1 < len(tt.hdr); i += 2 {
						req.Header.Set(tt.hdr[i], tt.hdr[i+1])
					}
					w := httptest.NewRecorder()
					r.ServeHTTP(w, req)
					runAll(t, w, append(tt.checks, d2...)...)
				}
				if runs != 2 {
					t.Errorf("handler ran %d times; want 2: nothing is ever served from a cache", runs)
				}
			})
		}
	}
}

// TestNoStorePolicyWithServerTTL: "no-store" to clients, yet the server
// keeps the page (the seed's cacheable=False with a server_timeout).
func TestNoStorePolicyWithServerTTL(t *testing.T) {
	p := gincache.Policy{NoStore: true, ServerTTL: time.Minute, Key: func(c *gin.Context) string { return "fixed" }}
	e := newEnv(t, p, page("x"))
	runAll(t, e.do(http.MethodGet, "/page"), hasHeader("Cache-Control", "no-store"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
	runAll(t, e.do(http.MethodGet, "/page"), hasHeader("Cache-Control", "no-store"), hasHeader("X-Cache", "HIT from Server"))
	e.wantRuns(1)
}

// noRawHeader checks that no field is stored under exactly k, in any case.
func noRawHeader(k string) check {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		t.Helper()
		if v, ok := w.Header()[k]; ok {
			t.Errorf("header[%q] = %q; want no such field", k, v)
		}
	}
}
