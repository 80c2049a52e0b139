package tiered

import (
	"sync"
	"sync/atomic"
	"time"
)

// coherence tracks whether this replica has heard every invalidation that
// could concern a copy it holds. Pub/sub does not replay what a subscriber
// missed, so after a gap the only bound left is the local TTL: a copy held
// when the subscription broke, or kept while there was none, may be
// outdated until it expires. Coherence returns once every such copy has.
//
// The fill path reads one atomic (state) before its remote read and one
// after its local write; everything else happens when the subscription
// changes, which is rare.
type coherence struct {
	mu sync.Mutex // serializes subscribed and lost; the fields are atomics for Stats and keep

	// state moves at every change of the subscription: odd while
	// subscribed, even while not. A copy read from remote in an even state,
	// or with a change before it was kept, may have missed a message.
	state atomic.Uint64
	// subscribedAt is the Unix nanoseconds of the latest confirmation.
	subscribedAt atomic.Int64
	// suspectUntil is the Unix nanoseconds until which a copy that may
	// have missed a message can still be in the local tier.
	suspectUntil atomic.Int64

	subscriptions, losses atomic.Uint64
}

// subscribed records a confirmation at now. One while already subscribed
// is a reconnection the bus made on its own: a loss first.
func (c *coherence) subscribed(now time.Time, localTTL time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load()&1 == 1 {
		c.loseLocked(now, localTTL)
	}
	c.subscribedAt.Store(now.UnixNano())
	c.state.Add(1)
	c.subscriptions.Add(1)
}

// lost records that the subscription broke at now: every copy held may miss
// messages until it expires, by now plus the local TTL at the latest.
func (c *coherence) lost(now time.Time, localTTL time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loseLocked(now, localTTL)
}

func (c *coherence) loseLocked(now time.Time, localTTL time.Duration) {
	if c.state.Load()&1 == 1 {
		c.state.Add(1)
		c.losses.Add(1)
	}
	c.suspect(now.Add(localTTL))
}

// kept is called after a copy was put in the local tier for ttl, with the
// state read before its entry was read from remote.
func (c *coherence) kept(before uint64, now func() time.Time, ttl time.Duration) {
	if before&1 == 1 && c.state.Load() == before {
		return // subscribed throughout: any invalidation after the read was heard
	}
	c.suspect(now().Add(ttl))
}

// suspect moves suspectUntil to t if that is later.
func (c *coherence) suspect(t time.Time) {
	n := t.UnixNano()
	for {
		old := c.suspectUntil.Load()
		if old >= n || c.suspectUntil.CompareAndSwap(old, n) {
			return
		}
	}
}

// coherentFrom is when the local tier is coherent from, given the latest
// confirmation and the suspect copies; the zero time while not subscribed.
func (c *coherence) coherentFrom() time.Time {
	if c.state.Load()&1 == 0 {
		return time.Time{}
	}
	return time.Unix(0, max(c.subscribedAt.Load(), c.suspectUntil.Load()))
}
