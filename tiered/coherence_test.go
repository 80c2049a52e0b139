package tiered_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/tiered"
)

// fleet is n replicas sharing one remote store and one bus, each with its
// own local tier on its own clock, which is also its Stats clock.
type fleet struct {
	stores   []*tiered.Store
	locals   []*memstore.Store
	clocks   []*fakeClock
	remote   *remoteStore
	bus      *memBus
	localTTL time.Duration
}

func newFleet(t *testing.T, n int, bus *memBus) *fleet {
	t.Helper()
	f := &fleet{remote: newRemote(newFakeClock()), bus: bus, localTTL: time.Minute}
	for range n {
		clock := newFakeClock()
		local := memstore.New(memstore.WithClock(clock.Now))
		s := tiered.New(local, f.remote, tiered.WithLocalTTL(f.localTTL), tiered.WithBus(bus), tiered.WithClock(clock.Now))
		t.Cleanup(s.Close)
		f.stores, f.locals, f.clocks = append(f.stores, s), append(f.locals, local), append(f.clocks, clock)
	}
	eventually(t, 5*time.Second, "every replica subscribed", func() bool { return bus.subscribers() == n })
	return f
}

// applied is the sum of the invalidations every replica but skip applied.
func (f *fleet) applied(skip int) uint64 {
	var n uint64
	for i, s := range f.stores {
		if i != skip {
			n += s.Stats().Applied
		}
	}
	return n
}

// TestTierStoreReachesReplicas: with two and with four replicas, every
// replica holds a local copy of key; one stores a new entry for it; every
// other replica's next Get returns the new entry once the announcement has
// arrived, and the storer keeps its own fresh copy (its message does not
// come back to drop it).
func TestTierStoreReachesReplicas(t *testing.T) {
	const key = "example.com/page"
	for _, n := range []int{2, 4} {
		for writer := range n {
			t.Run(fmt.Sprintf("replicas=%d/writer=%d", n, writer), func(t *testing.T) {
				f := newFleet(t, n, newMemBus())
				mustSet(t, f.remote, key, page("v1"), time.Hour) // rendered before
				for _, s := range f.stores {
					mustBody(t, s, key, "v1") // each keeps a local copy
				}
				before := f.applied(writer)
				v2 := page("v2")
				if err := f.stores[writer].SetTagged(ctx(t), key, v2, time.Hour, []string{"t"}); err != nil {
					t.Fatal(err)
				}
				eventually(t, 5*time.Second, "every other replica applied the store", func() bool {
					return f.applied(writer) == before+uint64(n-1)
				})
				for i, s := range f.stores {
					if i == writer {
						mustGet(t, f.locals[i], key, v2) // its own copy, the very entry
						continue
					}
					mustMiss(t, f.locals[i], key) // dropped
					mustBody(t, s, key, "v2")     // and read again from remote
				}
				if got := f.stores[writer].Stats().Applied; got != 0 {
					t.Errorf("the writer applied %d invalidations; want 0 (its own are ignored)", got)
				}
			})
		}
	}
}

// TestTierCoherence: Stats says the local tier is coherent while the bus is
// subscribed; a lost subscription, or a confirmation that comes again on its
// own, makes it incoherent, and after the resubscription it is coherent
// again only once every copy that may have missed a message has expired —
// the local TTL after the gap.
func TestTierCoherence(t *testing.T) {
	type want struct {
		subscribed, coherent bool
		resubs, lost         uint64
		from                 time.Duration // CoherentFrom minus the replica's start; -1: the zero time
	}
	tests := []struct {
		name  string
		steps func(t *testing.T, f *fleet) // replica 0's clock moves
		want  want
	}{
		{"fresh", func(*testing.T, *fleet) {}, want{true, true, 0, 0, 0}},
		{"disconnected", func(_ *testing.T, f *fleet) { f.bus.disconnect() }, want{false, false, 0, 1, -1}},
		{"reconnected", func(_ *testing.T, f *fleet) {
			f.bus.disconnect()
			f.clocks[0].Advance(time.Second)
			f.bus.reconnect()
		}, want{true, false, 1, 1, time.Minute}}, // the loss at 0 plus the local TTL
		{"reconnectedLongAgo", func(_ *testing.T, f *fleet) {
			f.bus.disconnect()
			f.clocks[0].Advance(time.Second)
			f.bus.reconnect()
			f.clocks[0].Advance(time.Minute)
		}, want{true, true, 1, 1, time.Minute}},
		{"silentResubscribe", func(_ *testing.T, f *fleet) {
			f.clocks[0].Advance(time.Second)
			f.bus.reconnect() // confirmed again without a loss first
		}, want{true, false, 1, 1, time.Second + time.Minute}},
		{"copyKeptUnsubscribed", func(t *testing.T, f *fleet) {
			f.bus.disconnect()
			f.clocks[0].Advance(time.Second)
			mustGet2(t, f.stores[0], "example.com/page") // read while deaf
			f.clocks[0].Advance(time.Second)
			f.bus.reconnect()
		}, want{true, false, 1, 1, time.Second + time.Minute}}, // that copy's expiry
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFleet(t, 2, newMemBus())
			mustSet(t, f.remote, "example.com/page", page("v1"), time.Hour)
			start := f.clocks[0].Now()
			tt.steps(t, f)
			st := f.stores[0].Stats()
			wantFrom := time.Time{}
			if tt.want.from >= 0 {
				wantFrom = start.Add(tt.want.from)
			}
			got := want{st.Subscribed, st.Coherent, st.Resubscriptions, st.SubscriptionsLost, -1}
			if !st.CoherentFrom.Equal(wantFrom) {
				t.Errorf("CoherentFrom = start%+v; want start%+v", st.CoherentFrom.Sub(start), tt.want.from)
			}
			got.from = tt.want.from
			if got != tt.want {
				t.Errorf("Stats: subscribed %v, coherent %v, resubscriptions %d, lost %d; want %v, %v, %d, %d",
					got.subscribed, got.coherent, got.resubs, got.lost, tt.want.subscribed, tt.want.coherent, tt.want.resubs, tt.want.lost)
			}
		})
	}
}

