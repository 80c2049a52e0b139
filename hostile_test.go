package gincache_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// echoBody answers with the request's body, or "plain" without one: a
// handler whose response depends on what a fat GET carries.
func echoBody(c *gin.Context) {
	b, _ := io.ReadAll(c.Request.Body)
	if len(b) == 0 {
		b = []byte("plain")
	}
	c.Header("Cache-Control", c.GetHeader("X-Want-CC"))
	c.Data(200, "text/plain", b)
}

// A GET or HEAD with content (RFC 9110 §9.3.1) is neither served from the
// store nor stored: the body is not in the key, and the handler may answer
// it differently. It still reaches the handler, and its response tells the
// caches after this one to store nothing.
func TestFatGetIsNotCached(t *testing.T) {
	for _, p := range []struct {
		name   string
		policy gincache.Policy
	}{
		{"fixed policy", gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute}},
		{"SharedCache", gincache.Policy{SharedCache: true, ServerTTL: time.Minute}},
	} {
		t.Run(p.name, func(t *testing.T) {
			e := newEnv(t, p.policy, echoBody)
			fat := func(body string, chunked bool) *httptest.ResponseRecorder {
				req := httptest.NewRequest(http.MethodGet, "/page", strings.NewReader(body))
				req.Header.Set("X-Want-CC", "public, max-age=60")
				if chunked {
					req.ContentLength, req.TransferEncoding = -1, []string{"chunked"}
				}
				w := httptest.NewRecorder()
				e.r.ServeHTTP(w, req)
				return w
			}
			// The attacker's body-dependent response is neither stored ...
			runAll(t, fat("evil", false), hasStatus(200), hasBody("evil"), hasHeader("Cache-Control", "no-store"),
				hasHeader("Cache-Status", "gincache; fwd=bypass; detail=request-body"))
			runAll(t, fat("evil", true), hasStatus(200), hasBody("evil"), hasHeader("Cache-Control", "no-store"))
			e.wantStored(0)
			// ... nor served to anyone else.
			runAll(t, e.do(http.MethodGet, "/page", "X-Want-CC", "public, max-age=60"), hasBody("plain"),
				hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
			e.wantStored(1)
			// A stored page is not served to a fat GET either: it goes to the handler.
			runAll(t, fat("evil again", false), hasBody("evil again"), hasHeader("Cache-Status", "gincache; fwd=bypass; detail=request-body"))
			runAll(t, e.do(http.MethodGet, "/page", "X-Want-CC", "public, max-age=60"), hasBody("plain"), hasHeader("X-Cache", "HIT from Server"))
			e.wantRuns(4)
		})
	}
}

// redirectToHTTPS redirects plain HTTP to https and serves the page over it,
// with the scheme read as scheme says.
func redirectToHTTPS(scheme func(*http.Request) bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !scheme(c.Request) {
			c.Redirect(http.StatusMovedPermanently, "https://example.com/page")
			return
		}
		c.String(200, "secure")
	}
}

