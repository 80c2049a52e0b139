package memstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

func mustSetTagged(t *testing.T, s *Store, key string, ttl time.Duration, tags ...string) {
	t.Helper()
	if err := s.SetTagged(context.Background(), key, entryOfSize(10), ttl, tags); err != nil {
		t.Fatalf("SetTagged(%q): %v; want nil", key, err)
	}
}

func wantIndexLen(t *testing.T, s *Store, want int) {
	t.Helper()
	if got := s.index.len(); got != want {
		t.Fatalf("index holds %d (tag, key) pairs; want %d", got, want)
	}
}

// The index forgets an entry however it leaves the store, so it never holds
// more than the store does.
func TestTagIndexFollowsDeletions(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		remove func(*testing.T, *Store, *fakeClock)
	}{
		{"expiry", func(_ *testing.T, s *Store, clk *fakeClock) {
			clk.Advance(time.Hour)
			s.cache.CleanUp()
		}},
		{"delete", func(t *testing.T, s *Store, _ *fakeClock) { _ = s.Delete(ctx, "a", "b", "c") }},
		{"purge", func(t *testing.T, s *Store, _ *fakeClock) { _ = s.PurgeTags(ctx, "t1", "t2") }},
		{"untaggedSet", func(t *testing.T, s *Store, _ *fakeClock) {
			for _, k := range []string{"a", "b", "c"} {
				mustSet(t, s, k, entryOfSize(1), time.Minute)
			}
		}},
		{"zeroTTLSet", func(t *testing.T, s *Store, _ *fakeClock) {
			for _, k := range []string{"a", "b", "c"} {
				mustSetTagged(t, s, k, 0, "t1")
			}
		}},
		{"eviction", func(t *testing.T, s *Store, _ *fakeClock) {
			s.cache.SetMaximum(0) // evicts everything, deterministically
			s.cache.CleanUp()
			if n := s.Len(); n != 0 {
				t.Fatalf("test set-up: %d entries left after SetMaximum(0)", n)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			s := New(WithClock(clk.Now), WithMaxBytes(16<<10))
			mustSetTagged(t, s, "a", 10*time.Second, "t1")
			mustSetTagged(t, s, "b", 10*time.Second, "t1", "t2")
			mustSetTagged(t, s, "c", 10*time.Second, "t2", "t2")
			wantIndexLen(t, s, 4)
			tt.remove(t, s, clk)
			wantIndexLen(t, s, 0)
		})
	}
}

// A value replaced by another under the same key takes only its own index
// entries with it: the new value's tags, even the same tags, stay.
func TestTagIndexReplacement(t *testing.T) {
	ctx := context.Background()
	s := New()
	mustSetTagged(t, s, "k", time.Minute, "old", "both")
	mustSetTagged(t, s, "k", time.Minute, "new", "both")
	wantIndexLen(t, s, 2)
	if err := s.PurgeTags(ctx, "both"); err != nil {
		t.Fatalf("PurgeTags: %v", err)
	}
	wantIndexLen(t, s, 0)
}

// Stores of one key racing each other, with purges: whichever value otter
// keeps is indexed under its tags, and nothing else is.
func TestTagIndexConcurrentStores(t *testing.T) {
	ctx := context.Background()
	s := New()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				var err error
				switch {
				case i%50 == 49:
					err = s.PurgeTags(ctx, "shared")
				case i%7 == 6:
					err = s.Set(ctx, "k", entryOfSize(1), time.Minute)
				default:
					err = s.SetTagged(ctx, "k", entryOfSize(1), time.Minute, []string{"shared", fmt.Sprint("g", g)})
				}
				if err != nil {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
			}
		})
	}
	wg.Wait()
	it, ok := s.cache.GetIfPresent("k")
	want := 0
	if ok && it.tags != nil {
		want = len(it.tags.tags)
	}
	wantIndexLen(t, s, want)
}
