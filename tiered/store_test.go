package tiered_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/storetest"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/tiered"
)

// The conformance suites, on a memstore in front of a memstore, both on one
// clock: the two tiers behave as one store.
func TestTierConformance(t *testing.T) {
	var clock *fakeClock
	h := storetest.Harness{
		New: func(t *testing.T) gincache.Store {
			clock = newFakeClock()
			s := tiered.New(memstore.New(memstore.WithClock(clock.Now)), memstore.New(memstore.WithClock(clock.Now)))
			t.Cleanup(s.Close)
			return s
		},
		Advance: func(_ *testing.T, d time.Duration) { clock.Advance(d) },
	}
	t.Run("Store", func(t *testing.T) { storetest.Run(t, h) })
	t.Run("Tagger", func(t *testing.T) { storetest.RunTagger(t, h) })
	t.Run("Rewriter", func(t *testing.T) { storetest.RunRewriter(t, h) })
}

// tierFixture is a Store over a local and a remote memstore on clocks of
// their own, so a test can expire the local copy alone.
type tierFixture struct {
	s           *tiered.Store
	local       *memstore.Store
	remote      *remoteStore
	localClock  *fakeClock
	remoteClock *fakeClock
}

func newFixture(t *testing.T, opts ...tiered.Option) tierFixture {
	t.Helper()
	f := tierFixture{localClock: newFakeClock(), remoteClock: newFakeClock()}
	f.local = memstore.New(memstore.WithClock(f.localClock.Now))
	f.remote = newRemote(f.remoteClock)
	f.s = tiered.New(f.local, f.remote, opts...)
	t.Cleanup(f.s.Close)
	return f
}

func TestTierGet(t *testing.T) {
	const key = "example.com/page"
	tests := []struct {
		name        string
		setup       func(t *testing.T, f tierFixture) *gincache.Entry // returns what Get must return; nil: a miss
		remoteGets  int64                                             // remote reads by two Gets
		localCopied bool                                              // the local tier holds the entry afterwards
	}{
		{"localHit", func(t *testing.T, f tierFixture) *gincache.Entry {
			e := page("local")
			mustSet(t, f.local, key, e, time.Minute)
			return e
		}, 0, true},
		{"remoteFill", func(t *testing.T, f tierFixture) *gincache.Entry {
			e := page("remote")
			mustSet(t, f.remote, key, e, time.Minute)
			return e
		}, 1, true},
		{"setWritesBoth", func(t *testing.T, f tierFixture) *gincache.Entry {
			e := page("set")
			mustSet(t, f.s, key, e, time.Minute)
			mustBody(t, f.remote, key, "set") // a copy carrying its tags (carry.go)
			return e
		}, 1, true}, // the one read is the check above
		{"miss", func(*testing.T, tierFixture) *gincache.Entry { return nil }, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			want := tt.setup(t, f)
			for range 2 {
				if want == nil {
					mustMiss(t, f.s, key)
				} else {
					mustGet(t, f.s, key, want)
				}
			}
			if got := f.remote.gets.Load(); got != tt.remoteGets {
				t.Errorf("remote Gets = %d; want %d", got, tt.remoteGets)
			}
			_, err := f.local.Get(ctx(t), key)
			if copied := err == nil; copied != tt.localCopied {
				t.Errorf("local copy present = %v; want %v", copied, tt.localCopied)
			}
		})
	}
}

// TestTierLocalTTL: a copy lives in the local tier for the local TTL, or
// the entry's TTL when that is shorter; then the next Get reads remote again.
func TestTierLocalTTL(t *testing.T) {
	const key = "example.com/page"
	tests := []struct {
		name     string
		localTTL time.Duration
		store    func(t *testing.T, f tierFixture) // puts the entry where Get finds it
		lives    time.Duration                     // how long the local copy lives
	}{
		{"copyOfRemote", 2 * time.Second, func(t *testing.T, f tierFixture) {
			mustSet(t, f.remote, key, page("x"), time.Hour)
			mustGet2(t, f.s, key) // the fill
		}, 2 * time.Second},
		{"setLongTTL", 5 * time.Second, func(t *testing.T, f tierFixture) {
			mustSet(t, f.s, key, page("x"), time.Hour)
		}, 5 * time.Second},
		{"setShortTTL", 5 * time.Second, func(t *testing.T, f tierFixture) {
			mustSet(t, f.s, key, page("x"), 300*time.Millisecond)
		}, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tiered.WithLocalTTL(tt.localTTL))
			tt.store(t, f)
			before := f.remote.gets.Load()
			f.localClock.Advance(tt.lives - time.Millisecond)
			mustGet2(t, f.s, key)
			if got := f.remote.gets.Load() - before; got != 0 {
				t.Fatalf("%v into the local TTL: %d remote Gets; want 0 (a local hit)", tt.lives-time.Millisecond, got)
			}
			f.localClock.Advance(time.Millisecond)
			if _, err := f.local.Get(ctx(t), key); !errors.Is(err, gincache.ErrNotFound) {
				t.Fatalf("local copy after %v: %v; want expired", tt.lives, err)
			}
		})
	}
}

