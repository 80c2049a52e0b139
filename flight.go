package gincache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// flight is one render in progress that other requests for the same key
// may wait on, instead of each running the handler (stampede protection).
type flight struct {
	done    chan struct{}
	entry   *Entry       // set by the renderer before done closes; nil: nothing storable
	waiters atomic.Int32 // requests waiting on it, for tests and metrics
}

// flights holds the renders in progress, by store key. The mutex guards only
// the map; waiting is per key, on each flight's channel.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

// join returns the flight for key, starting one (leader true) if none runs.
func (fs *flights) join(key string) (f *flight, leader bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f, ok := fs.m[key]; ok {
		f.waiters.Add(1)
		return f, false
	}
	if fs.m == nil {
		fs.m = make(map[string]*flight)
	}
	f = &flight{done: make(chan struct{})}
	fs.m[key] = f
	return f, true
}

// land ends the flight and wakes its waiters.
func (fs *flights) land(key string, f *flight) {
	fs.mu.Lock()
	if fs.m[key] == f {
		delete(fs.m, key)
	}
	fs.mu.Unlock()
	close(f.done)
}

// wait returns the flight's stored entry, or nil when the render stored
// nothing, took longer than d, or the client went away. A nil entry means
// the waiter renders for itself (RFC-CHECKLIST L3).
func (f *flight) wait(ctx context.Context, d time.Duration) *Entry {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-f.done:
		return f.entry
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}

// lockPollInterval is how often a replica waiting on another replica's
// render looks for the stored result.
const lockPollInterval = 20 * time.Millisecond

// coalesce makes concurrent misses for one key share one render. In this
// process, the first request renders and the others wait for its stored
// entry. Across replicas, when the store is a Locker, the first replica to
// take the lock renders while the others poll the store for its entry. Every
// wait is bounded by the coalesce timeout, after which a request renders
// for itself; a lock holder that dies only costs that wait. It reports
// whether the request was answered.
func (rt *route) coalesce(gc *gin.Context, m *miss) bool {
	ctx, wait := gc.Request.Context(), rt.c.cfg.coalesceWait
	f, leader := rt.c.flights.join(m.key)
	if !leader {
		e := f.wait(ctx, wait)
		if e != nil && rt.shared && len(e.Header["Vary"]) > 0 {
			// The leader's variant may not be this request's: look its own up,
			// stored by now if it is the same.
			e, _ = rt.lookup(gc, m.key)
		}
		if e != nil && rt.collapsible(gc, e, &m.asked) {
			rt.replay(gc, e, servedCollapsed, rt.c.cfg.now().Sub(e.StoredAt), 0)
			return true
		}
		if e != nil && rt.shared && m.store && rt.revalidatable(gc, e) {
			m.revalidate = e // a no-cache response, say: validated, not rendered again in full
		}
		return false
	}
	m.flight = f
	lk, ok := rt.c.store.(Locker)
	if !ok {
		return false
	}
	token, locked, err := rt.c.tryLock(ctx, lk, m.key, wait)
	switch {
	case err != nil: // fail open: render
	case locked:
		m.token = token
	default:
		e, token := rt.awaitReplica(gc, lk, m, wait)
		if e != nil {
			f.entry = e
			rt.c.flights.land(m.key, f)
			m.flight = nil
			rt.replay(gc, e, servedCollapsed, rt.c.cfg.now().Sub(e.StoredAt), 0)
			return true
		}
		m.token = token // the holder let go without storing: render under the lock
	}
	return false
}

// awaitReplica polls the store for the entry another replica is rendering,
// for at most d. When the other replica releases the lock without storing
// anything (its response was not storable), this one takes the lock over at
// once and returns its token instead of waiting out d. When the store fails
// it stops waiting at once: the other replica's render cannot reach it, and
// polling a broken store for d would hold this request, and every request
// for the key queued behind it in this process, for nothing.
func (rt *route) awaitReplica(gc *gin.Context, lk Locker, m *miss, d time.Duration) (*Entry, string) {
	ctx, key := gc.Request.Context(), m.key
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(lockPollInterval)
	defer tick.Stop()
	for {
		select {
		case <-deadline.C:
			return nil, ""
		case <-ctx.Done():
			return nil, ""
		case <-tick.C:
			e, err := rt.lookup(gc, key)
			switch {
			case err == nil && rt.collapsible(gc, e, &m.asked):
				return e, ""
			case err != nil && !errors.Is(err, ErrNotFound):
				return nil, "" // fail open: render without the lock
			}
			token, locked, err := rt.c.tryLock(ctx, lk, key, d)
			switch {
			case err != nil:
				return nil, ""
			case locked:
				return nil, token
			}
		}
	}
}
