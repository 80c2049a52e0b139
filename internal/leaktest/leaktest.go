// Package leaktest is the cross-user leak matrix every store runs (issue 7):
// user A's personalised page is never served to user B unless the policy
// makes the page shared — neither after A's render nor while B waits on it
// (RFC 9111 §3, no Set-Cookie stored, RFC 9111 §3.5, RFC 9111 §4.1, waiters never get an unstorable response). The root package runs it on memstore
// with one engine; redisstore runs it on two replicas sharing one Redis, so
// what B could be served is what Redis holds.
package leaktest

import (
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

// The users of the matrix. Their ids are long and distinctive, so a response
// holding one can only have got it from that user's render.
const (
	Alice = "alice-7f3a9c"
	Bob   = "bob-91c2e4"
	Guest = "guest" // no credentials
)

// User is who sent r: the uid cookie, else the bearer token of
// Authorization, else Guest.
func User(r *http.Request) string {
	if c, err := r.Cookie("uid"); err == nil && c.Value != "" {
		return c.Value
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && tok != "" {
		return tok
	}
	return Guest
}

// Cookie and Token are the header pairs that make a request id's.
func Cookie(id string) []string { return []string{"Cookie", "uid=" + id} }
func Token(id string) []string  { return []string{"Authorization", "Bearer " + id} }

// Greet is a page personalised for whoever asks.
func Greet(c *gin.Context) { c.String(http.StatusOK, "<p>signed in as %s</p>", User(c.Request)) }

// GreetAnd returns Greet preceded by f, which sets the response's headers.
func GreetAnd(f func(c *gin.Context, id string)) gin.HandlerFunc {
	return func(c *gin.Context) {
		f(c, User(c.Request))
		Greet(c)
	}
}

// UserKey is a store key that tells users apart: the default key and the
// user. KeyByUser is it as a Policy.Key, and DefaultKey a Policy.Key saying
// the page is the same for everyone.
func UserKey(r *http.Request) string   { return gincache.Key(r) + " user=" + User(r) }
func KeyByUser(c *gin.Context) string  { return UserKey(c.Request) }
func DefaultKey(c *gin.Context) string { return gincache.Key(c.Request) }

// Request builds a GET for target with the header pairs hdr; a "Host" pair
// sets the request's host.
func Request(target string, hdr []string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	return req
}

// Do serves a GET for target with the header pairs hdr.
func Do(h http.Handler, target string, hdr ...string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, Request(target, hdr))
	return w
}

// Policies of the matrix: Shell, the public app-shell policy of the tests;
// Public, a plain public page; and Private, a private page (which needs a
// Key by user to be stored).
var (
	Shell   = gincache.Policy{Public: true, NoCache: true, MaxAge: 2 * time.Minute, ServerTTL: 5 * time.Minute}
	Public  = gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute}
	Private = gincache.Policy{MaxAge: time.Minute, ServerTTL: time.Minute}
)

func withKey(p gincache.Policy, key func(*gin.Context) string) gincache.Policy {
	p.Key = key
	return p
}

func withVary(p gincache.Policy, names ...string) gincache.Policy {
	p.Vary = names
	return p
}

// Row is one row of the matrix: user A's request is rendered, then user B's
// is sent.
type Row struct {
	Name    string
	Policy  gincache.Policy
	Handler gin.HandlerFunc
	A, B    []string // the header pairs of A's and B's requests
	// Shared: the policy says the page is the same for everyone, so B is
	// served A's render. Otherwise B's response never holds A's id.
	Shared bool
	// Waits: while A's render is in flight, B's request waits on it (same
	// key, both may be stored). Otherwise B is answered while A's render
	// is still held.
	Waits bool
	Runs  int64    // handler runs for A's and B's requests
	Holds []string // the users whose render the store holds afterwards
	// Key is the store key of a request, to look an entry up; nil when the
	// key has a Vary suffix: re-requests check those entries instead.
	Key func(*http.Request) string
}