// TestTierLostStoreBoundedByTTL: a store announced while a replica was
// deaf is lost to it: it serves its older copy, but for the local TTL at
// most, and says meanwhile that it is not coherent.
func TestTierLostStoreBoundedByTTL(t *testing.T) {
	const key = "example.com/page"
	f := newFleet(t, 2, newMemBus())
	a, b := f.stores[0], f.stores[1]
	mustSet(t, f.remote, key, page("v1"), time.Hour)
	mustBody(t, a, key, "v1")
	f.bus.disconnect()
	mustSet(t, b, key, page("v2"), time.Hour)
	eventually(t, 5*time.Second, "B's announcement sent (and lost)", func() bool { return f.bus.published.Load() > 0 })
	f.bus.reconnect()
	if st := a.Stats(); st.Coherent {
		t.Fatalf("A's Stats after the gap: coherent; want not (%+v)", st)
	}
	f.clocks[0].Advance(f.localTTL - time.Millisecond)
	mustBody(t, a, key, "v1") // stale, within the bound
	f.clocks[0].Advance(time.Millisecond)
	mustBody(t, a, key, "v2")
	if st := a.Stats(); !st.Coherent {
		t.Errorf("A's Stats a local TTL after the gap: not coherent; want coherent (%+v)", st)
	}
}

// TestTierSkippedCounted: a message the bus could not read is dropped and
// counted; the subscription goes on.
func TestTierSkippedCounted(t *testing.T) {
	f := newFleet(t, 1, newMemBus())
	f.bus.skip()
	f.bus.skip()
	if got := f.stores[0].Stats().Skipped; got != 2 {
		t.Errorf("Skipped = %d; want 2", got)
	}
}

// TestTierNoBusNeverCoherent: without a bus the local TTL is the only bound,
// and Stats says so.
func TestTierNoBusNeverCoherent(t *testing.T) {
	s := tiered.New(memstore.New(), memstore.New())
	if st := s.Stats(); st.Subscribed || st.Coherent || !st.CoherentFrom.IsZero() {
		t.Errorf("Stats without a bus: %+v; want not subscribed, not coherent, zero CoherentFrom", st)
	}
}

// TestTierManyMessagesBounded: a flood of invalidations, each naming keys
// never seen, is applied one at a time as it arrives — there is no queue on
// the receiving side to grow — and leaves the local tier working.
func TestTierManyMessagesBounded(t *testing.T) {
	const key = "example.com/page"
	f := newFleet(t, 2, newMemBus())
	a := f.stores[0]
	mustSet(t, a, key, page("kept"), time.Hour)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 100_000 {
		if err := f.bus.Publish(context.Background(), tiered.Invalidation{Keys: []string{fmt.Sprint("flood/", i)}, Origin: "elsewhere"}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if got := a.Stats().Applied; got < 100_000 {
		t.Errorf("Applied = %d; want 100000", got)
	}
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 4<<20 {
		t.Errorf("the heap grew by %d bytes over 100000 messages; want under 4 MiB", grew)
	}
	mustBody(t, f.locals[0], key, "kept")
	var _ gincache.Store = a
}
