package gincache_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

// TestStorability covers what may be stored (RFC 9111 §3 and the product rules in docs/conformance.md).
func TestStorability(t *testing.T) {
	public := gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute}
	perUser := gincache.Policy{MaxAge: time.Minute, ServerTTL: time.Minute,
		Key: func(c *gin.Context) string { return "user:" + c.GetHeader("X-User") + ":" + gincache.Key(c.Request) }}
	notStored := func(detail string) check {
		return hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail="+detail)
	}
	runFlows(t, []flow{
		{name: "404 is not stored by default, gets no validators (RFC 9110 §15.1)", policy: public, stored: 0,
			handler: func(c *gin.Context) { c.String(404, "gone") }, steps: []step{
				{name: "render", runs: 1, checks: []check{hasStatus(404), hasBody("gone"), notStored("status"), noHeader("ETag"), noHeader("Cache-Control"), noHeader("Last-Modified")}},
				{name: "render again", runs: 2},
			}},
		{name: "404 is stored when the Cache says so, and never answered 304 (RFC 9110 §15.1, RFC 9110 §13.2.1)", policy: public, stored: 1,
			opts:    []gincache.Option{gincache.WithStatuses(200, 404)},
			handler: func(c *gin.Context) { c.String(404, "gone") }, steps: []step{
				{name: "render", runs: 1, checks: []check{hasStatus(404), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"), hasHeader("Cache-Control", "public, max-age=60"), noHeader("ETag")}},
				{name: "hit", runs: 1, checks: []check{hasStatus(404), hasBody("gone"), hasHeader("X-Cache", "HIT from Server")}},
				{name: "If-None-Match * is no 304 for a 404 (RFC 9110 §13.2.1)", hdr: []string{"If-None-Match", "*"}, runs: 1, checks: []check{hasStatus(404), hasBody("gone")}},
				{name: "nor If-Modified-Since (RFC 9110 §13.2.1)", hdr: []string{"If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"}, runs: 1, checks: []check{hasStatus(404)}},
			}},
		{name: "500 is never turned into a 304 (RFC 9110 §13.2.1)", policy: public, stored: 0,
			handler: func(c *gin.Context) { c.String(500, "boom") }, steps: []step{
				{name: "render", hdr: []string{"If-None-Match", "*"}, runs: 1, checks: []check{hasStatus(500), hasBody("boom"), notStored("status")}},
			}},
		{name: "handler's Cache-Control: private is kept and not stored (RFC 9111 §3)", policy: public, stored: 0,
			handler: func(c *gin.Context) { c.Header("Cache-Control", "private, max-age=5"); c.String(200, "mine") }, steps: []step{
				{name: "render", runs: 1, checks: []check{hasHeader("Cache-Control", "private, max-age=5"), notStored("cache-control")}},
				{name: "render again", runs: 2},
			}},
		{name: "handler's Cache-Control: no-store is kept and not stored (RFC 9111 §3)", policy: public, stored: 0,
			handler: func(c *gin.Context) { c.Header("Cache-Control", "No-Store"); c.String(200, "x") }, steps: []step{
				{name: "render", runs: 1, checks: []check{hasHeader("Cache-Control", "No-Store"), notStored("cache-control")}},
			}},
		{name: "handler's harmless Cache-Control is kept and stored", policy: public, stored: 1,
			handler: func(c *gin.Context) { c.Header("Cache-Control", "public, max-age=7"); c.String(200, "x") }, steps: []step{
				{name: "render", runs: 1, checks: []check{hasHeader("Cache-Control", "public, max-age=7")}},
				{name: "hit replays it", runs: 1, checks: []check{hasHeader("Cache-Control", "public, max-age=7"), hasHeader("X-Cache", "HIT from Server")}},
				{name: "and so does a 304 (RFC 9110 §15.4.5)", hdr: []string{"If-None-Match", "*"}, runs: 1, checks: []check{hasStatus(304), hasHeader("Cache-Control", "public, max-age=7")}},
			}},
		{name: "Vary: * is not stored (RFC 9111 §3)", policy: public, stored: 0,
			handler: func(c *gin.Context) { c.Header("Vary", "*"); c.String(200, "x") }, steps: []step{
				{name: "render", runs: 1, checks: []check{notStored("vary"), hasHeader("Vary", "*")}},
			}},
		{name: "a Vary the policy does not key on is not stored (RFC 9111 §4.1)", policy: public, stored: 0,
			handler: func(c *gin.Context) { c.Header("Vary", "Accept-Language"); c.String(200, "x") }, steps: []step{
				{name: "render", runs: 1, checks: []check{notStored("vary")}},
			}},
		{name: "Set-Cookie is never stored (no Set-Cookie stored)", policy: public, stored: 0,
			handler: func(c *gin.Context) {
				c.SetCookie("session", "alice", 60, "/", "", false, true)
				c.String(200, "hi alice")
			}, steps: []step{
				{name: "alice gets her cookie", runs: 1, checks: []check{notStored("set-cookie"), hasBody("hi alice"),
					hasHeader("Set-Cookie", "session=alice; Path=/; Max-Age=60; HttpOnly")}},
				{name: "bob renders his own page", runs: 2},
			}},
		{name: "Authorization bypasses a private policy (RFC 9111 §3.5)", policy: perUser, stored: 1,
			handler: func(c *gin.Context) { c.String(200, "for "+c.GetHeader("X-User")) }, steps: []step{
				{name: "cookie user renders", hdr: []string{"X-User", "a"}, runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"), hasHeader("Cache-Control", "private, max-age=60")}},
				{name: "same user with Authorization is not served the stored page", hdr: []string{"X-User", "a", "Authorization", "Bearer t"}, runs: 2,
					checks: []check{hasHeader("Cache-Status", "gincache; fwd=bypass; detail=authorization"), hasHeader("X-Cache", "MISS")}},
				{name: "and did not replace it", hdr: []string{"X-User", "a"}, runs: 2, checks: []check{hasHeader("X-Cache", "HIT from Server")}},
			}},
		{name: "Authorization is served from a public policy (RFC 9111 §3.5)", policy: public, stored: 1, steps: []step{
			{name: "render", hdr: []string{"Authorization", "Bearer t"}, runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored")}},
			{name: "hit", hdr: []string{"Authorization", "Bearer u"}, runs: 1, checks: []check{hasHeader("X-Cache", "HIT from Server")}},
		}},
		{name: "a private policy keys on the user: no cross-user hit", policy: perUser, stored: 2,
			handler: func(c *gin.Context) { c.String(200, "for "+c.GetHeader("X-User")) }, steps: []step{
				{name: "alice", hdr: []string{"X-User", "alice"}, runs: 1, checks: []check{hasBody("for alice")}},
				{name: "bob", hdr: []string{"X-User", "bob"}, runs: 2, checks: []check{hasBody("for bob"), hasHeader("X-Cache", "MISS")}},
				{name: "alice hit", hdr: []string{"X-User", "alice"}, runs: 2, checks: []check{hasBody("for alice"), hasHeader("X-Cache", "HIT from Server")}},
			}},
		{name: "Range bypasses the store; 206 is never stored (RFC 9110 §14)", policy: public, stored: 0,
			handler: func(c *gin.Context) {
				http.ServeContent(c.Writer, c.Request, "a.txt", time.Time{}, strings.NewReader("0123456789"))
			}, steps: []step{
				{name: "range", hdr: []string{"Range", "bytes=0-3"}, runs: 1, checks: []check{hasStatus(206), hasBody("0123"), hasHeader("Cache-Status", "gincache; fwd=bypass; detail=range")}},
				{name: "range again", hdr: []string{"Range", "bytes=0-3"}, runs: 2},
			}},
		{name: "a body past the limit streams through, unstored (a stream is not stored)", policy: public, stored: 0,
			opts: []gincache.Option{gincache.WithMaxBodySize(8)},
			handler: func(c *gin.Context) {
				c.Header("Content-Type", "text/plain")
				c.Writer.WriteString("0123")
				c.Writer.WriteString("456789")
			}, steps: []step{
				{name: "render", runs: 1, checks: []check{hasStatus(200), hasBody("0123456789"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=streamed"),
					hasHeader("Cache-Control", "public, max-age=60"), noHeader("ETag")}},
				{name: "render again", runs: 2},
			}},
		{name: "a flushed response streams through, unstored (a stream is not stored)", policy: public, stored: 0,
			handler: func(c *gin.Context) {
				c.Status(201)
				c.Writer.WriteString("part1,")
				c.Writer.Flush()
				c.Writer.WriteString("part2")
			}, steps: []step{
				{name: "render", runs: 1, checks: []check{hasStatus(201), hasBody("part1,part2"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=streamed")}},
			}},
		{name: "a handler error stores nothing (a failed render stores nothing)", policy: public, stored: 0,
			handler: func(c *gin.Context) { _ = c.Error(context.DeadlineExceeded); c.String(200, "partial") }, steps: []step{
				{name: "render", runs: 1, checks: []check{hasStatus(200), hasBody("partial"), notStored("handler-error")}},
			}},
		{name: "a panic stores nothing and reaches Recovery (a failed render stores nothing)", policy: public, stored: 0,
			handler: func(c *gin.Context) { c.Writer.WriteString("half a page"); panic("boom") }, steps: []step{
				{name: "render", runs: 1, checks: []check{hasStatus(500), hasBody("")}},
				{name: "render again", runs: 2, checks: []check{hasStatus(500)}},
			}},
		{name: "the status may change until the body starts, as in gin", policy: public, stored: 0,
			handler: func(c *gin.Context) { c.Status(200); c.String(404, "nope") }, steps: []step{
				{name: "404 wins", runs: 1, checks: []check{hasStatus(404), hasBody("nope")}},
			}},
		{name: "a 304 after a render keeps the handler's Set-Cookie (RFC 9110 §15.4.5 drops only metadata)", policy: public, stored: 0,
			handler: func(c *gin.Context) { c.SetCookie("s", "1", 60, "/", "", false, false); c.String(200, "x") }, steps: []step{
				{name: "render", hdr: []string{"If-None-Match", "*"}, runs: 1, checks: []check{hasStatus(304), hasBody(""),
					hasHeader("Set-Cookie", "s=1; Path=/; Max-Age=60"), noHeader("Content-Type"), noHeader("Content-Length"), noHeader("Last-Modified")}},
			}},
		{name: "a HEAD whose handler writes no body gets no made-up ETag or Content-Length", policy: public, stored: 0,
			handler: func(c *gin.Context) { c.Status(200) }, steps: []step{
				{name: "HEAD", method: http.MethodHead, runs: 1, checks: []check{hasStatus(200), noHeader("ETag"), noHeader("Content-Length"),
					hasHeader("Last-Modified", lastMod), hasHeader("Cache-Control", "public, max-age=60")}},
			}},
		{name: "an empty 204 is passed on", policy: public, stored: 0,
			handler: func(c *gin.Context) { c.Status(204) }, steps: []step{
				{name: "render", runs: 1, checks: []check{hasStatus(204), hasBody(""), notStored("status")}},
			}},
	})
}

// TestStoredEntry checks what goes into the store, field by field.
func TestStoredEntry(t *testing.T) {
	tests := []struct {
		name    string
		outer   gin.HandlerFunc // middleware outside the cached route
		handler gin.HandlerFunc
		check   func(*testing.T, *gincache.Entry)
	}{
		{
			name: "hop-by-hop, Connection-named and Date fields are not stored (RFC 9110 §7.6.1)",
			handler: func(c *gin.Context) {
				c.Header("Connection", "X-Trace")
				c.Header("X-Trace", "1")
				c.Header("Keep-Alive", "timeout=5")
				c.Header("Date", "Mon, 01 Jan 2024 00:00:00 GMT")
				c.Header("Upgrade", "h2c")
				c.Header("X-Kept", "yes")
				c.String(200, "x")
			},
			check: func(t *testing.T, e *gincache.Entry) {
				for _, k := range []string{"Connection", "X-Trace", "Keep-Alive", "Date", "Upgrade", "Cache-Status", "X-Cache", "Age"} {
					if v, ok := e.Header[k]; ok {
						t.Errorf("stored %s = %q; want it left out", k, v)
					}
				}
				if got := e.Header.Get("X-Kept"); got != "yes" {
					t.Errorf("stored X-Kept = %q; want %q", got, "yes")
				}
			},
		},
		{
			name:  "headers outer middleware set are not frozen into the entry (only the cached chain's fields stored)",
			outer: func(c *gin.Context) { c.Header("X-Request-Id", "req-1"); c.Header("Vary", "Origin"); c.Next() },
			handler: func(c *gin.Context) {
				c.String(200, "x")
			},
			check: func(t *testing.T, e *gincache.Entry) {
				for _, k := range []string{"X-Request-Id", "Vary"} {
					if v, ok := e.Header[k]; ok {
						t.Errorf("stored %s = %q; want it left to the outer middleware", k, v)
					}
				}
			},
		},
		{
			name:    "validators and metadata are stored as sent (RFC 9110 §8.8.3, a deterministic strong ETag)",
			handler: page("hello"),
			check: func(t *testing.T, e *gincache.Entry) {
				if e.Status != 200 || string(e.Body) != "hello" || len(e.ETag) != 18 || e.ETag[0] != '"' || e.ETag[17] != '"' {
					t.Errorf("entry = %d %q ETag %q; want 200 \"hello\" and a quoted 16-hex ETag", e.Status, e.Body, e.ETag)
				}
				if e.Header.Get("Etag") != e.ETag || e.Header.Get("Content-Length") != "5" || e.Header.Get("Last-Modified") != lastMod {
					t.Errorf("stored header = %v; want ETag, Content-Length 5 and Last-Modified %s", e.Header, lastMod)
				}
				if _, ok := e.Header["Cache-Control"]; ok {
					t.Errorf("stored the policy's own Cache-Control; it is applied on replay so a policy change takes effect")
				}
				if want := newClock().Now(); !e.StoredAt.Equal(want) || !e.LastModified.Equal(want) {
					t.Errorf("StoredAt, LastModified = %v, %v; want %v", e.StoredAt, e.LastModified, want)
				}
			},
		},
		{
			name: "multi-valued headers are stored whole and clipped (multi-valued fields kept whole)",
			handler: func(c *gin.Context) {
				c.Writer.Header().Add("Link", "</a.css>; rel=preload")
				c.Writer.Header().Add("Link", "</b.js>; rel=preload")
				c.String(200, "x")
			},
			check: func(t *testing.T, e *gincache.Entry) {
				v := e.Header["Link"]
				if len(v) != 2 || v[0] != "</a.css>; rel=preload" || v[1] != "</b.js>; rel=preload" {
					t.Errorf("stored Link = %q; want both values", v)
				}
				if cap(v) != len(v) {
					t.Errorf("cap(Link) = %d, len %d; want clipped so appends copy", cap(v), len(v))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, gincache.Policy{Public: true, ServerTTL: time.Minute}, tt.handler)
			if tt.outer != nil {
				e.r = gin.New()
				e.r.Use(tt.outer)
				e.r.GET("/page", e.cache.Handler(gincache.Policy{Public: true, ServerTTL: time.Minute}), tt.handler)
			}
			if w := e.do(http.MethodGet, "/page"); w.Header().Get("Cache-Status") != "gincache; fwd=uri-miss; stored" {
				t.Fatalf("Cache-Status = %q; want stored", w.Header().Get("Cache-Status"))
			}
			tt.check(t, e.stored("/page"))
		})
	}
}

// TestReplay checks a hit against what the first response carried.
func TestReplay(t *testing.T) {
	t.Run("multi-valued headers replay whole (multi-valued fields kept whole)", func(t *testing.T) {
		e := newEnv(t, gincache.Policy{Public: true, ServerTTL: time.Minute}, func(c *gin.Context) {
			c.Writer.Header().Add("Link", "</a.css>; rel=preload")
			c.Writer.Header().Add("Link", "</b.js>; rel=preload")
			c.String(200, "x")
		})
		e.do(http.MethodGet, "/page")
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Cache", "HIT from Server"),
			hasHeader("Link", "</a.css>; rel=preload|</b.js>; rel=preload"))
	})
	t.Run("outer middleware headers come fresh on a hit (only the cached chain's fields stored)", func(t *testing.T) {
		e := newEnv(t, shell, page("x"))
		n := 0
		e.r = gin.New()
		e.r.Use(func(c *gin.Context) { n++; c.Header("X-Request-Id", "req-"+string(rune('0'+n))); c.Next() })
		e.r.GET("/page", e.cache.Handler(shell), page("x"))
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Request-Id", "req-1"))
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Request-Id", "req-2"), hasHeader("X-Cache", "HIT from Server"))
	})
	t.Run("a hit does not carry the first client's Set-Cookie of an outer middleware", func(t *testing.T) {
		e := newEnv(t, shell, page("x"))
		e.r = gin.New()
		e.r.Use(func(c *gin.Context) {
			if c.Query("login") != "" {
				c.SetCookie("s", "alice", 60, "/", "", false, true)
			}
			c.Next()
		})
		e.r.GET("/page", e.cache.Handler(gincache.Policy{Public: true, ServerTTL: time.Minute,
			Key: func(c *gin.Context) string { return c.Request.URL.Path }}), page("x"))
		runAll(t, e.do(http.MethodGet, "/page?login=1"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Cache", "HIT from Server"), noHeader("Set-Cookie"))
	})
}

// TestValidators covers how ETag and Last-Modified are chosen.
func TestValidators(t *testing.T) {
	future := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	tests := []struct {
		name     string
		handler  gin.HandlerFunc
		etag, lm string
	}{
		{"handler's strong ETag is kept (the handler's validators kept)", func(c *gin.Context) { c.Header("ETag", `"v42"`); c.String(200, "x") }, `"v42"`, lastMod},
		{"handler's weak ETag is kept (the handler's validators kept)", func(c *gin.Context) { c.Header("ETag", `W/"v42"`); c.String(200, "x") }, `W/"v42"`, lastMod},
		{"a bare ETag is quoted (RFC 9110 §8.8.3)", func(c *gin.Context) { c.Header("ETag", "v42"); c.String(200, "x") }, `"v42"`, lastMod},
		{"a bare weak ETag is quoted and stays weak (RFC 9110 §8.8.3)", func(c *gin.Context) { c.Header("ETag", "W/v42"); c.String(200, "x") }, `W/"v42"`, lastMod},
		{"an ETag that cannot be quoted is replaced (RFC 9110 §8.8.3)", func(c *gin.Context) { c.Header("ETag", `a"b`); c.String(200, "x") }, etagOf(t, "x"), lastMod},
		{"handler's Last-Modified is kept (the handler's validators kept)", func(c *gin.Context) {
			c.Header("Last-Modified", "Sun, 01 Nov 2026 08:00:00 GMT")
			c.String(200, "x")
		}, etagOf(t, "x"), "Sun, 01 Nov 2026 08:00:00 GMT"},
		{"a Last-Modified in the future is clamped to now (RFC 9110 §8.8.2.1)", func(c *gin.Context) { c.Header("Last-Modified", future); c.String(200, "x") }, etagOf(t, "x"), lastMod},
		{"an unparsable Last-Modified is replaced", func(c *gin.Context) { c.Header("Last-Modified", "soon"); c.String(200, "x") }, etagOf(t, "x"), lastMod},
		{"Content-Encoding is part of the generated ETag (a deterministic strong ETag)", func(c *gin.Context) { c.Header("Content-Encoding", "gzip"); c.String(200, "x") }, "", lastMod},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, shell, tt.handler)
			w := e.do(http.MethodGet, "/page")
			etag := w.Header().Get("ETag")
			if tt.etag == "" {
				if etag == etagOf(t, "x") || len(etag) != 18 {
					t.Errorf("ETag = %q; want a generated ETag unlike the identity one", etag)
				}
			} else if etag != tt.etag {
				t.Errorf("ETag = %q; want %q", etag, tt.etag)
			}
			if got := w.Header().Get("Last-Modified"); got != tt.lm {
				t.Errorf("Last-Modified = %q; want %q", got, tt.lm)
			}
			// The stored response answers 304 to its own validator.
			runAll(t, e.do(http.MethodGet, "/page", "If-None-Match", etag), hasStatus(304))
		})
	}
	t.Run("ETags are deterministic across replicas and differ by body (a deterministic strong ETag)", func(t *testing.T) {
		a, b, c := etagOf(t, shellBody), etagOf(t, shellBody), etagOf(t, shellBody+" ")
		if a != b || a == c {
			t.Errorf("ETags = %s, %s, %s; want the first two equal and the third different", a, b, c)
		}
	})
}

// TestFailOpen: a broken or slow store never breaks a request.
func TestFailOpen(t *testing.T) {
	t.Run("errors are misses, logged once and counted", func(t *testing.T) {
		e := newEnv(t, shell, page(shellBody))
		e.store.fail(errBroken)
		for i := 1; i <= 3; i++ {
			runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasBody(shellBody),
				hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=store-error"), hasHeader("ETag", etagOf(t, shellBody)))
		}
		e.wantRuns(3)
		if got := e.cache.Stats().StoreErrors; got != 6 {
			t.Errorf("StoreErrors = %d; want 6 (a Get and a Set per request)", got)
		}
		if got := strings.Count(e.logs.String(), "store error"); got != 1 {
			t.Errorf("logged %d lines; want 1 within the interval:\n%s", got, e.logs)
		}
		e.clock.Advance(11 * time.Second)
		e.do(http.MethodGet, "/page")
		if !strings.Contains(e.logs.String(), "suppressed=5") {
			t.Errorf("second line should count the 5 errors left out:\n%s", e.logs)
		}
		e.store.fail(nil)
		e.do(http.MethodGet, "/page")
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Cache", "HIT from Server"))
		e.wantRuns(5)
	})
	t.Run("a store that hangs costs one deadline, not the request", func(t *testing.T) {
		e := newEnv(t, shell, page(shellBody), gincache.WithStoreTimeout(20*time.Millisecond))
		e.store.block.Store(true)
		runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasBody(shellBody),
			hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=store-error"))
		if got := e.cache.Stats().StoreErrors; got != 2 {
			t.Errorf("StoreErrors = %d; want 2", got)
		}
	})
	t.Run("a client that hangs up still gets its render stored", func(t *testing.T) {
		e := newEnv(t, shell, page(shellBody))
		ctx, cancel := context.WithCancel(context.Background())
		e.r = gin.New()
		e.r.GET("/page", e.cache.Handler(shell), func(c *gin.Context) { cancel(); page(shellBody)(c) })
		req := httptest.NewRequest(http.MethodGet, "/page", nil).WithContext(ctx)
		w := httptest.NewRecorder()
		e.r.ServeHTTP(w, req)
		runAll(t, w, hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
		e.wantStored(1)
	})
}
