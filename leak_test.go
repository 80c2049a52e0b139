package gincache_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

// The users of the leak matrix. Their ids are long and distinctive, so a
// response holding one can only have got it from that user's render.
const (
	alice = "alice-7f3a9c"
	bob   = "bob-91c2e4"
	guest = "guest" // no credentials
)

// userOf is who sent r: the uid cookie, else the bearer token of
// Authorization, else guest.
func userOf(r *http.Request) string {
	if c, err := r.Cookie("uid"); err == nil && c.Value != "" {
		return c.Value
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && tok != "" {
		return tok
	}
	return guest
}

func cookieOf(id string) []string { return []string{"Cookie", "uid=" + id} }
func tokenOf(id string) []string  { return []string{"Authorization", "Bearer " + id} }

// greet is a page personalised for whoever asks.
func greet(c *gin.Context) { c.String(http.StatusOK, "<p>signed in as %s</p>", userOf(c.Request)) }

// greetAnd returns greet preceded by f, which sets the response's headers.
func greetAnd(f func(c *gin.Context, id string)) gin.HandlerFunc {
	return func(c *gin.Context) {
		f(c, userOf(c.Request))
		greet(c)
	}
}

// userKey is a store key that tells users apart: the default key and the
// user; keyByUser is it as a Policy.Key.
func userKey(r *http.Request) string  { return gincache.Key(r) + " user=" + userOf(r) }
func keyByUser(c *gin.Context) string { return userKey(c.Request) }

// defaultKeyOf is a Policy.Key saying the page is the same for everyone.
func defaultKeyOf(c *gin.Context) string { return gincache.Key(c.Request) }

// leakRequest is the GET /page a matrix row sends with the header pairs hdr.
func leakRequest(hdr []string) *http.Request { return requestWith(http.MethodGet, "/page", hdr) }

// requestWith builds the request env.do would send.
func requestWith(method, target string, hdr []string) *http.Request {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	return req
}

// leakRow is one row of the cross-user leak matrix: user A's request is
// rendered, then user B's is sent.
type leakRow struct {
	name    string
	policy  gincache.Policy
	handler gin.HandlerFunc
	a, b    []string // the header pairs of A's and B's requests
	// shared: the policy says the page is the same for everyone, so B is
	// served A's render. Otherwise B's response never holds A's id.
	shared bool
	// waits: while A's render is in flight, B's request waits on it (same
	// key, both may be stored). Otherwise B is answered while A's render
	// is still held.
	waits bool
	runs  int64    // handler runs for A's and B's requests
	holds []string // the users whose render the store holds afterwards
	// key is the store key of a request, to look an entry up; nil when
	// the key has a Vary suffix: re-requests check those entries instead.
	key func(*http.Request) string
}

// leakMatrix is shared by the memstore matrix here and, copied, by the Redis
// one in redisstore/leak_test.go.
var leakMatrix = []leakRow{
	{
		// The control: Public says the page is the same for everyone. This
		// handler breaks that promise by greeting A, which is how the
		// matrix sees sharing: B is served A's render.
		name:   "control: a public page is shared, A's id and all",
		policy: shell, handler: greet, a: cookieOf(alice), b: cookieOf(bob),
		shared: true, waits: true, runs: 1, holds: []string{alice}, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S4, L3: the same public page, but it sets a cookie.
		name:   "Set-Cookie in the response: not stored, not shared, even on a public route",
		policy: shell, a: cookieOf(alice), b: cookieOf(bob),
		handler: greetAnd(func(c *gin.Context, id string) { c.SetCookie("session", id+"-session", 3600, "/", "", true, true) }),
		waits:   true, runs: 2, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S4: net/http writes a header map's keys as they
		// are, and Go documents direct assignment as the way to send a
		// non-canonical key; the client still receives a Set-Cookie.
		name:   "Set-Cookie under a non-canonical header key: not stored, not shared",
		policy: shell, a: cookieOf(alice), b: cookieOf(bob),
		handler: greetAnd(func(c *gin.Context, id string) {
			c.Writer.Header()["set-cookie"] = []string{"session=" + id + "-session"}
		}),
		waits: true, runs: 2, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S6: a private route whose Key does not tell users
		// apart (it says the page is the same for everyone); Authorization
		// still keeps A's page out of the store.
		name:   "Authorization in the request on a non-public route: bypasses the store",
		policy: gincache.Policy{MaxAge: time.Minute, ServerTTL: time.Minute, Key: defaultKeyOf},
		a:      tokenOf(alice), b: tokenOf(bob), handler: greet,
		runs: 2, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S6: the anonymous page B renders is stored; A's is not.
		name:   "Authorization in A's request on a non-public route: an anonymous B is not served A's page",
		policy: gincache.Policy{MaxAge: time.Minute, ServerTTL: time.Minute, Key: defaultKeyOf},
		a:      tokenOf(alice), b: nil, handler: greet,
		runs: 2, holds: []string{guest}, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S6 (RFC 9111 §3.5): public explicitly allows a
		// shared cache to answer requests with Authorization.
		name:   "Authorization on a public route: shared, as public says",
		policy: shell, a: tokenOf(alice), b: tokenOf(bob), handler: greet,
		shared: true, waits: true, runs: 1, holds: []string{alice}, key: gincache.Key,
	},
	{
		name:   "private policy stored under a Key by user",
		policy: gincache.Policy{MaxAge: time.Minute, ServerTTL: time.Minute, Key: keyByUser},
		a:      cookieOf(alice), b: cookieOf(bob), handler: greet,
		runs: 2, holds: []string{alice, bob}, key: userKey,
	},
	{
		// RFC-CHECKLIST S3: the handler's own private beats a public policy.
		name:   "private Cache-Control from the handler on a public route: not stored",
		policy: shell, a: cookieOf(alice), b: cookieOf(bob),
		handler: greetAnd(func(c *gin.Context, _ string) { c.Header("Cache-Control", "private, max-age=60") }),
		waits:   true, runs: 2, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S3, as for Set-Cookie above.
		name:   "private Cache-Control under a non-canonical header key: not stored",
		policy: shell, a: cookieOf(alice), b: cookieOf(bob),
		handler: greetAnd(func(c *gin.Context, _ string) { c.Writer.Header()["cache-control"] = []string{"private"} }),
		waits:   true, runs: 2, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST R3: each Cookie value is a variant of its own.
		name:   "Vary: Cookie in the policy",
		policy: gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute, Vary: []string{"Cookie"}},
		a:      cookieOf(alice), b: cookieOf(bob), handler: greet,
		runs: 2, holds: []string{alice, bob},
	},
	{
		// RFC-CHECKLIST R3: no Cookie is a variant apart from any Cookie.
		name:   "Vary: Cookie in the policy, B without a cookie",
		policy: gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute, Vary: []string{"Cookie"}},
		a:      cookieOf(alice), b: nil, handler: greet,
		runs: 2, holds: []string{alice, guest},
	},
	{
		// RFC-CHECKLIST S3, R3, L3: a Vary the policy's key does not cover.
		name:   "Vary: Cookie from the handler only: sent, not stored",
		policy: shell, a: cookieOf(alice), b: cookieOf(bob),
		handler: greetAnd(func(c *gin.Context, _ string) { c.Header("Vary", "Cookie") }),
		waits:   true, runs: 2, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S3, R3, as for Set-Cookie above.
		name:   "Vary: Cookie from the handler under a non-canonical header key: not stored",
		policy: shell, a: cookieOf(alice), b: cookieOf(bob),
		handler: greetAnd(func(c *gin.Context, _ string) { c.Writer.Header()["vary"] = []string{"Cookie"} }),
		waits:   true, runs: 2, key: gincache.Key,
	},
	{
		name:   "custom Key by user on a public route, users by Authorization",
		policy: gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute, Key: keyByUser},
		a:      tokenOf(alice), b: tokenOf(bob), handler: greet,
		runs: 2, holds: []string{alice, bob}, key: userKey,
	},
}