// Matrix returns the rows, new each call.
func Matrix() []Row {
	return []Row{
		{
			// The control: Public says the page is the same for everyone.
			// This handler breaks that promise by greeting A, which is how
			// the matrix sees sharing: B is served A's render.
			Name:   "control: a public page is shared, A's id and all",
			Policy: Shell, Handler: Greet, A: Cookie(Alice), B: Cookie(Bob),
			Shared: true, Waits: true, Runs: 1, Holds: []string{Alice}, Key: gincache.Key,
		},
		{
			// no Set-Cookie stored, waiters never get an unstorable response: the same public page, but it sets a cookie.
			Name:   "Set-Cookie in the response: not stored, not shared, even on a public route",
			Policy: Shell, A: Cookie(Alice), B: Cookie(Bob),
			Handler: GreetAnd(func(c *gin.Context, id string) { c.SetCookie("session", id+"-session", 3600, "/", "", true, true) }),
			Waits:   true, Runs: 2, Key: gincache.Key,
		},
		{
			// no Set-Cookie stored: net/http writes a header map's keys as they
			// are, and Go documents direct assignment as the way to send a
			// non-canonical key; the client still receives a Set-Cookie.
			Name:   "Set-Cookie under a non-canonical header key: not stored, not shared",
			Policy: Shell, A: Cookie(Alice), B: Cookie(Bob),
			Handler: GreetAnd(func(c *gin.Context, id string) {
				c.Writer.Header()["set-cookie"] = []string{"session=" + id + "-session"}
			}),
			Waits: true, Runs: 2, Key: gincache.Key,
		},
		{
			// RFC 9111 §3.5: a private route whose Key does not tell
			// users apart (it says the page is the same for everyone);
			// Authorization still keeps A's page out of the store.
			Name:   "Authorization in the request on a non-public route: bypasses the store",
			Policy: withKey(Private, DefaultKey), A: Token(Alice), B: Token(Bob), Handler: Greet,
			Runs: 2, Key: gincache.Key,
		},
		{
			// RFC 9111 §3.5: the anonymous page B renders is stored; A's is not.
			Name:   "Authorization in A's request on a non-public route: an anonymous B is not served A's page",
			Policy: withKey(Private, DefaultKey), A: Token(Alice), B: nil, Handler: Greet,
			Runs: 2, Holds: []string{Guest}, Key: gincache.Key,
		},
		{
			// RFC 9111 §3.5 (RFC 9111 §3.5): public explicitly allows a
			// shared cache to answer requests with Authorization.
			Name:   "Authorization on a public route: shared, as public says",
			Policy: Shell, A: Token(Alice), B: Token(Bob), Handler: Greet,
			Shared: true, Waits: true, Runs: 1, Holds: []string{Alice}, Key: gincache.Key,
		},
		{
			Name:   "private policy stored under a Key by user",
			Policy: withKey(Private, KeyByUser), A: Cookie(Alice), B: Cookie(Bob), Handler: Greet,
			Runs: 2, Holds: []string{Alice, Bob}, Key: UserKey,
		},
		{
			// RFC 9111 §3: the handler's own private beats a public policy.
			Name:   "private Cache-Control from the handler on a public route: not stored",
			Policy: Shell, A: Cookie(Alice), B: Cookie(Bob),
			Handler: GreetAnd(func(c *gin.Context, _ string) { c.Header("Cache-Control", "private, max-age=60") }),
			Waits:   true, Runs: 2, Key: gincache.Key,
		},
		{
			// RFC 9111 §3, as for Set-Cookie above.
			Name:   "private Cache-Control under a non-canonical header key: not stored",
			Policy: Shell, A: Cookie(Alice), B: Cookie(Bob),
			Handler: GreetAnd(func(c *gin.Context, _ string) { c.Writer.Header()["cache-control"] = []string{"private"} }),
			Waits:   true, Runs: 2, Key: gincache.Key,
		},
		{
			// RFC 9111 §4.1: each Cookie value is a variant of its own.
			Name:   "Vary: Cookie in the policy",
			Policy: withVary(Public, "Cookie"), A: Cookie(Alice), B: Cookie(Bob), Handler: Greet,
			Runs: 2, Holds: []string{Alice, Bob},
		},
		{
			// RFC 9111 §4.1: no Cookie is a variant apart from any Cookie.
			Name:   "Vary: Cookie in the policy, B without a cookie",
			Policy: withVary(Public, "Cookie"), A: Cookie(Alice), B: nil, Handler: Greet,
			Runs: 2, Holds: []string{Alice, Guest},
		},
		{
			// RFC 9111 §3, RFC 9111 §4.1, waiters never get an unstorable response: a Vary the policy's key does not cover.
			Name:   "Vary: Cookie from the handler only: sent, not stored",
			Policy: Shell, A: Cookie(Alice), B: Cookie(Bob),
			Handler: GreetAnd(func(c *gin.Context, _ string) { c.Header("Vary", "Cookie") }),
			Waits:   true, Runs: 2, Key: gincache.Key,
		},
		{
			// RFC 9111 §3, RFC 9111 §4.1, as for Set-Cookie above.
			Name:   "Vary: Cookie from the handler under a non-canonical header key: not stored",
			Policy: Shell, A: Cookie(Alice), B: Cookie(Bob),
			Handler: GreetAnd(func(c *gin.Context, _ string) { c.Writer.Header()["vary"] = []string{"Cookie"} }),
			Waits:   true, Runs: 2, Key: gincache.Key,
		},
		{
			Name:   "custom Key by user on a public route, users by Authorization",
			Policy: withKey(Public, KeyByUser), A: Token(Alice), B: Token(Bob), Handler: Greet,
			Runs: 2, Holds: []string{Alice, Bob}, Key: UserKey,
		},
	}
}

