//go:build !race

package gincache_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// discard is a ResponseWriter that keeps nothing, reset between requests,
// so what a request allocates is the middleware's own.
type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(code int)        { d.status = code }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }

// A memstore hit and a 304 from it allocate nothing, with the default key
// and with a key prefix (the race detector allocates on its own: this file
// is left out under -race).
func TestHitAllocations(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []gincache.Option
	}{
		{"default key", nil},
		{"WithKeyPrefix", []gincache.Option{gincache.WithKeyPrefix("app1:")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cache := gincache.New(memstore.New(), tt.opts...)
			r := gin.New()
			r.GET("/page", cache.Handler(gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Hour}), page("hello"))
			w := &discard{h: http.Header{}}
			req := httptest.NewRequest(http.MethodGet, "/page?a=1", nil)
			r.ServeHTTP(w, req)
			etag := w.h.Get("Etag")
			cond := httptest.NewRequest(http.MethodGet, "/page?a=1", nil)
			cond.Header.Set("If-None-Match", etag)
			for _, c := range []struct {
				name   string
				req    *http.Request
				status int
			}{{"hit", req, 200}, {"304", cond, 304}} {
				serve := func() {
					clear(w.h)
					r.ServeHTTP(w, c.req)
				}
				serve()
				if w.status != c.status || w.h.Get("X-Cache") == "MISS" {
					t.Fatalf("%s: status %d, X-Cache %q; want %d from the store", c.name, w.status, w.h.Get("X-Cache"), c.status)
				}
				if n := testing.AllocsPerRun(200, serve); n != 0 {
					t.Errorf("%s: %v allocations a request; want 0", c.name, n)
				}
			}
		})
	}
}
