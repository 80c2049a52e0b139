package redisstore

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
	"github.com/redis/go-redis/v9"
)

// The cross-user leak matrix and the key-poisoning set of the root package's
// leak_test.go, on Redis: miniredis always, the real Redis and Cluster when
// their variables are set. A's and B's requests go to two replicas sharing
// one Redis, so what B could be served is what Redis holds, and a coalesced
// B waits on A's render across replicas, under the Redis render lock.

// The users of the leak matrix, as in the root package.
const (
	leakAlice = "alice-7f3a9c"
	leakBob   = "bob-91c2e4"
	leakGuest = "guest" // no credentials
)

// leakUser is who sent r: the uid cookie, else the bearer token of
// Authorization, else leakGuest.
func leakUser(r *http.Request) string {
	if c, err := r.Cookie("uid"); err == nil && c.Value != "" {
		return c.Value
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && tok != "" {
		return tok
	}
	return leakGuest
}

func leakCookie(id string) []string { return []string{"Cookie", "uid=" + id} }
func leakToken(id string) []string  { return []string{"Authorization", "Bearer " + id} }

// leakGreet is a page personalised for whoever asks.
func leakGreet(c *gin.Context) {
	c.String(http.StatusOK, "<p>signed in as %s</p>", leakUser(c.Request))
}

// leakGreetAnd returns leakGreet preceded by f, which sets response headers.
func leakGreetAnd(f func(c *gin.Context, id string)) gin.HandlerFunc {
	return func(c *gin.Context) {
		f(c, leakUser(c.Request))
		leakGreet(c)
	}
}

// leakUserKey is a store key that tells users apart; leakKeyByUser is it as
// a Policy.Key, and leakDefaultKey a Policy.Key saying the page is the same
// for everyone.
func leakUserKey(r *http.Request) string   { return gincache.Key(r) + " user=" + leakUser(r) }
func leakKeyByUser(c *gin.Context) string  { return leakUserKey(c.Request) }
func leakDefaultKey(c *gin.Context) string { return gincache.Key(c.Request) }

// leakRequest builds a GET for target with the header pairs hdr ("Host"
// sets the host).
func leakRequest(target string, hdr []string) *http.Request {
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

func leakDo(r http.Handler, target string, hdr ...string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.ServeHTTP(w, leakRequest(target, hdr))
	return w
}

// leakReplica is one replica: its own engine, Cache and Store on client,
// sharing prefix, with h at GET /page and GET /. wait is its coalesce
// timeout, which is also the life of the render lock it takes.
func leakReplica(t *testing.T, client redis.UniversalClient, prefix string, p gincache.Policy, h gin.HandlerFunc,
	runs *atomic.Int64, wait time.Duration, obs gincache.Observer) (*gin.Engine, *Store) {
	t.Helper()
	gin.SetMode(gin.TestMode)
	store := New(client, WithPrefix(prefix), WithTimeout(5*time.Second))
	cache := gincache.New(store, gincache.WithCoalesceTimeout(wait), gincache.WithObserver(obs))
	r := gin.New()
	counted := func(c *gin.Context) {
		runs.Add(1)
		h(c)
	}
	r.GET("/page", cache.Handler(p), counted)
	r.GET("/", cache.Handler(p), counted)
	return r, store
}

// leakEntries returns the Redis keys of the entries stored under prefix:
// neither tag indexes nor render locks.
func leakEntries(t *testing.T, c redis.UniversalClient, prefix string) []string {
	t.Helper()
	base := prefix + keyVersion
	var mu sync.Mutex
	var keys []string
	scan := func(ctx context.Context, node *redis.Client) error {
		iter := node.Scan(ctx, 0, base+"*", 1000).Iterator()
		for iter.Next(ctx) {
			k := strings.TrimPrefix(iter.Val(), base)
			if !strings.HasPrefix(k, tagSpace) && !strings.HasPrefix(k, lockSpace) {
				mu.Lock()
				keys = append(keys, iter.Val())
				mu.Unlock()
			}
		}
		return iter.Err()
	}
	var err error
	switch c := c.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(testCtx(t), scan)
	case *redis.Client:
		err = scan(testCtx(t), c)
	default:
		t.Fatalf("cannot scan a %T", c)
	}
	if err != nil {
		t.Fatalf("SCAN %s*: %v", base, err)
	}
	return keys
}

// leakWaitFor polls cond until it holds, failing the test after a few
// seconds: it waits for goroutines to reach a state, never for time to pass.
func leakWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// leakRow is one row of the cross-user leak matrix: user A's request is
// rendered, then user B's is sent. The rows are those of the root package.
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
	holds []string // the users whose render Redis holds afterwards
	// key is the store key of a request, to look an entry up; nil when
	// the key has a Vary suffix: re-requests check those entries instead.
	key func(*http.Request) string
}

