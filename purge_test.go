package gincache_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// TestInvalidationOnUnsafeMethods (RFC 9111 §4.4): a successful POST,
// PUT, PATCH or DELETE drops every stored response of its path.
func TestInvalidationOnUnsafeMethods(t *testing.T) {
	post := func(status int) gin.HandlerFunc {
		return func(c *gin.Context) {
			if c.Request.Method == http.MethodPost {
				c.Status(status)
				return
			}
			c.String(200, "list")
		}
	}
	t.Run("through the route's own Handler", func(t *testing.T) {
		e := newEnv(t, shell, post(http.StatusCreated))
		e.do(http.MethodGet, "/page")
		e.do(http.MethodGet, "/page?page=2")
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Cache", "HIT from Server"))
		runAll(t, e.do(http.MethodPost, "/page"), hasStatus(201), hasHeader("Cache-Status", "gincache; fwd=method"))
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Cache", "MISS"))
		runAll(t, e.do(http.MethodGet, "/page?page=2"), hasHeader("X-Cache", "MISS"))
		e.wantRuns(5)
	})
	t.Run("a failed POST invalidates nothing", func(t *testing.T) {
		e := newEnv(t, shell, post(http.StatusBadRequest))
		e.do(http.MethodGet, "/page")
		e.do(http.MethodPost, "/page")
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Cache", "HIT from Server"))
	})
	t.Run("router-wide with InvalidateOnWrite, other hosts untouched", func(t *testing.T) {
		e := newEnv(t, shell, page("list"))
		e.r = gin.New()
		e.r.Use(e.cache.InvalidateOnWrite())
		e.r.GET("/page", e.cache.Handler(shell), page("list"))
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			e.r.Handle(m, "/page", func(c *gin.Context) { c.Status(http.StatusNoContent) })
		}
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			e.do(http.MethodGet, "/page")
			e.do(http.MethodGet, "/page", "Host", "other.test")
			runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Cache", "HIT from Server"))
			e.do(m, "/page")
			runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Cache", "MISS"))
			runAll(t, e.do(http.MethodGet, "/page", "Host", "other.test"), hasHeader("X-Cache", "HIT from Server"))
		}
	})
	t.Run("without tags, the path's own entry is dropped", func(t *testing.T) {
		mem := memstore.New()
		cache := gincache.New(untagged{mem})
		r := gin.New()
		r.Use(cache.InvalidateOnWrite())
		r.GET("/page", cache.Handler(shell), page("list"))
		r.POST("/page", func(c *gin.Context) { c.Status(201) })
		get := func() string {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/page", nil))
			return w.Header().Get("X-Cache")
		}
		get()
		if got := get(); got != "HIT from Server" {
			t.Fatalf("X-Cache = %q; want a hit before the POST", got)
		}
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/page", nil))
		if got := get(); got != "MISS" {
			t.Errorf("X-Cache after POST = %q; want MISS", got)
		}
	})
}

// untagged hides a store's Tagger capability.
type untagged struct{ gincache.Store }

