package storetest

import (
	"sync"
	"time"
)

// Clock is a time source that tests move by hand instead of sleeping
// (house rule 11). Stores and caches read it from their own goroutines,
// hence the lock. Every package's tests share this one.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock at a fixed instant, 2026-11-23 12:00:00 UTC, so
// formatted dates in tests are known in advance.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