// The scheme is part of every key (RFC 9111 §2, the target URI): a redirect
// from http to https stored by a plain-HTTP request never reaches an HTTPS
// client, which would loop.
func TestSchemeIsPartOfTheKey(t *testing.T) {
	p := gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute}
	t.Run("the connection's TLS", func(t *testing.T) {
		e := newEnv(t, p, redirectToHTTPS(func(r *http.Request) bool { return r.TLS != nil }),
			gincache.WithStatuses(200, 301))
		runAll(t, e.do(http.MethodGet, "/page"), hasStatus(301), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
		runAll(t, e.do(http.MethodGet, "https://example.com/page"), hasStatus(200), hasBody("secure"),
			hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
		runAll(t, e.do(http.MethodGet, "https://example.com/page"), hasStatus(200), hasBody("secure"), hasHeader("X-Cache", "HIT from Server"))
		runAll(t, e.do(http.MethodGet, "/page"), hasStatus(301), hasHeader("X-Cache", "HIT from Server"))
		e.wantRuns(2)
		e.wantStored(2)
		// Purging the key, or the URL, drops both schemes.
		if err := e.cache.Purge(t.Context(), "example.com/page"); err != nil {
			t.Fatal(err)
		}
		e.wantStored(0)
	})
	t.Run("a trusted proxy's header, WithScheme", func(t *testing.T) {
		proto := func(r *http.Request) string { return r.Header.Get("X-Forwarded-Proto") }
		e := newEnv(t, p, redirectToHTTPS(func(r *http.Request) bool { return proto(r) == "https" }),
			gincache.WithStatuses(200, 301), gincache.WithScheme(proto))
		runAll(t, e.do(http.MethodGet, "/page"), hasStatus(301))
		runAll(t, e.do(http.MethodGet, "/page", "X-Forwarded-Proto", "https"), hasStatus(200), hasBody("secure"))
		runAll(t, e.do(http.MethodGet, "/page", "X-Forwarded-Proto", "https"), hasStatus(200), hasHeader("X-Cache", "HIT from Server"))
		e.wantRuns(2)
		// Inventing schemes makes no new keys: anything but https is http.
		for _, v := range []string{"ftp", "HTTP", "https ", "https\x00", "javascript"} {
			runAll(t, e.do(http.MethodGet, "/page", "X-Forwarded-Proto", v), hasStatus(301), hasHeader("X-Cache", "HIT from Server"))
		}
		runAll(t, e.do(http.MethodGet, "/page", "X-Forwarded-Proto", "HTTPS"), hasStatus(200), hasHeader("X-Cache", "HIT from Server"))
		e.wantRuns(2)
		e.wantStored(2)
	})
	t.Run("a write over https invalidates both schemes", func(t *testing.T) {
		e := newEnv(t, p, func(c *gin.Context) { c.String(200, "page") })
		e.do(http.MethodGet, "/page")
		e.do(http.MethodGet, "https://example.com/page")
		e.wantStored(2)
		runAll(t, e.do(http.MethodPost, "https://example.com/page"), hasStatus(200))
		e.wantStored(0)
	})
}

// Every spelling of one resource shares its key and its invalidation (RFC
// 3986 §6.2.2): gin routes "/p%61ge" as "/page", so a write to one spelling
// must drop what another stored, and a hit for one is a hit for all.
func TestPathSpellingsShareKeyAndInvalidation(t *testing.T) {
	p := gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute}
	e := newEnv(t, p, func(c *gin.Context) { c.String(200, "page") })
	runAll(t, e.do(http.MethodGet, "/page?q=%c3%a9"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
	runAll(t, e.do(http.MethodGet, "/p%61ge?q=%C3%A9"), hasBody("page"), hasHeader("X-Cache", "HIT from Server"))
	runAll(t, e.do(http.MethodGet, "/%70age?q=%c3%A9"), hasBody("page"), hasHeader("X-Cache", "HIT from Server"))
	e.wantRuns(1)
	e.wantStored(1)
	runAll(t, e.do(http.MethodPost, "/p%61g%65"), hasStatus(200))
	e.wantStored(0)
}

// An outer middleware's Set-Cookie (a session or CSRF middleware that sets
// it before the cached route runs) is never stored: the entry keeps only
// what the cached chain set, and on a hit the outer middleware sets this
// client's own cookie again. A Set-Cookie from the cached chain itself makes
// the response unstorable.
func TestOuterSetCookieIsNotStored(t *testing.T) {
	var n atomic.Int64
	mem := memstore.New()
	cache := gincache.New(mem)
	r := gin.New()
	r.Use(func(c *gin.Context) {
		http.SetCookie(c.Writer, &http.Cookie{Name: "session", Value: fmt.Sprintf("s%d", n.Add(1))})
		c.Next()
	})
	r.GET("/page", cache.Handler(gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute}), page("page"))
	get := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/page", nil))
		return w
	}
	runAll(t, get(), hasBody("page"), hasHeader("Set-Cookie", "session=s1"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
	runAll(t, get(), hasBody("page"), hasHeader("Set-Cookie", "session=s2"), hasHeader("X-Cache", "HIT from Server"))
	e, err := mem.Get(t.Context(), "example.com/page")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := e.Header["Set-Cookie"]; ok {
		t.Errorf("stored entry has Set-Cookie %q; want none", v)
	}
}
