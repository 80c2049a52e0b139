package gincache_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

var pagePolicy = gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Minute}

// defaultsApp: an engine-wide default for pages, a NoStore default for the
// API, and routes that override each, registered before and after.
func defaultsApp(t *testing.T) (*gin.Engine, *gincache.Cache) {
	t.Helper()
	cache := gincache.New(memstore.New())
	r := gin.New()
	r.GET("/early", page("registered before the default"))
	r.Use(cache.Default(pagePolicy))
	r.GET("/", page("home"))
	r.GET("/about", cache.Handler(gincache.Policy{Public: true, MaxAge: time.Hour, ServerTTL: time.Hour}), page("about"))
	r.GET("/secret", gincache.NoStore(), page("secret"))
	api := r.Group("/api", cache.Default(gincache.Policy{NoStore: true}))
	api.GET("/items", func(c *gin.Context) { c.JSON(200, []string{"a"}) })
	api.POST("/items", func(c *gin.Context) { c.Status(201) })
	api.GET("/catalog", cache.Handler(gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute}), page("catalog"))
	api.GET("/files/*path", gincache.SelfCaching("own headers", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=5")
		c.String(200, "file")
	}))
	return r, cache
}

func TestDefaultPolicy(t *testing.T) {
	r, _ := defaultsApp(t)
	get := func(path string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	tests := []struct {
		name   string
		path   string
		checks []check
	}{
		{"the engine default applies", "/", []check{hasBody("home"), hasHeader("Cache-Control", "public, no-cache, max-age=0"),
			hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored")}},
		{"a route's own policy overrides it: one Cache-Control, one Cache-Status", "/about", []check{hasBody("about"),
			hasHeader("Cache-Control", "public, max-age=3600"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored")}},
		{"NoStore overrides it", "/secret", []check{hasBody("secret"),
			hasHeader("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0"), hasHeader("Cache-Status", "gincache; fwd=bypass"), noHeader("ETag")}},
		{"the group default overrides the engine's", "/api/items", []check{hasBody(`["a"]`),
			hasHeader("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0"), hasHeader("Cache-Status", "gincache; fwd=bypass")}},
		{"a route in the group overrides the group's", "/api/catalog", []check{hasBody("catalog"),
			hasHeader("Cache-Control", "public, max-age=60"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored")}},
		{"a SelfCaching handler keeps its own headers", "/api/files/a.txt", []check{hasBody("file"),
			hasHeader("Cache-Control", "public, max-age=5"), noHeader("Cache-Status"), noHeader("Pragma")}},
		{"a route registered before the default keeps its chain", "/early", []check{hasBody("registered before the default"),
			noHeader("Cache-Control"), noHeader("Cache-Status")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runAll(t, get(tt.path), append(tt.checks, hasStatus(200))...)
			if tt.path == "/" || tt.path == "/about" || tt.path == "/api/catalog" {
				runAll(t, get(tt.path), hasHeader("X-Cache", "HIT from Server"))
			}
		})
	}
}

func TestAudit(t *testing.T) {
	r, _ := defaultsApp(t)
	report, err := gincache.Audit(r)
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	want := map[string]struct {
		source gincache.Source
		cc     string
	}{
		"GET /":                {gincache.SourceDefault, "public, no-cache, max-age=0"},
		"GET /about":           {gincache.SourceExplicit, "public, max-age=3600"},
		"GET /secret":          {gincache.SourceExplicit, "no-store"},
		"GET /early":           {gincache.SourceNone, ""},
		"GET /api/items":       {gincache.SourceDefault, "no-store"},
		"POST /api/items":      {gincache.SourceDefault, "no-store"},
		"GET /api/catalog":     {gincache.SourceExplicit, "public, max-age=60"},
		"GET /api/files/*path": {gincache.SourceHandler, ""},
	}
	if len(report) != len(want) {
		t.Fatalf("Audit found %d routes; want %d: %+v", len(report), len(want), report)
	}
	for _, rr := range report {
		w, ok := want[rr.Method+" "+rr.Path]
		if !ok {
			t.Errorf("unexpected route %s %s", rr.Method, rr.Path)
			continue
		}
		if rr.Source != w.source || (w.cc != "" && rr.Policy.CacheControl() != w.cc) || (w.source == gincache.SourceHandler && rr.Note != "own headers") {
			t.Errorf("%s %s: %s %q; want %s %q", rr.Method, rr.Path, rr.Source, rr.Policy.CacheControl(), w.source, w.cc)
		}
	}
	missing := report.Missing()
	if len(missing) != 1 || missing[0].Path != "/early" {
		t.Errorf("Missing() = %+v; want /early alone", missing)
	}
	var buf bytes.Buffer
	if _, err := report.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	// Columns are aligned with spaces; compare with runs of spaces folded.
	var table []string
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		table = append(table, strings.Join(strings.Fields(line), " "))
	}
	for _, line := range []string{
		"METHOD PATH POLICY CACHE-CONTROL SERVER TTL",
		"GET /about explicit public, max-age=3600 1h0m0s",
		"GET /early none - -",
		"GET /api/items default no-store, no-cache, must-revalidate, max-age=0 -",
		"GET /api/files/*path handler own headers -",
	} {
		if !slices.Contains(table, line) {
			t.Errorf("table lacks %q:\n%s", line, buf.String())
		}
	}
}

// Two engines sharing one Cache, with one pattern: the route one engine gives
// its own policy must not make the other engine's Default step aside.
func TestDefaultPerEngine(t *testing.T) {
	cache := gincache.New(memstore.New())
	a, b := gin.New(), gin.New()
	a.Use(cache.Default(pagePolicy))
	a.GET("/p", cache.Handler(gincache.Policy{Public: true, MaxAge: time.Hour, ServerTTL: time.Hour}), page("a"))
	b.Use(cache.Default(pagePolicy))
	b.GET("/p", page("b"))
	get := func(r *gin.Engine) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/p", nil)
		if r == b {
			req.Host = "b.example" // its own pages, in the same store
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	// a first, so its explicit chain is the one remembered for "GET /p".
	runAll(t, get(a), hasBody("a"), hasHeader("Cache-Control", "public, max-age=3600"))
	runAll(t, get(b), hasBody("b"), hasHeader("Cache-Control", "public, no-cache, max-age=0"),
		hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
	runAll(t, get(a), hasBody("a"), hasHeader("Cache-Control", "public, max-age=3600"))
	report, err := gincache.Audit(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(report) != 1 || report[0].Source != gincache.SourceDefault {
		t.Errorf("Audit(b) = %+v; want GET /p from the default", report)
	}
}

// A SharedCache route under a Default is a route with its own policy: the
// Default steps aside, the response keeps its own Cache-Control, and Audit
// says explicit.
func TestDefaultStepsAsideForSharedCache(t *testing.T) {
	cache := gincache.New(memstore.New())
	r := gin.New()
	r.Use(cache.Default(gincache.Policy{NoStore: true}))
	r.GET("/up", cache.Handler(gincache.Policy{SharedCache: true, ServerTTL: time.Hour}), func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=60")
		c.String(200, "upstream")
	})
	for i, want := range []string{"gincache; fwd=uri-miss; stored", "gincache; hit; ttl=60"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/up", nil))
		runAll(t, w, hasStatus(200), hasBody("upstream"), hasHeader("Cache-Control", "public, max-age=60"), noHeader("Pragma"))
		if got := w.Header().Get("Cache-Status"); got != want {
			t.Errorf("request %d: Cache-Status = %q; want %q", i, got, want)
		}
	}
	report, err := gincache.Audit(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(report) != 1 || report[0].Source != gincache.SourceExplicit || !report[0].Policy.SharedCache {
		t.Errorf("Audit = %+v; want GET /up explicit, SharedCache", report)
	}
}
