package gincache_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// echoQuery renders what the handler sees of the query.
func echoQuery(c *gin.Context) {
	c.String(200, "raw=%s utm_source=%s page=%s", c.Request.URL.RawQuery, c.Query("utm_source"), c.Query("page"))
}

// TestKeyQuery: an allowlist or a denylist decides what of the query makes
// the key, in the order of the names, and the handler sees only that.
func TestKeyQuery(t *testing.T) {
	allow := gincache.Policy{Public: true, ServerTTL: time.Hour, KeyQuery: []string{"page", "sort"}}
	deny := gincache.Policy{Public: true, ServerTTL: time.Hour, IgnoreQuery: append([]string{"ref"}, gincache.TrackingParameters...)}
	none := gincache.Policy{Public: true, ServerTTL: time.Hour, KeyQuery: []string{}}
	tests := []struct {
		name    string
		policy  gincache.Policy
		targets []string // all share one entry
		other   string   // another entry
		sees    string   // the handler's RawQuery
	}{
		{"allowlist", allow, []string{"/page?page=2&sort=a", "/page?sort=a&page=2", "/page?page=2&utm_source=x&sort=a&ref=y&z=1", "/page?&page=2&&sort=a&"},
			"/page?page=3&sort=a", "page=2&sort=a"},
		{"allowlist, escaped names", allow, []string{"/page?page=2", "/page?p%61ge=2&x=1"}, "/page?page=1", "page=2"},
		{"tracking denylist", deny, []string{"/page?q=1&b=2", "/page?b=2&q=1&utm_source=news&utm_medium=mail", "/page?gclid=abc&q=1&fbclid=x&b=2&utm%5Fsource=y&ref=z"},
			"/page?q=2&b=2", "b=2&q=1"},
		{"repeated values keep their order", deny, []string{"/page?a=2&z=0&a=1", "/page?z=0&a=2&utm_id=7&a=1"}, "/page?a=1&a=2&z=0", "a=2&a=1&z=0"},
		{"empty KeyQuery: no query", none, []string{"/page", "/page?x=1", "/page?page=1&utm_source=x"}, "", ""},
	}
	for _, kind := range allStores {
		for _, tt := range tests {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				e := newStoreEnv(t, kind, tt.policy, func(c *gin.Context) { c.String(200, "raw=%s", c.Request.URL.RawQuery) })
				for i, target := range tt.targets {
					want := "gincache; hit"
					if i == 0 {
						want = "gincache; fwd=uri-miss; stored"
					}
					w := e.do("GET", target)
					if cs := w.Header().Get("Cache-Status"); !strings.HasPrefix(cs, want) {
						t.Errorf("%s: Cache-Status = %q; want %q", target, cs, want)
					}
					runAll(t, w, hasBody("raw="+tt.sees))
				}
				e.wantRuns(1)
				e.wantEntries(1)
				if tt.other != "" {
					runAll(t, e.do("GET", tt.other), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
					e.wantRuns(2)
					e.wantEntries(2)
				}
			})
		}
	}
}

// TestIgnoredQueryCannotPlant: a parameter the key ignores never reaches
// the handler, so a request carrying one cannot plant a response that the
// clean URL is then served.
func TestIgnoredQueryCannotPlant(t *testing.T) {
	for _, kind := range allStores {
		for _, p := range []gincache.Policy{
			{Public: true, ServerTTL: time.Hour, KeyQuery: []string{"page"}},
			{Public: true, ServerTTL: time.Hour, IgnoreQuery: gincache.TrackingParameters},
		} {
			name := "KeyQuery"
			if p.IgnoreQuery != nil {
				name = "IgnoreQuery"
			}
			t.Run(kind.name+"/"+name, func(t *testing.T) {
				e := newStoreEnv(t, kind, p, echoQuery)
				runAll(t, e.do("GET", "/page?page=1&utm_source=%3Cscript%3Eevil%3C%2Fscript%3E"), hasBody("raw=page=1 utm_source= page=1"))
				runAll(t, e.do("GET", "/page?page=1"), hasBody("raw=page=1 utm_source= page=1"), hasHeader("X-Cache", "HIT from Server"))
				e.wantRuns(1)
			})
		}
	}
}

