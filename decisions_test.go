package gincache_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

var allStores = []storeKind{onMemstore, onMiniredis}

// TestStoreFor: a handler gives its response a lifetime in the store of its
// own, shorter or (within MaxServerTTL) longer than ServerTTL; it travels
// with the entry, and the hit's Cache-Status counts down from it.
func TestStoreFor(t *testing.T) {
	tests := []struct {
		name         string
		policy       gincache.Policy
		say          func(*gin.Context)
		wantLifetime time.Duration // the stored entry's Lifetime
		hitAt        time.Duration // still a hit this long after the render
		missAt       time.Duration // rendered again this long after
		hitStatus    string        // Cache-Status of the hit at hitAt
	}{
		{
			name:   "shorter than ServerTTL",
			policy: gincache.Policy{Public: true, ServerTTL: time.Hour},
			say:    func(c *gin.Context) { gincache.StoreFor(c, 10*time.Minute) },
			hitAt:  9 * time.Minute, missAt: 10 * time.Minute, wantLifetime: 10 * time.Minute,
			hitStatus: "gincache; hit; ttl=60",
		},
		{
			name:   "longer, within MaxServerTTL",
			policy: gincache.Policy{Public: true, ServerTTL: time.Minute, MaxServerTTL: time.Hour},
			say:    func(c *gin.Context) { gincache.StoreFor(c, 30*time.Minute) },
			hitAt:  29 * time.Minute, missAt: 30 * time.Minute, wantLifetime: 30 * time.Minute,
			hitStatus: "gincache; hit; ttl=60",
		},
		{
			name:   "longer than MaxServerTTL: MaxServerTTL",
			policy: gincache.Policy{Public: true, ServerTTL: time.Minute, MaxServerTTL: 5 * time.Minute},
			say:    func(c *gin.Context) { gincache.StoreFor(c, time.Hour) },
			hitAt:  4 * time.Minute, missAt: 5 * time.Minute, wantLifetime: 5 * time.Minute,
			hitStatus: "gincache; hit; ttl=60",
		},
		{
			name:   "longer without MaxServerTTL: ServerTTL",
			policy: gincache.Policy{Public: true, ServerTTL: time.Minute},
			say:    func(c *gin.Context) { gincache.StoreFor(c, time.Hour) },
			hitAt:  30 * time.Second, missAt: time.Minute, wantLifetime: 0,
			hitStatus: "gincache; hit; ttl=30",
		},
		{
			name:   "nothing said: ServerTTL",
			policy: gincache.Policy{Public: true, ServerTTL: time.Minute, MaxServerTTL: time.Hour},
			say:    func(*gin.Context) {},
			hitAt:  59 * time.Second, missAt: time.Minute, wantLifetime: 0,
			hitStatus: "gincache; hit; ttl=1",
		},
	}
	for _, kind := range allStores {
		for _, tt := range tests {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				e := newStoreEnv(t, kind, tt.policy, func(c *gin.Context) { tt.say(c); c.String(200, "page") })
				runAll(t, e.do("GET", "/page"), hasStatus(200), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
				if got := e.entry("/page").Lifetime; got != tt.wantLifetime {
					t.Errorf("stored Lifetime = %v; want %v", got, tt.wantLifetime)
				}
				e.clock.Advance(tt.hitAt)
				runAll(t, e.do("GET", "/page"), hasStatus(200), hasHeader("Cache-Status", tt.hitStatus))
				e.wantRuns(1)
				e.clock.Advance(tt.missAt - tt.hitAt)
				runAll(t, e.do("GET", "/page"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
				e.wantRuns(2)
			})
		}
	}
}

// TestDoNotStore: a response the handler said not to keep is sent with the
// policy's Cache-Control and Cache-Status detail=handler, and not stored.
func TestDoNotStore(t *testing.T) {
	for _, kind := range allStores {
		for _, tt := range []struct {
			name string
			say  func(*gin.Context)
		}{
			{"DoNotStore", gincache.DoNotStore},
			{"StoreFor 0", func(c *gin.Context) { gincache.StoreFor(c, 0) }},
			{"StoreFor negative", func(c *gin.Context) { gincache.StoreFor(c, -time.Second) }},
		} {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				e := newStoreEnv(t, kind, gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Hour},
					func(c *gin.Context) { tt.say(c); c.String(200, "fallback") })
				for range 2 {
					runAll(t, e.do("GET", "/page"), hasStatus(200), hasBody("fallback"),
						hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=handler"),
						hasHeader("Cache-Control", "public, max-age=60"))
				}
				e.wantRuns(2)
				e.wantEntries(0)
				if got := e.cache.Stats().Uncacheable; got != 2 {
					t.Errorf("Stats.Uncacheable = %d; want 2", got)
				}
			})
		}
	}
}