var (
	leakShell   = gincache.Policy{Public: true, NoCache: true, MaxAge: 2 * time.Minute, ServerTTL: 5 * time.Minute}
	leakPrivate = gincache.Policy{MaxAge: time.Minute, ServerTTL: time.Minute}
)

func leakWithKey(p gincache.Policy, key func(*gin.Context) string) gincache.Policy {
	p.Key = key
	return p
}

func leakWithVary(p gincache.Policy, names ...string) gincache.Policy {
	p.Vary = names
	return p
}

var leakMatrix = []leakRow{
	{
		// The control: Public says the page is the same for everyone. This
		// handler breaks that promise by greeting A, which is how the
		// matrix sees sharing: B is served A's render.
		name:   "control: a public page is shared, A's id and all",
		policy: leakShell, handler: leakGreet, a: leakCookie(leakAlice), b: leakCookie(leakBob),
		shared: true, waits: true, runs: 1, holds: []string{leakAlice}, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S4, L3.
		name:   "Set-Cookie in the response: not stored, not shared, even on a public route",
		policy: leakShell, a: leakCookie(leakAlice), b: leakCookie(leakBob),
		handler: leakGreetAnd(func(c *gin.Context, id string) { c.SetCookie("session", id+"-session", 3600, "/", "", true, true) }),
		waits:   true, runs: 2, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S4.
		name:   "Set-Cookie under a non-canonical header key: not stored, not shared",
		policy: leakShell, a: leakCookie(leakAlice), b: leakCookie(leakBob),
		handler: leakGreetAnd(func(c *gin.Context, id string) {
			c.Writer.Header()["set-cookie"] = []string{"session=" + id + "-session"}
		}),
		waits: true, runs: 2, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S6: a Key saying the page is the same for everyone;
		// Authorization still keeps A's page out of Redis.
		name:   "Authorization in the request on a non-public route: bypasses the store",
		policy: leakWithKey(leakPrivate, leakDefaultKey), a: leakToken(leakAlice), b: leakToken(leakBob), handler: leakGreet,
		runs: 2, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S6.
		name:   "Authorization in A's request on a non-public route: an anonymous B is not served A's page",
		policy: leakWithKey(leakPrivate, leakDefaultKey), a: leakToken(leakAlice), b: nil, handler: leakGreet,
		runs: 2, holds: []string{leakGuest}, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S6 (RFC 9111 §3.5): public explicitly allows it.
		name:   "Authorization on a public route: shared, as public says",
		policy: leakShell, a: leakToken(leakAlice), b: leakToken(leakBob), handler: leakGreet,
		shared: true, waits: true, runs: 1, holds: []string{leakAlice}, key: gincache.Key,
	},
	{
		name:   "private policy stored under a Key by user",
		policy: leakWithKey(leakPrivate, leakKeyByUser), a: leakCookie(leakAlice), b: leakCookie(leakBob), handler: leakGreet,
		runs: 2, holds: []string{leakAlice, leakBob}, key: leakUserKey,
	},
	{
		// RFC-CHECKLIST S3.
		name:   "private Cache-Control from the handler on a public route: not stored",
		policy: leakShell, a: leakCookie(leakAlice), b: leakCookie(leakBob),
		handler: leakGreetAnd(func(c *gin.Context, _ string) { c.Header("Cache-Control", "private, max-age=60") }),
		waits:   true, runs: 2, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S3.
		name:   "private Cache-Control under a non-canonical header key: not stored",
		policy: leakShell, a: leakCookie(leakAlice), b: leakCookie(leakBob),
		handler: leakGreetAnd(func(c *gin.Context, _ string) { c.Writer.Header()["cache-control"] = []string{"private"} }),
		waits:   true, runs: 2, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST R3.
		name:   "Vary: Cookie in the policy",
		policy: leakWithVary(leakShell, "Cookie"), a: leakCookie(leakAlice), b: leakCookie(leakBob), handler: leakGreet,
		runs: 2, holds: []string{leakAlice, leakBob},
	},
	{
		// RFC-CHECKLIST R3.
		name:   "Vary: Cookie in the policy, B without a cookie",
		policy: leakWithVary(leakShell, "Cookie"), a: leakCookie(leakAlice), b: nil, handler: leakGreet,
		runs: 2, holds: []string{leakAlice, leakGuest},
	},
	{
		// RFC-CHECKLIST S3, R3, L3.
		name:   "Vary: Cookie from the handler only: sent, not stored",
		policy: leakShell, a: leakCookie(leakAlice), b: leakCookie(leakBob),
		handler: leakGreetAnd(func(c *gin.Context, _ string) { c.Header("Vary", "Cookie") }),
		waits:   true, runs: 2, key: gincache.Key,
	},
	{
		// RFC-CHECKLIST S3, R3.
		name:   "Vary: Cookie from the handler under a non-canonical header key: not stored",
		policy: leakShell, a: leakCookie(leakAlice), b: leakCookie(leakBob),
		handler: leakGreetAnd(func(c *gin.Context, _ string) { c.Writer.Header()["vary"] = []string{"Cookie"} }),
		waits:   true, runs: 2, key: gincache.Key,
	},
	{
		name:   "custom Key by user on a public route, users by Authorization",
		policy: leakWithKey(leakShell, leakKeyByUser), a: leakToken(leakAlice), b: leakToken(leakBob), handler: leakGreet,
		runs: 2, holds: []string{leakAlice, leakBob}, key: leakUserKey,
	},
}