// TestIgnoredQueryAfterMiddlewareReadIt: middleware before the cache that
// read the query (gin caches it) does not leave the handler the removed
// parameters.
func TestIgnoredQueryAfterMiddlewareReadIt(t *testing.T) {
	cache := gincache.New(memstore.New())
	r := gin.New()
	var outer string
	r.Use(func(c *gin.Context) { outer = c.Query("utm_source"); _ = c.Request.ParseForm() })
	r.GET("/page", cache.Handler(gincache.Policy{Public: true, ServerTTL: time.Hour, IgnoreQuery: gincache.TrackingParameters}), func(c *gin.Context) {
		c.String(200, "utm=%s form=%s page=%s uri=%s", c.Query("utm_source"), c.Request.FormValue("utm_source"), c.Query("page"), c.Request.RequestURI)
	})
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/page?utm_source=x&page=1", nil)
	r.ServeHTTP(w, req)
	if outer != "x" {
		t.Errorf("outer middleware read utm_source = %q; want x (it runs before the cache)", outer)
	}
	if got, want := w.Body.String(), "utm= form= page=1 uri=/page?page=1"; got != want {
		t.Errorf("handler saw %q; want %q", got, want)
	}
}

// TestQueryFlood: a cache-busting flood — 10 000 requests with random extra
// parameters on an allowlisted route — creates no new entry and renders
// nothing new.
func TestQueryFlood(t *testing.T) {
	const n = 10000
	for _, kind := range allStores {
		t.Run(kind.name, func(t *testing.T) {
			e := newStoreEnv(t, kind, gincache.Policy{Public: true, ServerTTL: time.Hour, KeyQuery: []string{"page"}}, echoQuery)
			runAll(t, e.do("GET", "/page?page=1"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range n {
				target := fmt.Sprintf("/page?%x=%x&page=1&cb=%d&utm_source=%x", rng.Uint64(), rng.Uint64(), i, rng.Uint32())
				if i%2 == 0 {
					target = fmt.Sprintf("/page?page=1&_=%d", rng.Uint64())
				}
				req := httptest.NewRequest(http.MethodGet, target, nil)
				w := httptest.NewRecorder()
				e.r.ServeHTTP(w, req)
				if w.Header().Get("X-Cache") != "HIT from Server" {
					t.Fatalf("request %d (%s): X-Cache %q, Cache-Status %q; want a hit", i, target, w.Header().Get("X-Cache"), w.Header().Get("Cache-Status"))
				}
			}
			e.wantRuns(1)
			e.wantEntries(1)
		})
	}
}

// TestKeyQueryValidate: query lists that cannot apply panic at registration.
func TestKeyQueryValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    gincache.Policy
		ok   bool
	}{
		{"allowlist", gincache.Policy{KeyQuery: []string{"page", "f_*"}}, true},
		{"denylist", gincache.Policy{IgnoreQuery: gincache.TrackingParameters}, true},
		{"both", gincache.Policy{KeyQuery: []string{"a"}, IgnoreQuery: []string{"b"}}, false},
		{"empty name", gincache.Policy{KeyQuery: []string{""}}, false},
		{"star inside", gincache.Policy{IgnoreQuery: []string{"a*b"}}, false},
		{"SharedCache", gincache.Policy{SharedCache: true, ServerTTL: time.Minute, IgnoreQuery: []string{"a"}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if (err == nil) != tt.ok || err != nil && !strings.Contains(err.Error(), "Query") {
				t.Errorf("Validate() = %v; want ok %v", err, tt.ok)
			}
		})
	}
}
