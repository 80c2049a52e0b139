package gincache_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/leaktest"
)

// TestLeakMatrix: user A's personalised page is never served to user B
// unless the policy makes the page shared, whether B comes after A's render
// or waits on it (RFC 9111 §3, no Set-Cookie stored, RFC 9111 §3.5, RFC 9111 §4.1, waiters never get an unstorable response). The matrix is
// internal/leaktest's, run here on memstore with one engine.
func TestLeakMatrix(t *testing.T) {
	leaktest.Run(t, leaktest.Harness{Start: func(t *testing.T, row leaktest.Row, h gin.HandlerFunc) leaktest.Setup {
		// A long coalesce timeout: a B that waits wrongly is caught, not rescued.
		e := newEnv(t, row.Policy, h, gincache.WithCoalesceTimeout(time.Minute))
		return leaktest.Setup{
			A: e.r, B: e.r,
			Runs: e.runs.Load,
			Waiting: func() bool {
				n, ok := gincache.FlightWaiters(e.cache, row.Key(leaktest.Request("/page", row.A)))
				return ok && n == 1
			},
			Stored: func(*testing.T) (int, []string) { return e.mem.Len(), nil },
			Get: func(_ *testing.T, key string) (*gincache.Entry, error) {
				return e.mem.Get(context.Background(), key)
			},
		}
	}})
}

// TestLeakPrivatePolicyNeedsKey: the seed's bug — a private page stored
// under the URL alone — is refused when the route is registered.
func TestLeakPrivatePolicyNeedsKey(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.HasPrefix(fmt.Sprint(v), "gincache: ") {
			t.Errorf("Handler(private, ServerTTL, no Key) panicked with %v; want a gincache: message", v)
		}
	}()
	newEnv(t, gincache.Policy{MaxAge: time.Minute, ServerTTL: time.Minute}, leaktest.Greet)
}

// TestPoisonHost: two hosts never share an entry, however the Host header
// tries to imitate a path, a query, an escape or another host's letters
// (the key is the whole URL). The handler reflects the host, as pages that build
// absolute links do.
func TestPoisonHost(t *testing.T) {
	reflectHost := func(c *gin.Context) { c.String(http.StatusOK, "<base href=%q>", "https://"+c.Request.Host+"/") }
	tests := []struct {
		name                   string
		evilHost, evilTarget   string // the attacker's request, sent first
		cleanHost, cleanTarget string // then the victim's
		same                   bool   // the same host: the victim is served the first render
	}{
		{name: "another host", evilHost: "evil.example", cleanHost: "example.com"},
		{name: "another port", evilHost: "example.com:8080", cleanHost: "example.com"},
		{name: "trailing dot", evilHost: "example.com.", cleanHost: "example.com"},
		{
			// Unescaped, host+path+query would be the victim's URL.
			name: "slash and question mark in the host", evilHost: "example.com/page?q=",
			cleanHost: "example.com", cleanTarget: "/page?q=/page",
		},
		{
			name: "%2F and %3F in the host", evilHost: "example.com%2Fpage%3Fq=",
			cleanHost: "example.com", cleanTarget: "/page?q=/page",
		},
		{name: "escaped and raw slash", evilHost: "example.com%2Fx", cleanHost: "example.com/x"},
		{name: "CR LF in the host", evilHost: "example.com\r\nX-Evil: 1", cleanHost: "example.com"},
		{name: "NUL in the host", evilHost: "example.com\x00.evil", cleanHost: "example.com"},
		{name: "Kelvin sign folds to k", evilHost: "\u212a.example", cleanHost: "k.example"},
		{name: "long s folds to s", evilHost: "\u017fhop.example", cleanHost: "shop.example"},
		{name: "dotted capital I lowers to i", evilHost: "\u0130o.example", cleanHost: "io.example"},
		// The control: host names are case-insensitive, so this is one
		// host and one entry; the first render is served.
		{name: "control: ASCII case is the same host", evilHost: "EXAMPLE.com", cleanHost: "example.com", same: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, shell, reflectHost)
			evilTarget, cleanTarget := cmp.Or(tt.evilTarget, "/page"), cmp.Or(tt.cleanTarget, "/page")
			evil := e.do(http.MethodGet, evilTarget, "Host", tt.evilHost)
			clean := e.do(http.MethodGet, cleanTarget, "Host", tt.cleanHost)
			render := func(host string) string { return fmt.Sprintf("<base href=%q>", "https://"+host+"/") }
			runAll(t, evil, hasStatus(200), hasBody(render(tt.evilHost)))
			if tt.same {
				runAll(t, clean, hasBody(render(tt.evilHost)), hasHeader("X-Cache", "HIT from Server"))
				e.wantRuns(1)
				e.wantStored(1)
				return
			}
			runAll(t, clean, hasStatus(200), hasBody(render(tt.cleanHost)), hasHeader("X-Cache", "MISS"))
			e.wantRuns(2)
			e.wantStored(2)
			key := gincache.Key(leaktest.Request(cleanTarget, []string{"Host", tt.cleanHost}))
			if got, err := e.mem.Get(context.Background(), key); err != nil || string(got.Body) != render(tt.cleanHost) {
				t.Errorf("entry under the victim's key %q: %v; want the victim's render", key, err)
			}
		})
	}
}