// Find reports where id appears in w: its body or a header; "" if nowhere.
func Find(w *httptest.ResponseRecorder, id string) string {
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

// Shows checks that w is a 200 showing want's page and holds nothing of not.
func Shows(t *testing.T, who string, w *httptest.ResponseRecorder, want, not string) {
	t.Helper()
	if page := "signed in as " + want; w.Code != http.StatusOK || !strings.Contains(w.Body.String(), page) {
		t.Errorf("%s: %d %q; want 200 with %q", who, w.Code, w.Body, page)
	}
	if where := Find(w, not); where != "" {
		t.Errorf("%s: %s holds %q: another user's render leaked (%s: %q)", who, where, not, w.Header().Get("Cache-Status"), w.Body)
	}
}

// XCache checks the X-Cache w carries.
func XCache(t *testing.T, who string, w *httptest.ResponseRecorder, want string) {
	t.Helper()
	if got := w.Header().Get("X-Cache"); got != want {
		t.Errorf("%s: X-Cache = %q; want %q", who, got, want)
	}
}

// WaitFor polls cond until it holds, failing the test after ten seconds: it
// waits for goroutines to reach a state, never for time to pass.
func WaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Setup is a row's routes on the store under test, as Harness.Start made them.
type Setup struct {
	// A serves A's first request and B's second; B serves B's first request
	// and A's second. They are one engine on memstore, two replicas sharing
	// one store on Redis.
	A, B http.Handler
	// Runs is how many times the handler has run, on either.
	Runs func() int64
	// Waiting reports that B's request waits on A's render.
	Waiting func() bool
	// Stored is how many entries the store holds and, where the store can
	// list them, their names.
	Stored func(t *testing.T) (n int, names []string)
	// Get reads the entry under a store key.
	Get func(t *testing.T, key string) (*gincache.Entry, error)
}

// Harness puts a row on the store under test.
type Harness struct {
	// Start serves GET /page with row.Policy and handler h (the row's, or it
	// wrapped to hold A's render) on a store of its own, cleaned up with t.
	Start func(t *testing.T, row Row, h gin.HandlerFunc) Setup
}

// Run runs every row as subtests of t, each sequential (B after A's render)
// and coalesced (B while A's render is held).
func Run(t *testing.T, h Harness) {
	for _, row := range Matrix() {
		t.Run(row.Name, func(t *testing.T) {
			t.Run("sequential", func(t *testing.T) { runRow(t, h, row, false) })
			t.Run("coalesced", func(t *testing.T) { runRow(t, h, row, true) })
		})
	}
}

// runRow runs one row. Coalesced, A's render is held until B either waits
// on it or has been answered without it.
func runRow(t *testing.T, h Harness, tt Row, coalesced bool) {
	reqA, reqB := Request("/page", tt.A), Request("/page", tt.B)
	idA, idB := User(reqA), User(reqB)
	release := make(chan struct{})
	releaseA := sync.OnceFunc(func() { close(release) })
	defer releaseA()
	started := make(chan struct{}, 1)
	var held atomic.Bool
	handler := tt.Handler
	if coalesced {
		handler = func(c *gin.Context) {
			if held.CompareAndSwap(false, true) {
				started <- struct{}{}
				<-release
			}
			tt.Handler(c)
		}
	}
	s := h.Start(t, tt, handler)

	var fromA, fromB *httptest.ResponseRecorder
	if !coalesced {
		fromA = Do(s.A, "/page", tt.A...)
		fromB = Do(s.B, "/page", tt.B...)
	} else {
		var wg sync.WaitGroup
		wg.Go(func() { fromA = Do(s.A, "/page", tt.A...) })
		<-started
		bDone := make(chan struct{})
		go func() {
			defer close(bDone)
			fromB = Do(s.B, "/page", tt.B...)
		}()
		if tt.Waits {
			WaitFor(t, "B to wait on A's render", s.Waiting)
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

	Shows(t, "A", fromA, idA, idB)
	if tt.Shared {
		Shows(t, "B", fromB, idA, idB)
		XCache(t, "B", fromB, "HIT from Server")
		if got := fromB.Header().Get("Cache-Status"); strings.Contains(got, "collapsed") != coalesced {
			t.Errorf("B: Cache-Status = %q; want collapsed only when B waited on A's render", got)
		}
	} else {
		Shows(t, "B", fromB, idB, idA)
		XCache(t, "B", fromB, "MISS")
	}
	if got := s.Runs(); got != tt.Runs {
		t.Errorf("handler ran %d times; want %d", got, tt.Runs)
	}
	if n, names := s.Stored(t); n != len(tt.Holds) {
		t.Errorf("store holds %d entries %q; want %d (%v's)", n, names, len(tt.Holds), tt.Holds)
	}
	if tt.Key != nil {
		for _, id := range tt.Holds {
			req := reqA
			if id == idB {
				req = reqB
			}
			got, err := s.Get(t, tt.Key(req))
			if err != nil || !strings.Contains(string(got.Body), "signed in as "+id) {
				t.Errorf("store under %q: %v; want %s's render", tt.Key(req), err, id)
			}
		}
	}

	// Again, each user where the other went first: a stored variant is
	// replayed to its own user only; B's key holds A's render when the page
	// is shared.
	seenByB, notByB := idB, idA
	if tt.Shared {
		seenByB, notByB = idA, idB
	}
	want := tt.Runs
	for _, u := range []struct {
		who       string
		h         http.Handler
		hdr       []string
		want, not string
		hit       bool
	}{
		{"A again", s.B, tt.A, idA, idB, slices.Contains(tt.Holds, idA)},
		{"B again", s.A, tt.B, seenByB, notByB, tt.Shared || slices.Contains(tt.Holds, idB)},
	} {
		w := Do(u.h, "/page", u.hdr...)
		Shows(t, u.who, w, u.want, u.not)
		if u.hit {
			XCache(t, u.who, w, "HIT from Server")
		} else {
			want++
		}
	}
	if got := s.Runs(); got != want {
		t.Errorf("handler ran %d times; want %d", got, want)
	}
}