// leakFind reports where id appears in w: its body or a header; "" if nowhere.
func leakFind(w *httptest.ResponseRecorder, id string) string {
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

// leakShows checks that w is a 200 showing want's page and holds nothing of not.
func leakShows(t *testing.T, who string, w *httptest.ResponseRecorder, want, not string) {
	t.Helper()
	if page := "signed in as " + want; w.Code != http.StatusOK || !strings.Contains(w.Body.String(), page) {
		t.Errorf("%s: %d %q; want 200 with %q", who, w.Code, w.Body, page)
	}
	if where := leakFind(w, not); where != "" {
		t.Errorf("%s: %s holds %q: another user's render leaked (%s: %q)", who, where, not, w.Header().Get("Cache-Status"), w.Body)
	}
}

func leakXCache(t *testing.T, who string, w *httptest.ResponseRecorder, want string) {
	t.Helper()
	if got := w.Header().Get("X-Cache"); got != want {
		t.Errorf("%s: X-Cache = %q; want %q", who, got, want)
	}
}

// TestLeakMatrix: user A's personalised page is never served to user B from
// Redis, on another replica, unless the policy makes the page shared;
// neither after A's render nor while B waits on it across replicas
// (RFC-CHECKLIST S3, S4, S6, R3, L3).
func TestLeakMatrix(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range leakMatrix {
			t.Run(tt.name, func(t *testing.T) {
				t.Run("sequential", func(t *testing.T) { runLeakRow(t, b, tt, false) })
				t.Run("coalesced", func(t *testing.T) { runLeakRow(t, b, tt, true) })
			})
		}
	})
}