// TestPoisonForwardedHost documents whose job X-Forwarded-Host is. The
// default key is host, path and query (the key is the whole URL); it does not
// include X-Forwarded-Host, which gin does not read either. A handler that
// reads it must name it in Policy.Vary or in its Key. The first row shows
// what happens when it does not: this is the application's responsibility,
// as with any request header a handler reads, not a bug in gincache.
func TestPoisonForwardedHost(t *testing.T) {
	reflect := func(c *gin.Context) {
		host := c.GetHeader("X-Forwarded-Host")
		if host == "" {
			host = c.Request.Host
		}
		c.String(http.StatusOK, "<script src=%q></script>", "https://"+host+"/app.js")
	}
	const (
		poisoned = `<script src="https://evil.example/app.js"></script>`
		clean    = `<script src="https://example.com/app.js"></script>`
	)
	withVary := shell
	withVary.Vary = []string{"X-Forwarded-Host"}
	withKey := shell
	withKey.Key = func(c *gin.Context) string {
		return gincache.Key(c.Request) + " xfh=" + c.GetHeader("X-Forwarded-Host")
	}
	tests := []struct {
		name    string
		policy  gincache.Policy
		handler gin.HandlerFunc
		served  bool // the victim gets the poisoned render
		runs    int64
		stored  int
	}{
		{
			name:   "unkeyed: the poisoned render is served to a clean request (documents the handler's responsibility, not a bug)",
			policy: shell, handler: reflect, served: true, runs: 1, stored: 1,
		},
		{name: "Vary: X-Forwarded-Host in the policy keeps it apart (RFC 9111 §4.1)", policy: withVary, handler: reflect, runs: 2, stored: 2},
		{name: "a Key that includes X-Forwarded-Host keeps it apart", policy: withKey, handler: reflect, runs: 2, stored: 2},
		{
			name: "the handler's own Vary: X-Forwarded-Host: sent, not stored (RFC 9111 §3)", policy: shell,
			handler: func(c *gin.Context) { c.Header("Vary", "X-Forwarded-Host"); reflect(c) }, runs: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.policy, tt.handler)
			runAll(t, e.do(http.MethodGet, "/page", "X-Forwarded-Host", "evil.example"), hasStatus(200), hasBody(poisoned))
			victim := e.do(http.MethodGet, "/page")
			if tt.served {
				runAll(t, victim, hasBody(poisoned), hasHeader("X-Cache", "HIT from Server"))
			} else {
				runAll(t, victim, hasBody(clean), hasHeader("X-Cache", "MISS"))
			}
			e.wantRuns(tt.runs)
			e.wantStored(tt.stored)
		})
	}
}

