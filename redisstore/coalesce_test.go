package redisstore

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/redis/go-redis/v9"
)

// lockedReplica is a replica whose handler can be held, counting its runs in
// runs (shared between replicas).
func lockedReplica(t *testing.T, client redis.UniversalClient, prefix string, runs *atomic.Int64, hold <-chan struct{}, started chan<- struct{}, obs gincache.Observer) (*gin.Engine, *Store) {
	t.Helper()
	gin.SetMode(gin.TestMode)
	store := New(client, WithPrefix(prefix), WithTimeout(5*time.Second))
	cache := gincache.New(store, gincache.WithCoalesceTimeout(2*time.Second), gincache.WithObserver(obs))
	r := gin.New()
	r.GET("/page", cache.Handler(gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute}),
		func(c *gin.Context) {
			runs.Add(1)
			if started != nil {
				started <- struct{}{}
			}
			if hold != nil {
				<-hold
			}
			c.String(http.StatusOK, "rendered once for every replica")
		})
	return r, store
}

// lockWatcher counts a replica's lock attempts.
type lockWatcher struct{ tries atomic.Int64 }

func (w *lockWatcher) Observe(gincache.Event) {}
func (w *lockWatcher) ObserveStore(op string, _ time.Duration, _ error) {
	if op == "lock" {
		w.tries.Add(1)
	}
}

func get(r http.Handler) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/page", nil))
	return w
}

// TestCoalescingAcrossReplicas: while replica A renders a missing page under
// the Redis lock, replica B waits for A's stored entry instead of rendering.
func TestCoalescingAcrossReplicas(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		_, prefix := b.store(t)
		var runs atomic.Int64
		hold, started := make(chan struct{}), make(chan struct{}, 1)
		locks := &lockWatcher{}
		a, _ := lockedReplica(t, b.client, prefix, &runs, hold, started, nil)
		bb, _ := lockedReplica(t, ownClient(t, b.client), prefix, &runs, nil, nil, locks)

		var wg sync.WaitGroup
		var fromA, fromB *httptest.ResponseRecorder
		wg.Go(func() { fromA = get(a) })
		<-started // A holds the lock and renders
		wg.Go(func() { fromB = get(bb) })
		deadline := time.Now().Add(5 * time.Second)
		for locks.tries.Load() == 0 { // B found the lock taken and polls the store
			if time.Now().After(deadline) {
				t.Fatal("replica B never tried the lock")
			}
			runtime.Gosched()
		}
		close(hold)
		wg.Wait()

		if got := runs.Load(); got != 1 {
			t.Errorf("the handler ran %d times across both replicas; want 1", got)
		}
		if fromA.Header().Get("Cache-Status") != "gincache; fwd=uri-miss; stored" {
			t.Errorf("A: Cache-Status %q; want stored", fromA.Header().Get("Cache-Status"))
		}
		if fromB.Code != 200 || fromB.Body.String() != fromA.Body.String() ||
			fromB.Header().Get("Cache-Status") != "gincache; fwd=uri-miss; collapsed" {
			t.Errorf("B: %d %q %q; want A's page, collapsed", fromB.Code, fromB.Header().Get("Cache-Status"), fromB.Body)
		}
	})
}

// TestDeadLockHolder: a replica that took the lock and died costs the others
// one bounded wait; then they render themselves.
func TestDeadLockHolder(t *testing.T) {
	_, rdb := newMiniredis(t)
	prefix := uniquePrefix()
	var runs atomic.Int64
	gin.SetMode(gin.TestMode)
	store := New(rdb, WithPrefix(prefix))
	cache := gincache.New(store, gincache.WithCoalesceTimeout(100*time.Millisecond))
	r := gin.New()
	r.GET("/page", cache.Handler(gincache.Policy{Public: true, ServerTTL: time.Minute}), func(c *gin.Context) {
		runs.Add(1)
		c.String(200, "ok")
	})
	key := gincache.Key(httptest.NewRequest(http.MethodGet, "/page", nil))
	if _, ok, err := store.TryLock(context.Background(), key, time.Minute); !ok || err != nil {
		t.Fatalf("TryLock = %v, %v; want the lock", ok, err)
	}
	start := time.Now()
	w := get(r)
	if w.Code != 200 || w.Body.String() != "ok" || runs.Load() != 1 {
		t.Errorf("got %d %q after %d runs; want the replica's own render", w.Code, w.Body, runs.Load())
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the request took %v; want about the 100ms coalesce timeout", took)
	}
}

// TestLockWaitStoreFails: a replica waiting on another's render stops
// waiting as soon as the store fails, and renders itself (fail open), instead
// of polling a dead store until the coalesce timeout (found by the load test).
func TestLockWaitStoreFails(t *testing.T) {
	mr, rdb := newMiniredis(t)
	prefix := uniquePrefix()
	var runs atomic.Int64
	gin.SetMode(gin.TestMode)
	store := New(rdb, WithPrefix(prefix), quiet())
	cache := gincache.New(store, gincache.WithCoalesceTimeout(time.Hour), gincache.WithLogger(slog.New(slog.DiscardHandler)))
	r := gin.New()
	r.GET("/page", cache.Handler(gincache.Policy{Public: true, ServerTTL: time.Minute}), func(c *gin.Context) {
		runs.Add(1)
		c.String(200, "ok")
	})
	key := gincache.Key(httptest.NewRequest(http.MethodGet, "/page", nil))
	if _, ok, err := store.TryLock(context.Background(), key, time.Hour); !ok || err != nil {
		t.Fatalf("TryLock = %v, %v; want the lock", ok, err)
	}
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- get(r) }()
	for polled := mr.CommandCount() + 3; mr.CommandCount() < polled; { // the waiter is polling
		time.Sleep(time.Millisecond)
	}
	mr.SetError("LOADING Redis is loading the dataset in memory")
	select {
	case w := <-done:
		if w.Code != 200 || w.Body.String() != "ok" || runs.Load() != 1 {
			t.Errorf("got %d %q after %d runs; want the replica's own render", w.Code, w.Body, runs.Load())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the request still waits on a failing store; want it to render without the lock (coalesce timeout is 1 h)")
	}
}
