package memstore

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/storetest"
)

// fakeClock is the shared test clock.
type fakeClock = storetest.Clock

func newFakeClock() *fakeClock { return storetest.NewClock() }

// harness builds stores for the conformance suites. Each store gets its own
// clock; Advance moves the clock of the store the current subtest made.
func harness() storetest.Harness {
	var clk *fakeClock
	return storetest.Harness{
		New: func(t *testing.T) gincache.Store {
			clk = newFakeClock()
			return New(WithClock(clk.Now))
		},
		Advance: func(t *testing.T, d time.Duration) { clk.Advance(d) },
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, harness())
}

func TestTaggerConformance(t *testing.T) {
	storetest.RunTagger(t, harness())
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want uint64
	}{
		{"default", nil, 64 << 20},
		{"WithMaxBytes", []Option{WithMaxBytes(1 << 20)}, 1 << 20},
		{"last wins", []Option{WithMaxBytes(1 << 20), WithMaxBytes(5000)}, 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.opts...)
			if got := s.cache.GetMaximum(); got != tt.want {
				t.Errorf("maximum weight = %d; want %d", got, tt.want)
			}
		})
	}
}

func TestNewPanicsOnBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts func() []Option
	}{
		{"zero max bytes", func() []Option { return []Option{WithMaxBytes(0)} }},
		{"negative max bytes", func() []Option { return []Option{WithMaxBytes(-1)} }},
		{"nil clock", func() []Option { return []Option{WithClock(nil)} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("New did not panic; want a panic at construction")
				}
			}()
			New(tt.opts()...)
		})
	}
}

func entryOfSize(n int) *gincache.Entry {
	return &gincache.Entry{Status: 200, Body: bytes.Repeat([]byte{'x'}, n)}
}

func mustSet(t *testing.T, s *Store, key string, e *gincache.Entry, ttl time.Duration) {
	t.Helper()
	if err := s.Set(context.Background(), key, e, ttl); err != nil {
		t.Fatalf("Set(%q): %v; want nil", key, err)
	}
}

func TestBoundedByBytes(t *testing.T) {
	const maxBytes = 1 << 20
	s := New(WithMaxBytes(maxBytes), WithClock(newFakeClock().Now))
	for i := range 100 {
		mustSet(t, s, "k"+strconv.Itoa(i), entryOfSize(100<<10), time.Hour)
	}
	s.cache.CleanUp()
	if got := s.cache.WeightedSize(); got > maxBytes {
		t.Errorf("WeightedSize() = %d after 100 entries of 100 KiB; want at most %d", got, maxBytes)
	}
	if got, limit := s.Len(), maxBytes/(100<<10); got > limit || got == 0 {
		t.Errorf("Len() = %d; want between 1 and %d", got, limit)
	}
}

func TestOversizedEntry(t *testing.T) {
	ctx := context.Background()
	s := New(WithMaxBytes(4 << 10))
	mustSet(t, s, "page", entryOfSize(100), time.Minute)
	mustSet(t, s, "page", entryOfSize(8<<10), time.Minute)
	if got, err := s.Get(ctx, "page"); !errors.Is(err, gincache.ErrNotFound) {
		t.Fatalf("Get after an oversized Set = %v, %v; want ErrNotFound (old page removed, new one not stored)", got, err)
	}
	if got := s.Len(); got != 0 {
		t.Errorf("Len() = %d; want 0", got)
	}
}

func TestNonPositiveTTLRemovesOldEntry(t *testing.T) {
	ctx := context.Background()
	s := New()
	mustSet(t, s, "page", entryOfSize(10), time.Minute)
	mustSet(t, s, "page", entryOfSize(20), 0)
	if got, err := s.Get(ctx, "page"); !errors.Is(err, gincache.ErrNotFound) {
		t.Fatalf("Get after Set with ttl 0 = %v, %v; want ErrNotFound", got, err)
	}
}

func TestGetReturnsStoredPointer(t *testing.T) {
	s := New()
	want := storetest.Sample("<p>same</p>")
	mustSet(t, s, "k", want, time.Minute)
	got, err := s.Get(context.Background(), "k")
	if err != nil {
		t.Fatalf("Get: %v; want the stored entry", err)
	}
	if got != want {
		t.Errorf("Get = %p; want the pointer given to Set, %p", got, want)
	}
}

func TestSetNilEntry(t *testing.T) {
	s := New()
	if err := s.Set(context.Background(), "k", nil, time.Minute); err == nil {
		t.Errorf("Set(nil) = nil; want an error")
	}
}

func TestLenCountsEntries(t *testing.T) {
	ctx := context.Background()
	s := New()
	for _, k := range []string{"a", "b", "c"} {
		mustSet(t, s, k, entryOfSize(1), time.Minute)
	}
	if err := s.Delete(ctx, "b"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got := s.Len(); got != 2 {
		t.Errorf("Len() = %d; want 2", got)
	}
}

func TestWeigh(t *testing.T) {
	tests := []struct {
		name string
		key  string
		e    *gincache.Entry
		want int64
	}{
		{"empty", "", &gincache.Entry{}, entryOverhead},
		{"key and body", "abc", &gincache.Entry{Body: make([]byte, 10)}, entryOverhead + 3 + 10},
		{"etag and headers", "k", &gincache.Entry{
			ETag:   `"e"`,
			Header: map[string][]string{"Vary": {"Accept", "Accept-Language"}},
		}, entryOverhead + 1 + 3 + 4 + 6 + 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := weigh(tt.key, tt.e); got != tt.want {
				t.Errorf("weigh = %d; want %d", got, tt.want)
			}
		})
	}
}

func TestRewriterConformance(t *testing.T) {
	storetest.RunRewriter(t, harness())
}
