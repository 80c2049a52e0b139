package tiered_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/tiered"
)

// replicas are two Stores, A and B, with local tiers of their own on clocks
// of their own, sharing one remote store and one bus.
type replicas struct {
	a, b             *tiered.Store
	aLocal, bLocal   *memstore.Store
	bClock           *fakeClock
	remote           *remoteStore
	bus              *memBus
	localTTL, remTTL time.Duration
}

func newReplicas(t *testing.T, withBus bool) *replicas {
	t.Helper()
	r := &replicas{bClock: newFakeClock(), bus: newMemBus(), localTTL: 2 * time.Second, remTTL: time.Hour}
	r.remote = newRemote(newFakeClock())
	r.aLocal = memstore.New()
	r.bLocal = memstore.New(memstore.WithClock(r.bClock.Now))
	opts := []tiered.Option{tiered.WithLocalTTL(r.localTTL)}
	if withBus {
		opts = append(opts, tiered.WithBus(r.bus))
	}
	r.a = tiered.New(r.aLocal, r.remote, opts...)
	r.b = tiered.New(r.bLocal, r.remote, opts...)
	t.Cleanup(r.a.Close)
	t.Cleanup(r.b.Close)
	if withBus {
		eventually(t, 2*time.Second, "both replicas subscribed", func() bool { return r.bus.subscribers() == 2 })
	}
	return r
}

// TestTierInvalidationReachesReplicas: a Delete or PurgeTags on A drops B's
// local copy at once — whether B copied it from remote (its tags came with
// it) or stored it itself — while a copy the purge does not name stays;
// only a copy of an entry stored without its tags (by a store without the
// tiered layer) goes with every purge.
func TestTierInvalidationReachesReplicas(t *testing.T) {
	const key, other = "example.com/page", "example.com/other"
	tests := []struct {
		name       string
		writer     string // who stored the pages: "A", "B" or "remote" (directly, without the tiered layer)
		invalidate func(t *testing.T, a *tiered.Store) error
		otherStays bool // B's untouched copy of other survives
	}{
		{"deleteCopied", "A", func(t *testing.T, a *tiered.Store) error { return a.Delete(ctx(t), key) }, true},
		{"deleteOwn", "B", func(t *testing.T, a *tiered.Store) error { return a.Delete(ctx(t), key) }, true},
		// A copied entry's tags came with it: other (tagged user:2) stays.
		{"purgeCopied", "A", func(t *testing.T, a *tiered.Store) error { return a.PurgeTags(ctx(t), "user:1") }, true},
		{"purgeOwn", "B", func(t *testing.T, a *tiered.Store) error { return a.PurgeTags(ctx(t), "user:1") }, true},
		// Stored without the tiered layer, the tags are unknown: a tag
		// purge drops every such copy.
		{"purgeUnknown", "remote", func(t *testing.T, a *tiered.Store) error { return a.PurgeTags(ctx(t), "user:1") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReplicas(t, true)
			writer := map[string]gincache.Tagger{"A": r.a, "B": r.b, "remote": r.remote}[tt.writer]
			hearer := map[string]*tiered.Store{"A": r.b, "B": r.a}[tt.writer]
			for k, tag := range map[string]string{key: "user:1", other: "user:2"} {
				var heard uint64
				if hearer != nil {
					heard = hearer.Stats().Applied
				}
				if err := writer.SetTagged(ctx(t), k, page(k), r.remTTL, []string{tag}); err != nil {
					t.Fatal(err)
				}
				if hearer != nil { // the store's announcement, before B's copy
					eventually(t, 5*time.Second, "the store announced", func() bool { return hearer.Stats().Applied > heard })
				}
				mustGet2(t, r.b, k) // B holds a local copy
				if _, err := r.bLocal.Get(ctx(t), k); err != nil {
					t.Fatalf("B's local copy of %q: %v; want one", k, err)
				}
			}
			applied, aApplied := r.b.Stats().Applied, r.a.Stats().Applied
			if err := tt.invalidate(t, r.a); err != nil {
				t.Fatalf("invalidate: %v", err)
			}
			if got := r.b.Stats().Applied; got != applied+1 {
				t.Errorf("B applied %d invalidations; want %d", got, applied+1)
			}
			mustMiss(t, r.bLocal, key)
			mustMiss(t, r.b, key) // and remote has nothing either
			if _, err := r.bLocal.Get(ctx(t), other); (err == nil) != tt.otherStays {
				t.Errorf("B's local copy of the other page: err %v; want it kept: %v", err, tt.otherStays)
			}
			if got := r.a.Stats().Applied; got != aApplied {
				t.Errorf("A applied %d invalidations of its own; want none (its own are ignored)", got-aApplied)
			}
		})
	}
}

