package gincache_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/leaktest"
)

// waitFor polls cond until it holds: it waits for goroutines to reach a
// state, never for time to pass.
var waitFor = leaktest.WaitFor

// TestCoalescing: concurrent misses for one key share one render; waiters
// never receive a response that is not storable (waiters never get an unstorable response).
func TestCoalescing(t *testing.T) {
	const n = 8
	var calls atomic.Int64
	tests := []struct {
		name     string
		handler  gin.HandlerFunc // runs once the leader is released
		opts     []gincache.Option
		wantRuns int64
		leader   []check
		waiter   []check
	}{
		{
			name: "a storable render is shared", handler: page(shellBody), wantRuns: 1,
			leader: []check{hasStatus(200), hasBody(shellBody), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored")},
			waiter: []check{hasStatus(200), hasBody(shellBody), hasHeader("Cache-Status", "gincache; fwd=uri-miss; collapsed"),
				hasHeader("X-Cache", "HIT from Server"), hasHeader("Cache-Control", "public, no-cache, max-age=120")},
		},
		{
			name: "a Set-Cookie response is not shared: waiters render their own", wantRuns: n,
			handler: func(c *gin.Context) { c.SetCookie("s", "v", 60, "/", "", false, true); c.String(200, "x") },
			leader:  []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=set-cookie")},
			waiter:  []check{hasStatus(200), hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=set-cookie")},
		},
		{
			name: "a 5xx is not shared: waiters render their own", wantRuns: n,
			handler: func(c *gin.Context) { c.String(503, "busy") },
			leader:  []check{hasStatus(503)},
			waiter:  []check{hasStatus(503), hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=status")},
		},
		{
			name: "a panic reaches the request that ran it; waiters render their own", wantRuns: n,
			handler: func(c *gin.Context) {
				if calls.Add(1) == 1 {
					panic("leader fails")
				}
				c.String(200, "fine")
			},
			leader: []check{hasStatus(500)},
			waiter: []check{hasStatus(200), hasBody("fine")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls.Store(0)
			release := make(chan struct{})
			started := make(chan struct{}, n)
			e := newEnv(t, shell, func(c *gin.Context) {
				started <- struct{}{}
				<-release
				tt.handler(c)
			}, tt.opts...)
			key := gincache.Key(httptest.NewRequest(http.MethodGet, "/page", nil))
			results := make([]*httptest.ResponseRecorder, n)
			var wg sync.WaitGroup
			wg.Go(func() { results[0] = e.do(http.MethodGet, "/page") })
			<-started
			for i := 1; i < n; i++ {
				wg.Go(func() { results[i] = e.do(http.MethodGet, "/page") })
			}
			waitFor(t, "waiters to join the render", func() bool {
				w, ok := gincache.FlightWaiters(e.cache, key)
				return ok && w == n-1
			})
			close(release)
			wg.Wait()
			e.wantRuns(tt.wantRuns)
			runAll(t, results[0], tt.leader...)
			for _, w := range results[1:] {
				runAll(t, w, tt.waiter...)
			}
		})
	}
}

// TestCoalescingIsBounded: a slow render does not hold waiters: after the
// coalesce timeout they render for themselves.
func TestCoalescingIsBounded(t *testing.T) {
	release := make(chan struct{})
	var first atomic.Bool
	e := newEnv(t, shell, func(c *gin.Context) {
		if first.CompareAndSwap(false, true) {
			<-release
		}
		c.String(200, "x")
	}, gincache.WithCoalesceTimeout(20*time.Millisecond))
	var wg sync.WaitGroup
	wg.Go(func() { e.do(http.MethodGet, "/page") })
	waitFor(t, "the slow render to start", func() bool { return first.Load() })
	runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasBody("x"),
		hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
	runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Cache", "HIT from Server"))
	close(release)
	wg.Wait()
	e.wantRuns(2)
}

// TestHardRefreshStorm: concurrent no-cache requests (hard reloads) share
// one render that started after they came (RFC 9111 §5.2.1.4), so no client
// multiplies the origin's work by sending a header: the render under way
// when they came is waited out, not taken, and the next is shared.
func TestHardRefreshStorm(t *testing.T) {
	const n = 40
	var version atomic.Int64
	gates := []chan struct{}{make(chan struct{}), make(chan struct{})}
	e := newEnv(t, shell, func(c *gin.Context) {
		v := version.Add(1)
		if v <= 2 {
			<-gates[v-1]
		}
		c.String(200, "v%d", v)
	})
	key := gincache.Key(httptest.NewRequest(http.MethodGet, "/page", nil))
	var wg sync.WaitGroup
	var first *httptest.ResponseRecorder
	wg.Go(func() { first = e.do(http.MethodGet, "/page") })
	waitFor(t, "the first render to start", func() bool { return version.Load() == 1 })
	reloads := make([]*httptest.ResponseRecorder, n)
	for i := range n {
		wg.Go(func() { reloads[i] = e.do(http.MethodGet, "/page", "Cache-Control", "no-cache") })
	}
	waitFor(t, "the reloads to wait out the render under way", func() bool {
		w, ok := gincache.FlightWaiters(e.cache, key)
		return ok && w == n
	})
	close(gates[0])
	waitFor(t, "the reloads to share the next render", func() bool {
		w, ok := gincache.FlightWaiters(e.cache, key)
		return version.Load() == 2 && ok && w == n-1
	})
	close(gates[1])
	wg.Wait()
	e.wantRuns(2)
	runAll(t, first, hasBody("v1"))
	var led int
	for _, w := range reloads {
		runAll(t, w, hasStatus(200), hasBody("v2")) // never the render that started before they came
		if w.Header().Get("Cache-Status") == "gincache; fwd=request; stored" {
			led++
		}
	}
	if led != 1 {
		t.Errorf("%d reloads rendered; want 1", led)
	}
	if s := e.cache.Stats(); s.Collapsed != n-1 {
		t.Errorf("Stats().Collapsed = %d; want %d", s.Collapsed, n-1)
	}
}

// TestHardRefreshAlone: a no-cache request with no other render of its key
// under way renders at once.
func TestHardRefreshAlone(t *testing.T) {
	e := newEnv(t, shell, page("x"))
	e.do(http.MethodGet, "/page")
	runAll(t, e.do(http.MethodGet, "/page", "Cache-Control", "no-cache"), hasHeader("Cache-Status", "gincache; fwd=request; stored"))
	e.wantRuns(2)
}

// TestLostLeader: a render that never returns (a handler ignoring its
// context) holds the requests of its key for one coalesce timeout at most,
// not forever: a flight older than that is taken for lost, and the next
// miss renders at once.
func TestLostLeader(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	var calls atomic.Int64
	e := newEnv(t, shell, func(c *gin.Context) {
		if calls.Add(1) == 1 {
			<-hang // never returns while the test runs
		}
		c.String(200, "x")
	}, gincache.WithCoalesceTimeout(time.Hour))
	go e.do(http.MethodGet, "/page")
	waitFor(t, "the render to hang", func() bool { return calls.Load() == 1 })
	e.clock.Advance(time.Hour + time.Second)
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- e.do(http.MethodGet, "/page") }()
	select {
	case w := <-done:
		runAll(t, w, hasStatus(200), hasBody("x"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
	case <-time.After(10 * time.Second):
		t.Fatal("a miss waited on a render lost for longer than the coalesce timeout")
	}
	runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Cache", "HIT from Server"))
	e.wantRuns(2)
}