// findID reports where id appears in w: its body or a header; "" if nowhere.
func findID(w *httptest.ResponseRecorder, id string) string {
	if strings.Contains(w.Body.String(), id) {
		return "body"
	}
	for k, vs := range w.Header() {
		for _, v := range vs {
			if strings.Contains(v, id) {
				return "header " + k
			}
		}
	}
	return ""
}

// shows checks that w is a 200 showing want's page and holds nothing of not.
func shows(t *testing.T, who string, w *httptest.ResponseRecorder, want, not string) {
	t.Helper()
	if page := "signed in as " + want; w.Code != http.StatusOK || !strings.Contains(w.Body.String(), page) {
		t.Errorf("%s: %d %q; want 200 with %q", who, w.Code, w.Body, page)
	}
	if where := findID(w, not); where != "" {
		t.Errorf("%s: %s holds %q: another user's render leaked (%s: %q)", who, where, not, w.Header().Get("Cache-Status"), w.Body)
	}
}

// TestLeakMatrix: user A's personalised page is never served to user B
// unless the policy makes the page shared, whether B comes after A's render
// or waits on it (RFC-CHECKLIST S3, S4, S6, R3, L3).
func TestLeakMatrix(t *testing.T) {
	for _, tt := range leakMatrix {
		t.Run(tt.name, func(t *testing.T) {
			t.Run("sequential", func(t *testing.T) { runLeakRow(t, tt, false) })
			t.Run("coalesced", func(t *testing.T) { runLeakRow(t, tt, true) })
		})
	}
}