// TestTierLostMessage: an invalidation B never receives leaves B's copy for
// at most the local TTL.
func TestTierLostMessage(t *testing.T) {
	const key = "example.com/page"
	r := newReplicas(t, true)
	mustSet(t, r.a, key, page("v1"), r.remTTL)
	eventually(t, 5*time.Second, "A's store announced", func() bool { return r.b.Stats().Applied == 1 })
	mustGet2(t, r.b, key)
	r.bus.lose.Store(true)
	if err := r.a.Delete(ctx(t), key); err != nil {
		t.Fatal(err)
	}
	r.bClock.Advance(r.localTTL - time.Millisecond)
	mustGet2(t, r.b, key) // stale, within the bound
	r.bClock.Advance(time.Millisecond)
	mustMiss(t, r.b, key)
}

// TestTierUpdateWithoutBus: without a bus, a new render on A is not
// broadcast; B serves its copy until its local TTL, then the new entry.
func TestTierUpdateWithoutBus(t *testing.T) {
	const key = "example.com/page"
	r := newReplicas(t, false)
	mustSet(t, r.a, key, page("v1"), r.remTTL)
	mustBody(t, r.b, key, "v1")
	mustSet(t, r.a, key, page("v2"), r.remTTL)
	r.bClock.Advance(r.localTTL - time.Millisecond)
	mustBody(t, r.b, key, "v1")
	r.bClock.Advance(time.Millisecond)
	mustBody(t, r.b, key, "v2")
}

// TestTierFillRacesInvalidation: when the invalidation is applied on B
// while B is fetching the outdated entry from remote, B does not keep it.
func TestTierFillRacesInvalidation(t *testing.T) {
	const key = "example.com/page"
	r := newReplicas(t, true)
	mustSet(t, r.remote, key, page("old"), r.remTTL)
	r.remote.onGet = func() {
		r.remote.onGet = nil
		if err := r.a.Delete(ctx(t), key); err != nil { // remote delete, then B's drop, before B's fill
			t.Error(err)
		}
	}
	mustGet2(t, r.b, key) // read before the delete: the answer of its time
	mustMiss(t, r.bLocal, key)
	mustMiss(t, r.b, key)
}

// TestTierCloseStopsListener: Close ends the listener goroutine of every
// Store; a second Close, and Close without a bus, do nothing.
func TestTierCloseStopsListener(t *testing.T) {
	// The tiers first: otter may run goroutines of its own for them.
	local, remote := memstore.New(), memstore.New()
	before := runtime.NumGoroutine()
	bus := newMemBus()
	stores := make([]*tiered.Store, 20)
	for i := range stores {
		stores[i] = tiered.New(local, remote, tiered.WithBus(bus))
	}
	eventually(t, 2*time.Second, "all subscribed", func() bool { return bus.subscribers() == len(stores) })
	// Goroutines of earlier tests may still be ending: want both fewer
	// than before the Stores and len(stores) fewer than while they listen.
	want := min(before, runtime.NumGoroutine()-len(stores))
	for _, s := range stores {
		s.Close()
		s.Close()
	}
	if n := bus.subscribers(); n != 0 {
		t.Errorf("%d subscribers after Close; want 0", n)
	}
	eventually(t, 2*time.Second, "listener goroutines gone", func() bool { return runtime.NumGoroutine() <= want })
	tiered.New(local, remote).Close()
}

// TestTierResubscribes: a Subscribe that gives up is called again after a
// back-off, and counted.
func TestTierResubscribes(t *testing.T) {
	bus := newMemBus()
	bus.failN.Store(2)
	s := tiered.New(memstore.New(), memstore.New(), tiered.WithBus(bus))
	t.Cleanup(s.Close)
	eventually(t, 5*time.Second, "subscribed after two failures", func() bool { return bus.subscribers() == 1 })
	if got := s.Stats().SubscribeErrors; got != 2 {
		t.Errorf("SubscribeErrors = %d; want 2", got)
	}
}

// failingBus refuses to publish.
type failingBus struct{ *memBus }

func (*failingBus) Publish(_ context.Context, _ tiered.Invalidation) error {
	return errors.New("bus down")
}

// TestTierPublishFailure: the purge still happens here and in remote; the
// error says the other replicas were not told. A store's announcement, which
// no caller waits for, is counted only.
func TestTierPublishFailure(t *testing.T) {
	const key = "example.com/page"
	bus := &failingBus{newMemBus()}
	remote := memstore.New()
	s := tiered.New(memstore.New(), remote, tiered.WithBus(bus))
	t.Cleanup(s.Close)
	mustSet(t, s, key, page("x"), time.Minute) // its announcement fails, unseen by the caller
	eventually(t, 5*time.Second, "the store's announcement failed", func() bool { return s.Stats().PublishErrors == 1 })
	if err := s.Delete(ctx(t), key); err == nil {
		t.Fatal("Delete: nil error; want the publish failure")
	}
	mustMiss(t, s, key)
	mustMiss(t, remote, key)
	if got := s.Stats().PublishErrors; got != 2 {
		t.Errorf("PublishErrors = %d; want 2 (the store's, then the Delete's)", got)
	}
	var _ gincache.Store = s
}
