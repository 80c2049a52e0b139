package tiered_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/tiered"
)

// gateBus is a memBus whose Publish waits until open is closed, recording
// the keys of every message: a bus that has fallen behind.
type gateBus struct {
	*memBus
	open chan struct{}
	mu   sync.Mutex
	msgs [][]string
}

func newGateBus() *gateBus { return &gateBus{memBus: newMemBus(), open: make(chan struct{})} }

func (b *gateBus) Publish(ctx context.Context, inv tiered.Invalidation) error {
	select {
	case <-b.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	b.mu.Lock()
	b.msgs = append(b.msgs, inv.Keys)
	b.mu.Unlock()
	return b.memBus.Publish(ctx, inv)
}

func (b *gateBus) keys() (msgs, keys int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.msgs {
		keys += len(m)
	}
	return len(b.msgs), keys
}

// TestTierAnnouncerBounded: while the bus is stuck, a flood of stores
// neither blocks the Sets nor grows the queue without bound: past the
// queue's size they are counted as Unannounced; once the bus moves, what
// was queued goes out in few messages, each key once.
func TestTierAnnouncerBounded(t *testing.T) {
	const stores = 10_000
	bus := newGateBus()
	s := tiered.New(memstore.New(), memstore.New(), tiered.WithBus(bus), tiered.WithTimeout(time.Minute))
	t.Cleanup(s.Close)
	start := time.Now()
	for i := range stores {
		mustSet(t, s, fmt.Sprint("example.com/", i%(stores/2)), page("x"), time.Minute) // each key twice
		mustSet(t, s, fmt.Sprint("example.com/", i), page("x"), time.Minute)
	}
	t.Logf("%d Sets with the bus stuck took %v", 2*stores, time.Since(start))
	unannounced := s.Stats().Unannounced
	if unannounced == 0 {
		t.Fatalf("Unannounced = 0 after %d distinct keys stored with the bus stuck; want the overflow counted", stores)
	}
	close(bus.open)
	eventually(t, 5*time.Second, "every queued key published", func() bool {
		_, keys := bus.keys()
		return uint64(keys)+unannounced >= stores
	})
	msgs, keys := bus.keys()
	t.Logf("%d keys announced in %d messages, %d not announced", keys, msgs, unannounced)
	if keys > 4096+256 { // the queue, and the message in flight when it filled
		t.Errorf("%d keys announced; want at most the queue's 4096 and one message", keys)
	}
	if msgs > keys/256+2 {
		t.Errorf("%d messages for %d keys; want them coalesced, 256 to a message", msgs, keys)
	}
}

// TestTierCloseAnnounces: Close publishes what was still queued before it
// returns, and a store after Close is announced at once.
func TestTierCloseAnnounces(t *testing.T) {
	bus := newGateBus()
	s := tiered.New(memstore.New(), memstore.New(), tiered.WithBus(bus))
	mustSet(t, s, "example.com/a", page("x"), time.Minute)
	mustSet(t, s, "example.com/b", page("x"), time.Minute)
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	close(bus.open)
	<-closed
	if _, keys := bus.keys(); keys != 2 {
		t.Errorf("%d keys announced by Close; want 2", keys)
	}
	mustSet(t, s, "example.com/c", page("x"), time.Minute)
	if _, keys := bus.keys(); keys != 3 {
		t.Errorf("%d keys announced after a store after Close; want 3", keys)
	}
}