// runLeakRow runs one row on memstore. Coalesced, A's render is held until B
// either waits on it (FlightWaiters) or has been answered without it.
func runLeakRow(t *testing.T, tt leakRow, coalesced bool) {
	reqA, reqB := leakRequest(tt.a), leakRequest(tt.b)
	idA, idB := userOf(reqA), userOf(reqB)
	release := make(chan struct{})
	releaseA := sync.OnceFunc(func() { close(release) })
	defer releaseA()
	started := make(chan struct{}, 1)
	var held atomic.Bool
	h := tt.handler
	if coalesced {
		h = func(c *gin.Context) {
			if held.CompareAndSwap(false, true) {
				started <- struct{}{}
				<-release
			}
			tt.handler(c)
		}
	}
	// A long coalesce timeout: a B that waits wrongly is caught, not rescued.
	e := newEnv(t, tt.policy, h, gincache.WithCoalesceTimeout(time.Minute))

	var fromA, fromB *httptest.ResponseRecorder
	if !coalesced {
		fromA = e.do(http.MethodGet, "/page", tt.a...)
		fromB = e.do(http.MethodGet, "/page", tt.b...)
	} else {
		var wg sync.WaitGroup
		wg.Go(func() { fromA = e.do(http.MethodGet, "/page", tt.a...) })
		<-started
		bDone := make(chan struct{})
		go func() {
			defer close(bDone)
			fromB = e.do(http.MethodGet, "/page", tt.b...)
		}()
		if tt.waits {
			waitFor(t, "B to wait on A's render", func() bool {
				n, ok := gincache.FlightWaiters(e.cache, tt.key(reqA))
				return ok && n == 1
			})
		} else {
			select {
			case <-bDone:
			case <-time.After(10 * time.Second):
				t.Fatal("B was not answered while A's render was held: it waits on another user's render")
			}
		}
		releaseA()
		wg.Wait()
		<-bDone
	}

	shows(t, "A", fromA, idA, idB)
	if tt.shared {
		shows(t, "B", fromB, idA, idB)
		runAll(t, fromB, hasHeader("X-Cache", "HIT from Server"))
		if got := fromB.Header().Get("Cache-Status"); strings.Contains(got, "collapsed") != coalesced {
			t.Errorf("B: Cache-Status = %q; want collapsed only when B waited on A's render", got)
		}
	} else {
		shows(t, "B", fromB, idB, idA)
		runAll(t, fromB, hasHeader("X-Cache", "MISS"))
	}
	e.wantRuns(tt.runs)
	e.wantStored(len(tt.holds))
	if tt.key != nil {
		for _, id := range tt.holds {
			req := reqA
			if id == idB {
				req = reqB
			}
			got, err := e.mem.Get(context.Background(), tt.key(req))
			if err != nil || !strings.Contains(string(got.Body), "signed in as "+id) {
				t.Errorf("store under %q: %v; want %s's render", tt.key(req), err, id)
			}
		}
	}

	// Again, each user: a stored variant is replayed to its own user only.
	// B's key holds A's render when the page is shared.
	seenByB, notByB := idB, idA
	if tt.shared {
		seenByB, notByB = idA, idB
	}
	runs := tt.runs
	for _, u := range []struct {
		who       string
		hdr       []string
		want, not string
		hit       bool
	}{
		{"A again", tt.a, idA, idB, slices.Contains(tt.holds, idA)},
		{"B again", tt.b, seenByB, notByB, tt.shared || slices.Contains(tt.holds, idB)},
	} {
		w := e.do(http.MethodGet, "/page", u.hdr...)
		shows(t, u.who, w, u.want, u.not)
		if u.hit {
			runAll(t, w, hasHeader("X-Cache", "HIT from Server"))
		} else {
			runs++
		}
	}
	e.wantRuns(runs)
}