// TestClientMaxAge: a handler's max-age replaces the policy's, bounded by
// the longer of MaxAge and the response's server lifetime, and a hit sends
// it too.
func TestClientMaxAge(t *testing.T) {
	tests := []struct {
		name   string
		policy gincache.Policy
		say    func(*gin.Context)
		want   string
	}{
		{"shorter", gincache.Policy{Public: true, MaxAge: 5 * time.Minute, ServerTTL: time.Hour},
			func(c *gin.Context) { gincache.ClientMaxAge(c, time.Minute) }, "public, max-age=60"},
		{"longer, up to the server lifetime", gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: 10 * time.Minute},
			func(c *gin.Context) { gincache.ClientMaxAge(c, time.Hour) }, "public, max-age=600"},
		{"longer, up to the handler's server lifetime", gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: 10 * time.Minute},
			func(c *gin.Context) { gincache.StoreFor(c, 2*time.Minute); gincache.ClientMaxAge(c, time.Hour) }, "public, max-age=120"},
		{"whole seconds", gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Hour},
			func(c *gin.Context) { gincache.ClientMaxAge(c, 1500*time.Millisecond) }, "public, max-age=1"},
		{"zero drops immutable", gincache.Policy{Public: true, MaxAge: time.Hour, Immutable: true, ServerTTL: time.Hour},
			func(c *gin.Context) { gincache.ClientMaxAge(c, 0) }, "public, max-age=0"},
		{"private policy keyed by user", gincache.Policy{NoCache: true, MaxAge: time.Minute, ServerTTL: time.Hour,
			Key: func(c *gin.Context) string { return "u1|" + gincache.Key(c.Request) }},
			func(c *gin.Context) { gincache.ClientMaxAge(c, 30*time.Second) }, "private, no-cache, max-age=30"},
	}
	for _, kind := range allStores {
		for _, tt := range tests {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				e := newStoreEnv(t, kind, tt.policy, func(c *gin.Context) { tt.say(c); c.String(200, "page") })
				runAll(t, e.do("GET", "/page"), hasHeader("Cache-Control", tt.want), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
				w := e.do("GET", "/page")
				runAll(t, w, hasHeader("Cache-Control", tt.want), hasHeader("X-Cache", "HIT from Server"))
				runAll(t, e.do("GET", "/page", "If-None-Match", w.Header().Get("Etag")), hasStatus(304), hasHeader("Cache-Control", tt.want))
				e.wantRuns(1)
			})
		}
	}
}

