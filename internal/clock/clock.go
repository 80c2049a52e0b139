// Package clock is the coarse clock gincache and memstore read on every
// request when no clock is injected: one goroutine reads the time once per
// Resolution and a read is an atomic load, where time.Now costs two vDSO
// calls (wall and monotonic) and otter's own clock one more.
//
// The time lags by up to Resolution (more if the goroutine cannot run in
// time): an entry's age, its freshness and its expiry in memstore are off by
// at most that, which Age's whole seconds cannot show. The goroutine runs
// only while the clock is read: after IdleStop without a read it stops, and
// the next read starts it again, so an idle process, or a test that counts
// goroutines, is not left with it.
package clock

import (
	"sync"
	"sync/atomic"
	"time"
)

// Resolution is how often the goroutine reads the time.
const Resolution = time.Millisecond

// IdleStop is how long the goroutine runs on without a read.
const IdleStop = time.Second

var (
	cur  atomic.Pointer[time.Time] // the time of the last tick; nil: no goroutine ticks
	read atomic.Bool               // the clock was read since the last tick
	mu   sync.Mutex                // serialises starting and stopping the goroutine
)

// Now returns the current time, to within Resolution. It carries a
// monotonic reading, as time.Now's does.
func Now() time.Time {
	if t := cur.Load(); t != nil {
		if !read.Load() { // one write a tick, not one a read
			read.Store(true)
		}
		return *t
	}
	return begin()
}

// NowNano returns the current time in Unix nanoseconds, to within
// Resolution: otter's Clock's unit.
func NowNano() int64 {
	return Now().UnixNano()
}

// begin starts the goroutine unless one runs, and returns the precise time.
func begin() time.Time {
	mu.Lock()
	defer mu.Unlock()
	t := time.Now()
	if cur.Load() == nil {
		read.Store(true)
		cur.Store(&t)
		go tick()
	}
	return t
}

// tick publishes the time once per Resolution until IdleStop passes
// without a read. Each tick publishes a new value (24 bytes a millisecond
// while the clock is read), so no reader ever sees one being written.
func tick() {
	tk := time.NewTicker(Resolution)
	defer tk.Stop()
	idle := 0
	for range tk.C {
		if read.Swap(false) {
			idle = 0
		} else if idle++; idle >= int(IdleStop/Resolution) {
			mu.Lock()
			if !read.Load() {
				cur.Store(nil)
				mu.Unlock()
				return
			}
			mu.Unlock()
			idle = 0
		}
		t := time.Now()
		cur.Store(&t)
	}
}