// TestLeakPrivatePolicyNeedsKey: the seed's bug — a private page stored
// under the URL alone — is refused when the route is registered.
func TestLeakPrivatePolicyNeedsKey(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.HasPrefix(fmt.Sprint(v), "gincache: ") {
			t.Errorf("Handler(private, ServerTTL, no Key) panicked with %v; want a gincache: message", v)
		}
	}()
	newEnv(t, gincache.Policy{MaxAge: time.Minute, ServerTTL: time.Minute}, greet)
}

// TestPoisonHost: two hosts never share an entry, however the Host header
// tries to imitate a path, a query, an escape or another host's letters
// (RFC-CHECKLIST L4). The handler reflects the host, as pages that build
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
			key := gincache.Key(requestWith(http.MethodGet, cleanTarget, []string{"Host", tt.cleanHost}))
			if got, err := e.mem.Get(context.Background(), key); err != nil || string(got.Body) != render(tt.cleanHost) {
				t.Errorf("entry under the victim's key %q: %v; want the victim's render", key, err)
			}
		})
	}
}

// TestPoisonForwardedHost documents whose job X-Forwarded-Host is. The
// default key is host, path and query (RFC-CHECKLIST L4); it does not
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
		{name: "Vary: X-Forwarded-Host in the policy keeps it apart (R3)", policy: withVary, handler: reflect, runs: 2, stored: 2},
		{name: "a Key that includes X-Forwarded-Host keeps it apart", policy: withKey, handler: reflect, runs: 2, stored: 2},
		{
			name: "the handler's own Vary: X-Forwarded-Host: sent, not stored (S3)", policy: shell,
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
// stored under its own key and never under the plain URL's (RFC-CHECKLIST
// L4). The handler reflects its query, as a page echoing utm tags would.
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
			want := "<p>" + requestWith(http.MethodGet, tt.clean, nil).URL.RawQuery + "</p>"
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
// lenient front end may pass) — and absent is not empty (RFC-CHECKLIST R3).
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
			r := requestWith(http.MethodGet, "/page", tt.clean)
			want := fmt.Sprintf("tenant=%q lang=%q", r.Header["X-Tenant"], r.Header["Accept-Language"])
			runAll(t, e.do(http.MethodGet, "/page", tt.clean...), hasStatus(200), hasBody(want), hasHeader("X-Cache", "MISS"))
			runAll(t, e.do(http.MethodGet, "/page", tt.clean...), hasBody(want), hasHeader("X-Cache", "HIT from Server"))
			e.wantRuns(2)
			e.wantStored(2)
		})
	}
}