// TestPurge covers the purge API: by key, by URL (every query and variant)
// and by tag.
func TestPurge(t *testing.T) {
	ctx := context.Background()
	tagged := gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute, Tags: []string{"pages"},
		Vary: []string{"Accept-Language"}}
	handler := func(c *gin.Context) {
		gincache.Tag(c, "user:"+c.Query("user"))
		c.String(200, "hello %s", c.Query("user"))
	}
	stored := func(e *env, target string, hdr ...string) bool {
		t.Helper()
		return e.do(http.MethodGet, target, hdr...).Header().Get("X-Cache") == "HIT from Server"
	}
	fill := func(t *testing.T) *env {
		e := newEnv(t, tagged, handler)
		for _, target := range []string{"/page?user=1", "/page?user=2"} {
			e.do(http.MethodGet, target, "Accept-Language", "en")
			e.do(http.MethodGet, target, "Accept-Language", "fr")
		}
		return e
	}
	t.Run("PurgeTags by a handler's tag", func(t *testing.T) {
		e := fill(t)
		if err := e.cache.PurgeTags(ctx, "user:1"); err != nil {
			t.Fatal(err)
		}
		if stored(e, "/page?user=1", "Accept-Language", "en") || stored(e, "/page?user=1", "Accept-Language", "fr") {
			t.Errorf("user:1 pages survived PurgeTags")
		}
		if !stored(e, "/page?user=2", "Accept-Language", "en") {
			t.Errorf("user:2 page was purged too")
		}
	})
	t.Run("PurgeTags by the policy's tag", func(t *testing.T) {
		e := fill(t)
		if err := e.cache.PurgeTags(ctx, "pages"); err != nil {
			t.Fatal(err)
		}
		e.runs.Store(0)
		stored(e, "/page?user=1", "Accept-Language", "en")
		stored(e, "/page?user=2", "Accept-Language", "fr")
		e.wantRuns(2)
	})
	t.Run("PurgeURL drops every query and variant of the path", func(t *testing.T) {
		e := fill(t)
		if err := e.cache.PurgeURL(ctx, "http://example.com/page"); err != nil {
			t.Fatal(err)
		}
		e.runs.Store(0)
		for _, target := range []string{"/page?user=1", "/page?user=2"} {
			stored(e, target, "Accept-Language", "en")
			stored(e, target, "Accept-Language", "fr")
		}
		e.wantRuns(4)
	})
	t.Run("Purge by key drops that entry only", func(t *testing.T) {
		e := newEnv(t, shell, page("x"))
		e.do(http.MethodGet, "/page")
		e.do(http.MethodGet, "/page?a=1")
		if err := e.cache.Purge(ctx, gincache.Key(httptest.NewRequest(http.MethodGet, "/page", nil))); err != nil {
			t.Fatal(err)
		}
		if stored(e, "/page") || !stored(e, "/page?a=1") {
			t.Errorf("Purge dropped the wrong entries")
		}
	})
	t.Run("PurgeTags without a Tagger store", func(t *testing.T) {
		c := gincache.New(untagged{memstore.New()})
		if err := c.PurgeTags(ctx, "x"); !errors.Is(err, gincache.ErrTagsUnsupported) {
			t.Errorf("PurgeTags = %v; want ErrTagsUnsupported", err)
		}
	})
}

// TestPurgeHandler: the operators' endpoint refuses without authorization.
func TestPurgeHandler(t *testing.T) {
	tests := []struct {
		name      string
		authorize func(*gin.Context) bool
		method    string
		target    string
		status    int
		purged    bool
	}{
		{"no authorize function refuses", nil, http.MethodPost, "/admin/purge?tag=pages", 403, false},
		{"unauthorized", func(c *gin.Context) bool { return c.GetHeader("X-Token") == "secret" }, http.MethodPost, "/admin/purge?tag=pages", 403, false},
		{"nothing to purge", func(*gin.Context) bool { return true }, http.MethodPost, "/admin/purge", 400, false},
		{"by tag", func(*gin.Context) bool { return true }, http.MethodPost, "/admin/purge?tag=pages", 200, true},
		{"by url", func(*gin.Context) bool { return true }, http.MethodPost, "/admin/purge?url=http://example.com/page", 200, true},
		{"PURGE on the page itself", func(*gin.Context) bool { return true }, "PURGE", "/page", 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := shell
			p.Tags = []string{"pages"}
			e := newEnv(t, p, page("x"))
			e.r.POST("/admin/purge", e.cache.PurgeHandler(tt.authorize))
			e.r.Handle("PURGE", "/page", e.cache.PurgeHandler(tt.authorize))
			e.do(http.MethodGet, "/page")
			w := e.do(tt.method, tt.target)
			runAll(t, w, hasStatus(tt.status), hasHeader("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0"))
			hit := e.do(http.MethodGet, "/page").Header().Get("X-Cache") == "HIT from Server"
			if hit == tt.purged {
				t.Errorf("after %s %s (%d %s): hit = %v; want purged = %v", tt.method, tt.target, w.Code, w.Body, hit, tt.purged)
			}
		})
	}
}
