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
// never receive a response that is not storable (RFC-CHECKLIST L3).
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

// TestHardRefreshDoesNotWait: a client's no-cache renders at once, even
// while another render of the key is under way.
func TestHardRefreshDoesNotWait(t *testing.T) {
	release := make(chan struct{})
	var first atomic.Bool
	e := newEnv(t, shell, func(c *gin.Context) {
		if first.CompareAndSwap(false, true) {
			<-release
		}
		c.String(200, "x")
	})
	var wg sync.WaitGroup
	wg.Go(func() { e.do(http.MethodGet, "/page") })
	waitFor(t, "the slow render to start", func() bool { return first.Load() })
	runAll(t, e.do(http.MethodGet, "/page", "Cache-Control", "no-cache"), hasHeader("Cache-Status", "gincache; fwd=request; stored"))
	close(release)
	wg.Wait()
	e.wantRuns(2)
}
