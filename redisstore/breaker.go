package redisstore

import (
	"sync"
	"sync/atomic"
	"time"
)

// breaker is a circuit breaker: after threshold consecutive failures it opens
// and refuses calls until a back-off has passed, then lets one probe through.
// A successful probe closes it; a failed one doubles the back-off, up to max.
// While closed, allow and a success cost an atomic load each.
type breaker struct {
	threshold  int32
	backoff    time.Duration // the first back-off
	maxBackoff time.Duration
	now        func() time.Time

	failures atomic.Int32 // consecutive failures while closed
	open     atomic.Bool  // written under mu; read without it on the fast path

	mu      sync.Mutex
	until   time.Time     // while open: when the next probe may go
	wait    time.Duration // while open: the current back-off
	probing bool          // a probe is in flight
}

func newBreaker(threshold int, backoff, maxBackoff time.Duration, now func() time.Time) *breaker {
	return &breaker{threshold: int32(threshold), backoff: backoff, maxBackoff: maxBackoff, now: now}
}

// allow reports whether a call may go to Redis, and whether it is the probe
// of an open breaker, whose outcome the caller must report.
func (b *breaker) allow() (ok, probe bool) {
	if !b.open.Load() {
		return true, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open.Load() {
		return true, false
	}
	if b.probing || b.now().Before(b.until) {
		return false, false
	}
	b.probing = true
	return true, true
}

// succeed records a call that Redis answered. It reports whether the call
// was a probe and closed the breaker.
func (b *breaker) succeed(probe bool) (closed bool) {
	if !probe {
		if b.failures.Load() != 0 {
			b.failures.Store(0)
		}
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	b.wait = 0
	b.failures.Store(0)
	b.open.Store(false)
	return true
}

// fail records a failed call. It reports whether the breaker opened (or,
// after a failed probe, opened again) and for how long. Failures of calls
// that started before the breaker opened do not extend the back-off.
func (b *breaker) fail(probe bool) (opened bool, wait time.Duration) {
	if probe {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.probing = false
		b.wait = min(2*b.wait, b.maxBackoff)
	} else {
		if b.open.Load() || b.failures.Add(1) < b.threshold {
			return false, 0
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.open.Load() {
			return false, 0
		}
		b.wait = b.backoff
	}
	b.until = b.now().Add(b.wait)
	b.failures.Store(0)
	b.open.Store(true)
	return true, b.wait
}

// release returns a probe whose outcome says nothing about Redis (its caller
// went away), so the next call may probe instead.
func (b *breaker) release(probe bool) {
	if probe {
		b.mu.Lock()
		b.probing = false
		b.mu.Unlock()
	}
}