// TestPoisonQuery: a request with extra or disguised query parameters is
// stored under its own key and never under the plain URL's (the key is
// the whole URL). The handler reflects its query, as a page echoing utm tags would.
func TestPoisonQuery(t *testing.T) {
	reflect := func(c *gin.Context) { c.String(http.StatusOK, "<p>%s</p>", c.Request.URL.RawQuery) }
	tests := []struct {
		name        string
		evil, clean string
		same        bool // the handler sees the same query: one entry
	}{
		{name: "?utm=x cannot plant under /", evil: "/?utm=%3Cscript%3Ex", clean: "/"},
		{name: "an extra parameter", evil: "/page?q=a&utm=%3Cscript%3E", clean: "/page?q=a"},
		{name: "a repeated parameter", evil: "/page?q=a&q=%3Cscript%3E", clean: "/page?q=a"},
		{name: "an encoded & and =", evil: "/page?q=a%26utm%3D%3Cscript%3E", clean: "/page?q=a&utm=%3Cscript%3E"},
		{name: "an encoded #", evil: "/page?q=a%23%3Cscript%3E", clean: "/page?q=a"},
		{name: "a semicolon", evil: "/page?q=a;utm=%3Cscript%3E", clean: "/page?q=a"},
		{name: "parameter order", evil: "/page?utm=%3Cscript%3E&q=a", clean: "/page?q=a&utm=%3Cscript%3E"},
		// The control: a bare "?" leaves the handler the same empty query.
		{name: "control: a bare ? is the same request as none", evil: "/?", clean: "/", same: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, shell, reflect)
			e.r.GET("/", e.cache.Handler(shell), func(c *gin.Context) {
				e.runs.Add(1)
				reflect(c)
			})
			evil := e.do(http.MethodGet, tt.evil)
			clean := e.do(http.MethodGet, tt.clean)
			want := "<p>" + leaktest.Request(tt.clean, nil).URL.RawQuery + "</p>"
			runAll(t, evil, hasStatus(200))
			runAll(t, clean, hasStatus(200), hasBody(want))
			if tt.same {
				runAll(t, clean, hasHeader("X-Cache", "HIT from Server"))
				e.wantRuns(1)
				e.wantStored(1)
				return
			}
			runAll(t, clean, hasHeader("X-Cache", "MISS"))
			if got := e.stored(tt.clean); string(got.Body) != want {
				t.Errorf("entry under %s: %q; want %q", tt.clean, got.Body, want)
			}
			e.wantRuns(2)
			e.wantStored(2)
		})
	}
}

// TestPoisonVaryValues: values of the headers a policy varies on cannot
// imitate another variant's key, whatever bytes they hold — quotes, the
// separator NUL, CR LF (which the HTTP/1 parser rejects, but httptest and a
// lenient front end may pass) — and absent is not empty (RFC 9111 §4.1).
func TestPoisonVaryValues(t *testing.T) {
	p := gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute, Vary: []string{"X-Tenant", "Accept-Language"}}
	reflect := func(c *gin.Context) {
		c.String(http.StatusOK, "tenant=%q lang=%q", c.Request.Header["X-Tenant"], c.Request.Header["Accept-Language"])
	}
	victim := []string{"X-Tenant", "acme", "Accept-Language", "en"}
	tests := []struct {
		name        string
		evil, clean []string
	}{
		{name: "a value imitating the next field", evil: []string{"X-Tenant", "acme\"\x00Accept-Language=\"en"}, clean: victim},
		{name: "a value imitating the quoted suffix", evil: []string{"X-Tenant", "acme\"\x00Accept-Language=\"en\"", "Accept-Language", "x"}, clean: victim},
		{name: "CR LF in a value", evil: []string{"X-Tenant", "acme\r\nAccept-Language: en"}, clean: victim},
		{name: "NUL in a value", evil: []string{"X-Tenant", "acme\x00", "Accept-Language", "en"}, clean: victim},
		{name: "a second field line", evil: []string{"X-Tenant", "acme", "X-Tenant", "evil", "Accept-Language", "en"}, clean: victim},
		{name: "empty is not absent", evil: []string{"X-Tenant", "", "Accept-Language", "en"}, clean: []string{"Accept-Language", "en"}},
		{name: "absent is not empty", evil: []string{"Accept-Language", "en"}, clean: []string{"X-Tenant", "", "Accept-Language", "en"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, p, reflect)
			runAll(t, e.do(http.MethodGet, "/page", tt.evil...), hasStatus(200))
			r := leaktest.Request("/page", tt.clean)
			want := fmt.Sprintf("tenant=%q lang=%q", r.Header["X-Tenant"], r.Header["Accept-Language"])
			runAll(t, e.do(http.MethodGet, "/page", tt.clean...), hasStatus(200), hasBody(want), hasHeader("X-Cache", "MISS"))
			runAll(t, e.do(http.MethodGet, "/page", tt.clean...), hasBody(want), hasHeader("X-Cache", "HIT from Server"))
			e.wantRuns(2)
			e.wantStored(2)
		})
	}
}