// mustGet2 checks that Get finds an entry, whichever.
func mustGet2(t *testing.T, s gincache.Store, key string) {
	t.Helper()
	if _, err := s.Get(ctx(t), key); err != nil {
		t.Fatalf("Get(%q): %v; want a hit", key, err)
	}
}

// TestTierRemoteFailure: when remote refuses a write, the local tier drops
// its copy rather than keep what remote does not hold.
func TestTierRemoteFailure(t *testing.T) {
	const key = "example.com/page"
	local := memstore.New()
	s := tiered.New(local, failingSets{memstore.New()})
	t.Cleanup(s.Close)
	mustSet(t, local, key, page("old"), time.Minute)
	if err := s.Set(ctx(t), key, page("new"), time.Minute); !errors.Is(err, errDown) {
		t.Fatalf("Set: %v; want %v", err, errDown)
	}
	if err := s.SetTagged(ctx(t), key, page("new"), time.Minute, []string{"t"}); !errors.Is(err, errDown) {
		t.Fatalf("SetTagged: %v; want %v", err, errDown)
	}
	mustMiss(t, local, key)
}

// TestTierNonPositiveTTL: a Set that stores nothing removes the key from
// both tiers.
func TestTierNonPositiveTTL(t *testing.T) {
	const key = "example.com/page"
	f := newFixture(t)
	mustSet(t, f.s, key, page("x"), time.Minute)
	mustSet(t, f.s, key, page("y"), 0)
	mustMiss(t, f.local, key)
	mustMiss(t, f.remote, key)
}

// TestTierUnsupported: with a remote store that keeps no tags and has no
// locks, the Store says so instead of pretending.
func TestTierUnsupported(t *testing.T) {
	const key = "example.com/page"
	remote := memstore.New()
	s := tiered.New(memstore.New(), plainStore{remote})
	t.Cleanup(s.Close)
	if err := s.PurgeTags(ctx(t), "t"); !errors.Is(err, gincache.ErrTagsUnsupported) {
		t.Errorf("PurgeTags: %v; want ErrTagsUnsupported", err)
	}
	if _, _, err := s.TryLock(ctx(t), key, time.Second); !errors.Is(err, tiered.ErrLocksUnsupported) {
		t.Errorf("TryLock: %v; want ErrLocksUnsupported", err)
	}
	if err := s.Unlock(ctx(t), key, "token"); !errors.Is(err, tiered.ErrLocksUnsupported) {
		t.Errorf("Unlock: %v; want ErrLocksUnsupported", err)
	}
	// A tagged entry is stored untagged, as the middleware would store it.
	e := page("x")
	if err := s.SetTagged(ctx(t), key, e, time.Minute, []string{"t"}); err != nil {
		t.Fatalf("SetTagged: %v", err)
	}
	mustGet(t, remote, key, e)
}

// TestTierDeadlines: a tier that is not Bounded gets the Store's deadline;
// the Store itself is Bounded either way.
func TestTierDeadlines(t *testing.T) {
	const key = "example.com/page"
	local := &deadlineStore{Store: plainStore{memstore.New()}}
	remote := &deadlineStore{Store: plainStore{memstore.New()}}
	s := tiered.New(local, remote, tiered.WithTimeout(time.Second))
	t.Cleanup(s.Close)
	mustMiss(t, s, key)
	if local.calls.Load() != 1 || !local.sawDeadline.Load() {
		t.Errorf("local Get: %d calls, deadline %v; want 1 call with a deadline", local.calls.Load(), local.sawDeadline.Load())
	}
	if remote.calls.Load() != 1 || !remote.sawDeadline.Load() {
		t.Errorf("remote Get: %d calls, deadline %v; want 1 call with a deadline", remote.calls.Load(), remote.sawDeadline.Load())
	}
	var _ gincache.Bounded = s
}

func TestTierNewPanics(t *testing.T) {
	tests := []struct {
		name string
		new  func()
		want string
	}{
		{"nilLocal", func() { tiered.New(nil, memstore.New()) }, "tiered: New: nil store"},
		{"nilRemote", func() { tiered.New(memstore.New(), nil) }, "tiered: New: nil store"},
		{"untaggedLocal", func() { tiered.New(plainStore{memstore.New()}, memstore.New()) }, "does not"},
		{"localTTL", func() { tiered.New(memstore.New(), memstore.New(), tiered.WithLocalTTL(0)) }, "WithLocalTTL(0s)"},
		{"nilBus", func() { tiered.New(memstore.New(), memstore.New(), tiered.WithBus(nil)) }, "WithBus(nil)"},
		{"timeout", func() { tiered.New(memstore.New(), memstore.New(), tiered.WithTimeout(-time.Second)) }, "WithTimeout(-1s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "tiered: ") || !strings.Contains(msg, tt.want) {
					t.Errorf("panic %q; want a tiered: panic mentioning %q", msg, tt.want)
				}
			}()
			tt.new()
		})
	}
}