// TestDoNotStoreCoalesced: requests waiting on a render whose handler said
// DoNotStore never get its response: each renders its own.
func TestDoNotStoreCoalesced(t *testing.T) {
	const n = 6
	for _, kind := range allStores {
		t.Run(kind.name, func(t *testing.T) {
			release := make(chan struct{})
			var first sync.Once
			e := newStoreEnv(t, kind, gincache.Policy{Public: true, ServerTTL: time.Hour}, func(c *gin.Context) {
				leader := false
				first.Do(func() { leader = true })
				if leader {
					<-release
					gincache.DoNotStore(c)
					c.String(200, "leader's, not to keep")
					return
				}
				c.String(200, "own")
			})
			key := gincache.Key(httptest.NewRequest(http.MethodGet, "/page", nil))
			results := make([]*httptest.ResponseRecorder, n)
			var wg sync.WaitGroup
			wg.Go(func() { results[0] = e.do("GET", "/page") })
			waitFor(t, "the leader's render", func() bool { _, ok := gincache.FlightWaiters(e.cache, key); return ok })
			for i := 1; i < n; i++ {
				wg.Go(func() { results[i] = e.do("GET", "/page") })
			}
			waitFor(t, "the waiters", func() bool { w, _ := gincache.FlightWaiters(e.cache, key); return w == n-1 })
			close(release)
			wg.Wait()
			runAll(t, results[0], hasBody("leader's, not to keep"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=handler"))
			for _, w := range results[1:] {
				if strings.Contains(w.Body.String(), "leader") {
					t.Errorf("a waiter got the leader's response: %q, Cache-Status %q", w.Body, w.Header().Get("Cache-Status"))
				}
			}
			e.wantRuns(n)
		})
	}
}

// TestHandlerSaysInBackgroundRefresh: a refresh in the
// stale-while-revalidate window follows what its handler says: DoNotStore
// keeps the stale entry, StoreFor gives the new one its lifetime, and the
// window follows the entry's lifetime, not ServerTTL.
func TestHandlerSaysInBackgroundRefresh(t *testing.T) {
	for _, kind := range allStores {
		t.Run(kind.name, func(t *testing.T) {
			var say func(*gin.Context)
			var mu sync.Mutex
			renders := 0
			e := newStoreEnv(t, kind, gincache.Policy{Public: true, ServerTTL: time.Hour, MaxServerTTL: 2 * time.Hour, StaleWhileRevalidate: time.Minute},
				func(c *gin.Context) {
					mu.Lock()
					renders++
					n, s := renders, say
					mu.Unlock()
					s(c)
					c.String(200, "render %d", n)
				})
			say = func(c *gin.Context) { gincache.StoreFor(c, 30*time.Second) }
			runAll(t, e.do("GET", "/page"), hasBody("render 1"))

			// 40 s: stale by the handler's 30 s, though ServerTTL is an hour.
			e.clock.Advance(40 * time.Second)
			mu.Lock()
			say = gincache.DoNotStore
			mu.Unlock()
			runAll(t, e.do("GET", "/page"), hasBody("render 1"), hasHeader("Cache-Status", "gincache; hit; ttl=-10; detail=stale-while-revalidate"))
			e.cache.Wait()
			e.wantRuns(2)
			if got := e.entry("/page"); string(got.Body) != "render 1" {
				t.Errorf("after a DoNotStore refresh the store holds %q; want the stale render 1", got.Body)
			}

			mu.Lock()
			say = func(c *gin.Context) { gincache.StoreFor(c, 90*time.Minute) }
			mu.Unlock()
			runAll(t, e.do("GET", "/page"), hasBody("render 1"), hasHeader("Cache-Status", "gincache; hit; ttl=-10; detail=stale-while-revalidate"))
			e.cache.Wait()
			e.wantRuns(3)
			if got := e.entry("/page"); string(got.Body) != "render 3" || got.Lifetime != 90*time.Minute {
				t.Errorf("after a StoreFor refresh the store holds %q for %v; want render 3 for 1h30m0s", got.Body, got.Lifetime)
			}
			e.clock.Advance(80 * time.Minute)
			runAll(t, e.do("GET", "/page"), hasBody("render 3"), hasHeader("Cache-Status", "gincache; hit; ttl=600"))
			e.wantRuns(3)
		})
	}
}

// TestStoreForOnRealRedis: the handler's lifetime travels with the entry
// through real Redis, to another replica.
func TestStoreForOnRealRedis(t *testing.T) {
	e := newStoreEnv(t, onRealRedis, gincache.Policy{Public: true, ServerTTL: time.Minute, MaxServerTTL: time.Hour},
		func(c *gin.Context) { gincache.StoreFor(c, 20*time.Minute); c.String(200, "page") })
	runAll(t, e.do("GET", "/page"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
	if got := e.entry("/page").Lifetime; got != 20*time.Minute {
		t.Errorf("Lifetime read back from Redis = %v; want 20m0s", got)
	}
	e.clock.Advance(10 * time.Minute)
	runAll(t, e.do("GET", "/page"), hasHeader("Cache-Status", "gincache; hit; ttl=600"))
	e.wantRuns(1)
	e.wantEntries(1)
}

// TestMaxServerTTLValidate: a MaxServerTTL that cannot apply panics at
// registration.
func TestMaxServerTTLValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    gincache.Policy
		ok   bool
	}{
		{"within", gincache.Policy{Public: true, ServerTTL: time.Minute, MaxServerTTL: time.Hour}, true},
		{"equal", gincache.Policy{Public: true, ServerTTL: time.Minute, MaxServerTTL: time.Minute}, true},
		{"negative", gincache.Policy{Public: true, ServerTTL: time.Minute, MaxServerTTL: -time.Minute}, false},
		{"shorter than ServerTTL", gincache.Policy{Public: true, ServerTTL: time.Hour, MaxServerTTL: time.Minute}, false},
		{"no ServerTTL", gincache.Policy{Public: true, MaxServerTTL: time.Minute}, false},
		{"SharedCache", gincache.Policy{SharedCache: true, ServerTTL: time.Minute, MaxServerTTL: time.Hour}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			switch {
			case tt.ok && err != nil:
				t.Errorf("Validate() = %v; want nil", err)
			case !tt.ok && (err == nil || !strings.Contains(err.Error(), "gincache: MaxServerTTL")):
				t.Errorf("Validate() = %v; want a gincache: MaxServerTTL error", err)
			}
		})
	}
}
