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
// Its one owner is flights.land: the only writer of entry, and the only
// place done is closed.
type flight struct {
	done    chan struct{}
	entry   *Entry       // what the render stored, set by land; nil: nothing storable
	landed  bool         // land ran; guarded by flights.mu
	waiters atomic.Int32 // requests waiting on it, for tests and metrics
	seq     uint64       // when it started, in the order of flights (see flights.mark)
	started time.Time    // when it started, to give up on a leader that never returns
}

// flights holds the renders in progress, by store key. The mutex guards the
// map and the sequence; waiting is per key, on each flight's channel.
type flights struct {
	mu  sync.Mutex
	m   map[string]*flight
	seq uint64 // the last flight's seq
}

// join returns the flight for key, starting one (leader true) if none runs.
// A flight older than lost is taken for lost (a handler that ignores its
// context never returns): a new one replaces it, so one hung render costs
// the requests of its key one coalesce timeout, not one each forever.
func (fs *flights) join(key string, now time.Time, lost time.Duration) (f *flight, leader bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f, ok := fs.m[key]; ok && now.Sub(f.started) < lost {
		f.waiters.Add(1)
		return f, false
	}
	if fs.m == nil {
		fs.m = make(map[string]*flight)
	}
	fs.seq++
	f = &flight{done: make(chan struct{}), seq: fs.seq, started: now}
	fs.m[key] = f
	return f, true
}

// mark returns a point in the order of flights: a flight whose seq is
// greater started after mark was called.
func (fs *flights) mark() uint64 {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.seq
}

// joinAfter is join for a request that only a render started after it
// arrived can answer: one with Cache-Control: no-cache (RFC 9111 §5.2.1.4).
// A flight already under way when it came is waited out, not taken; then it
// joins, or leads, the next one, with every such request that came
// meanwhile. So a storm of hard reloads costs the origin two renders, not
// one a request. f is nil when waiting took longer than d or the client
// left: the request renders on its own.
func (fs *flights) joinAfter(ctx context.Context, key string, now func() time.Time, d time.Duration) (f *flight, leader bool) {
	arrival := fs.mark()
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		f, leader = fs.join(key, now(), d)
		if leader || f.seq > arrival {
			return f, leader
		}
		select {
		case <-f.done:
			f.waiters.Add(-1)
		case <-t.C:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
}

// land ends the flight with the entry its render stored (nil: nothing the
// waiters may take), and wakes its waiters. It is the one place a flight
// ends; a second call does nothing, so a render may land early, when it
// turns out to stream, and again when it returns.
func (fs *flights) land(key string, f *flight, e *Entry) {
	fs.mu.Lock()
	if f.landed {
		fs.mu.Unlock()
		return
	}
	f.landed, f.entry = true, e
	if fs.m[key] == f {
		delete(fs.m, key)
	}
	fs.mu.Unlock()
	close(f.done)
}

// wait returns the flight's stored entry, or nil when the render stored
// nothing, took longer than d, or the client went away. A nil entry means
// the waiter renders for itself (waiters never get an unstorable response).
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
func (rt *route) coalesce(gc *gin.Context, p *plan) bool {
	ctx, wait := gc.Request.Context(), rt.c.cfg.coalesceWait
	var f *flight
	var leader bool
	if p.fresh {
		f, leader = rt.c.flights.joinAfter(ctx, p.key, rt.c.cfg.now, wait)
		if f == nil {
			return false
		}
	} else {
		f, leader = rt.c.flights.join(p.key, rt.c.cfg.now(), wait)
	}
	if !leader {
		serve, revalidate := rt.mode.waited(gc, f.wait(ctx, wait), *p)
		if serve != nil {
			rt.replay(gc, serve, servedCollapsed, rt.c.cfg.now().Sub(serve.StoredAt), 0)
			return true
		}
		if revalidate != nil {
			p.shared.revalidate = revalidate // a no-cache response, say: validated, not rendered again in full
		}
		return false
	}
	p.flight = f
	lk, ok := rt.c.store.(Locker)
	if !ok {
		return false
	}
	token, locked, err := rt.c.tryLock(ctx, lk, p.key, wait)
	switch {
	case err != nil: // fail open: render
	case locked:
		p.token = token
	case p.fresh:
		// Another replica renders, but what it stores may have started
		// before this request came: render here rather than wait for it.
	default:
		e, token := rt.awaitReplica(gc, lk, *p, wait)
		if e != nil {
			rt.c.flights.land(p.key, f, e)
			p.flight = nil
			rt.replay(gc, e, servedCollapsed, rt.c.cfg.now().Sub(e.StoredAt), 0)
			return true
		}
		p.token = token // the holder let go without storing: render under the lock
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
func (rt *route) awaitReplica(gc *gin.Context, lk Locker, p plan, d time.Duration) (*Entry, string) {
	ctx, key := gc.Request.Context(), p.key
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
			e, _, err := rt.mode.lookup(gc, key)
			switch {
			case err == nil && rt.mode.collapsible(gc, e, p):
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