// runLeakRow runs one row with A on replica a and B on replica b. Coalesced,
// A's render is held under the Redis lock until B has tried the lock (and so
// polls Redis for A's entry) or has been answered without it.
func runLeakRow(t *testing.T, b backend, tt leakRow, coalesced bool) {
	reqA, reqB := leakRequest("/page", tt.a), leakRequest("/page", tt.b)
	idA, idB := leakUser(reqA), leakUser(reqB)
	_, prefix := b.store(t) // reserves a prefix and cleans it up
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
	// A's lock outlives the test's hold. B waits long enough for a shared
	// render; for one that stores nothing it polls Redis in vain, so its
	// wait is kept short.
	bWait := 300 * time.Millisecond
	if tt.shared {
		bWait = 10 * time.Second
	}
	var runs atomic.Int64
	locks := &lockWatcher{}
	ra, store := leakReplica(t, b.client, prefix, tt.policy, h, &runs, 10*time.Second, nil)
	rb, _ := leakReplica(t, ownClient(t, b.client), prefix, tt.policy, h, &runs, bWait, locks)

	var fromA, fromB *httptest.ResponseRecorder
	if !coalesced {
		fromA = leakDo(ra, "/page", tt.a...)
		fromB = leakDo(rb, "/page", tt.b...)
	} else {
		var wg sync.WaitGroup
		wg.Go(func() { fromA = leakDo(ra, "/page", tt.a...) })
		<-started
		bDone := make(chan struct{})
		go func() {
			defer close(bDone)
			fromB = leakDo(rb, "/page", tt.b...)
		}()
		if tt.waits {
			leakWaitFor(t, "B to find A's render lock taken", func() bool { return locks.tries.Load() > 0 })
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

	leakShows(t, "A", fromA, idA, idB)
	if tt.shared {
		leakShows(t, "B", fromB, idA, idB)
		leakXCache(t, "B", fromB, "HIT from Server")
		if got := fromB.Header().Get("Cache-Status"); strings.Contains(got, "collapsed") != coalesced {
			t.Errorf("B: Cache-Status = %q; want collapsed only when B waited on A's render", got)
		}
	} else {
		leakShows(t, "B", fromB, idB, idA)
		leakXCache(t, "B", fromB, "MISS")
	}
	if got := runs.Load(); got != tt.runs {
		t.Errorf("handler ran %d times across both replicas; want %d", got, tt.runs)
	}
	if got := leakEntries(t, b.client, prefix); len(got) != len(tt.holds) {
		t.Errorf("Redis holds %d entries %q; want %d (%v's)", len(got), got, len(tt.holds), tt.holds)
	}
	if tt.key != nil {
		for _, id := range tt.holds {
			req := reqA
			if id == idB {
				req = reqB
			}
			got, err := store.Get(testCtx(t), tt.key(req))
			if err != nil || !strings.Contains(string(got.Body), "signed in as "+id) {
				t.Errorf("Redis under %q: %v; want %s's render", tt.key(req), err, id)
			}
		}
	}

	// Again, each user on the other replica: a stored variant is replayed
	// to its own user only; B's key holds A's render when the page is shared.
	seenByB, notByB := idB, idA
	if tt.shared {
		seenByB, notByB = idA, idB
	}
	want := tt.runs
	for _, u := range []struct {
		who       string
		r         http.Handler
		hdr       []string
		want, not string
		hit       bool
	}{
		{"A again", rb, tt.a, idA, idB, slices.Contains(tt.holds, idA)},
		{"B again", ra, tt.b, seenByB, notByB, tt.shared || slices.Contains(tt.holds, idB)},
	} {
		w := leakDo(u.r, "/page", u.hdr...)
		leakShows(t, u.who, w, u.want, u.not)
		if u.hit {
			leakXCache(t, u.who, w, "HIT from Server")
		} else {
			want++
		}
	}
	if got := runs.Load(); got != want {
		t.Errorf("handler ran %d times across both replicas; want %d", got, want)
	}
}

// TestPoisonKeys: on Redis, no attacker's request plants a response under
// another request's key (RFC-CHECKLIST L4, R3): odd hosts, header values
// with NUL, quotes or CR LF in a Vary key, and hosts that imitate the
// store's own namespaces ("l:" locks, "t:" tag indexes, "h:" hashed keys),
// which would otherwise name the victim's render lock or tag index.
func TestPoisonKeys(t *testing.T) {
	reflect := func(c *gin.Context) {
		c.String(http.StatusOK, "host=%q tenant=%q query=%q", c.Request.Host, c.Request.Header["X-Tenant"], c.Request.URL.RawQuery)
	}
	varied := leakWithVary(leakShell, "X-Tenant", "Accept-Language")
	long := strings.Repeat("a", 300)
	tests := []struct {
		name        string
		policy      gincache.Policy
		evil, clean []string // the header pairs; "Host" defaults to example.com
		evilTarget  string   // default /page
		cleanTarget string
	}{
		{name: "another host", evil: []string{"Host", "evil.example"}},
		{name: "slash and question mark in the host", evil: []string{"Host", "example.com/page?q="}, cleanTarget: "/page?q=/page"},
		{name: "%2F and %3F in the host", evil: []string{"Host", "example.com%2Fpage%3Fq="}, cleanTarget: "/page?q=/page"},
		{name: "CR LF in the host", evil: []string{"Host", "example.com\r\nX-Evil: 1"}},
		{name: "NUL in the host", evil: []string{"Host", "example.com\x00.evil"}},
		{name: "Kelvin sign folds to k", evil: []string{"Host", "\u212a.example"}, clean: []string{"Host", "k.example"}},
		{name: "a host imitating the lock namespace", evil: []string{"Host", "l:example.com"}},
		{name: "a host imitating the tag namespace", evil: []string{"Host", "t:path:example.com"}},
		{name: "a host imitating the hashed namespace", evil: []string{"Host", "h:example.com"}},
		{name: "?utm=x cannot plant under /", evilTarget: "/?utm=%3Cscript%3E", cleanTarget: "/"},
		{name: "long keys, hashed, differing at the end", evilTarget: "/page?q=" + long + "evil", cleanTarget: "/page?q=" + long + "good"},
		{
			name: "a Vary value imitating the next field", policy: varied,
			evil:  []string{"X-Tenant", "acme\"\x00Accept-Language=\"en"},
			clean: []string{"X-Tenant", "acme", "Accept-Language", "en"},
		},
		{
			name: "CR LF in a Vary value", policy: varied,
			evil:  []string{"X-Tenant", "acme\r\nAccept-Language: en"},
			clean: []string{"X-Tenant", "acme", "Accept-Language", "en"},
		},
		{
			name: "empty is not absent in a Vary value", policy: varied,
			evil:  []string{"X-Tenant", "", "Accept-Language", "en"},
			clean: []string{"Accept-Language", "en"},
		},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := tt.policy
				if p.ServerTTL == 0 {
					p = leakShell
				}
				evil := append([]string{"Host", "example.com"}, tt.evil...)
				clean := append([]string{"Host", "example.com"}, tt.clean...)
				evilTarget, cleanTarget := cmp.Or(tt.evilTarget, "/page"), cmp.Or(tt.cleanTarget, "/page")
				_, prefix := b.store(t)
				var runs atomic.Int64
				r, store := leakReplica(t, b.client, prefix, p, reflect, &runs, 5*time.Second, nil)

				if w := leakDo(r, evilTarget, evil...); w.Code != http.StatusOK {
					t.Fatalf("attacker: %d; want 200", w.Code)
				}
				// Nothing under the Redis keys the victim reads or locks, nor
				// in the index of its path's tag unless the attacker's
				// request has the same host and path (one path tag covers
				// every query, by design). Only for keys without a Vary
				// suffix, which the test can compute.
				cleanReq, evilReq := leakRequest(cleanTarget, clean), leakRequest(evilTarget, evil)
				if len(p.Vary) == 0 {
					rk, _ := store.redisKey(gincache.Key(cleanReq))
					keys := []string{rk, store.lockKey(gincache.Key(cleanReq))}
					cleanPath := gincache.Key(leakRequest(cleanReq.URL.EscapedPath(), clean))
					if evilPath := gincache.Key(leakRequest(evilReq.URL.EscapedPath(), evil)); evilPath != cleanPath {
						keys = append(keys, store.tagKey("path:"+cleanPath))
					}
					for _, k := range keys {
						if n, err := b.client.Exists(testCtx(t), k).Result(); err != nil || n != 0 {
							t.Errorf("after the attacker's request, EXISTS %q = %d, %v; want 0", k, n, err)
						}
					}
				}
				want := fmt.Sprintf("host=%q tenant=%q query=%q", cleanReq.Host, cleanReq.Header["X-Tenant"], cleanReq.URL.RawQuery)
				for i, wantX := range []string{"MISS", "HIT from Server"} {
					w := leakDo(r, cleanTarget, clean...)
					if w.Code != http.StatusOK || w.Body.String() != want || w.Header().Get("X-Cache") != wantX {
						t.Errorf("victim request %d: %d %q %q; want 200 %q %q", i+1, w.Code, w.Header().Get("X-Cache"), w.Body, wantX, want)
					}
				}
				if got := runs.Load(); got != 2 {
					t.Errorf("handler ran %d times; want 2 (the attacker's and the victim's)", got)
				}
				if got := leakEntries(t, b.client, prefix); len(got) != 2 {
					t.Errorf("Redis holds %d entries %q; want 2", len(got), got)
				}
				if len(p.Vary) == 0 {
					if got, err := store.Get(testCtx(t), gincache.Key(cleanReq)); err != nil || string(got.Body) != want {
						t.Errorf("Redis under the victim's key: %v; want the victim's render", err)
					}
				}
			})
		}
	})
}
