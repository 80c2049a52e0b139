package memstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gincache/gincache"
)

// TestCoarseClockExpiry: on the real, coarse clock an entry is found for its
// whole TTL and is gone soon after it (within the clock's lag twice, plus
// slack for a loaded machine), so the lag never shortens a TTL.
func TestCoarseClockExpiry(t *testing.T) {
	const ttl = 150 * time.Millisecond
	s := New()
	ctx := context.Background()
	set := time.Now()
	if err := s.Set(ctx, "k", entryOfSize(10), ttl); err != nil {
		t.Fatal(err)
	}
	for time.Since(set) < ttl-10*time.Millisecond {
		if _, err := s.Get(ctx, "k"); err != nil {
			t.Fatalf("Get %v after Set, within the %v TTL: %v", time.Since(set), ttl, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	deadline := set.Add(ttl + 2*coarseResolution + time.Second)
	for {
		_, err := s.Get(ctx, "k")
		if errors.Is(err, gincache.ErrNotFound) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Get %v after Set with TTL %v: %v; want ErrNotFound", time.Since(set), ttl, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
