// Package storetest is the conformance suite every gincache.Store passes:
// memstore, redisstore on miniredis, on a real Redis and on a Redis Cluster.
// One suite keeps the stores interchangeable: what a test here asserts, the
// middleware may rely on.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gincache/gincache"
)

// Harness describes the store under test.
type Harness struct {
	// New returns an empty store. It registers its own cleanup with t.Cleanup.
	New func(t *testing.T) gincache.Store
	// Advance moves the store's clock forward by d. Nil means the store's time
	// cannot be controlled (a real server): the expiry tests are skipped there,
	// and the store's own tests check the TTL it asked for instead.
	Advance func(t *testing.T, d time.Duration)
}

// Run runs the whole suite as subtests of t.
func Run(t *testing.T, h Harness) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"MissIsErrNotFound", testMiss},
		{"SetThenGet", testSetGet},
		{"EmptyEntry", testEmptyEntry},
		{"Overwrite", testOverwrite},
		{"Delete", testDelete},
		{"NonPositiveTTLStoresNothing", testNonPositiveTTL},
		{"Expiry", testExpiry},
		{"KeysAreDistinct", testDistinctKeys},
		{"LargeBody", testLargeBody},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, h) })
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

// Sample returns a representative entry: multi-valued headers, a body and
// both timestamps.
func Sample(body string) *gincache.Entry {
	stored := time.Date(2026, 11, 23, 12, 0, 0, 123456789, time.UTC)
	return &gincache.Entry{
		Status: http.StatusOK,
		Header: http.Header{
			"Content-Type":   {"text/html; charset=utf-8"},
			"Vary":           {"Accept-Encoding", "Accept-Language"},
			"Link":           {"</a.css>; rel=preload", "</b.js>; rel=preload"},
			"Etag":           {`"abc123"`},
			"Content-Length": {fmt.Sprint(len(body))},
		},
		Body:         []byte(body),
		ETag:         `"abc123"`,
		LastModified: stored.Truncate(time.Second),
		StoredAt:     stored,
	}
}

// Equal reports how got differs from want, or "" when they are the same entry.
func Equal(got, want *gincache.Entry) string {
	switch {
	case got == nil:
		return "got nil entry"
	case got.Status != want.Status:
		return fmt.Sprintf("Status = %d; want %d", got.Status, want.Status)
	case got.ETag != want.ETag:
		return fmt.Sprintf("ETag = %q; want %q", got.ETag, want.ETag)
	case !bytes.Equal(got.Body, want.Body):
		return fmt.Sprintf("Body = %.40q (%d bytes); want %.40q (%d bytes)", got.Body, len(got.Body), want.Body, len(want.Body))
	case !got.StoredAt.Equal(want.StoredAt):
		return fmt.Sprintf("StoredAt = %v; want %v", got.StoredAt, want.StoredAt)
	case !got.LastModified.Equal(want.LastModified):
		return fmt.Sprintf("LastModified = %v; want %v", got.LastModified, want.LastModified)
	case len(got.Header) != len(want.Header):
		return fmt.Sprintf("Header = %v; want %v", got.Header, want.Header)
	}
	for k, wv := range want.Header {
		gv, ok := got.Header[k]
		if !ok || strings.Join(gv, "\x00") != strings.Join(wv, "\x00") || len(gv) != len(wv) {
			return fmt.Sprintf("Header[%q] = %q; want %q", k, gv, wv)
		}
	}
	return ""
}

func mustGet(t *testing.T, s gincache.Store, key string, want *gincache.Entry) {
	t.Helper()
	got, err := s.Get(ctx(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v; want the stored entry", key, err)
	}
	if d := Equal(got, want); d != "" {
		t.Fatalf("Get(%q): %s", key, d)
	}
}

func mustMiss(t *testing.T, s gincache.Store, key string) {
	t.Helper()
	got, err := s.Get(ctx(t), key)
	if !errors.Is(err, gincache.ErrNotFound) {
		t.Fatalf("Get(%q) = %v, %v; want ErrNotFound", key, got, err)
	}
}

func mustSet(t *testing.T, s gincache.Store, key string, e *gincache.Entry, ttl time.Duration) {
	t.Helper()
	if err := s.Set(ctx(t), key, e, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func testMiss(t *testing.T, h Harness) {
	mustMiss(t, h.New(t), "example.com/missing")
}

func testSetGet(t *testing.T, h Harness) {
	s := h.New(t)
	e := Sample("<h1>hello</h1>")
	mustSet(t, s, "example.com/", e, time.Minute)
	mustGet(t, s, "example.com/", e)
}

func testEmptyEntry(t *testing.T, h Harness) {
	s := h.New(t)
	e := &gincache.Entry{Status: http.StatusNoContent}
	mustSet(t, s, "example.com/empty", e, time.Minute)
	got, err := s.Get(ctx(t), "example.com/empty")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.Status != http.StatusNoContent || len(got.Body) != 0 || len(got.Header) != 0 || !got.StoredAt.IsZero() {
		t.Fatalf("Get = %+v; want an empty 204 entry", got)
	}
}

func testOverwrite(t *testing.T, h Harness) {
	s := h.New(t)
	mustSet(t, s, "k", Sample("first"), time.Minute)
	second := Sample("second")
	second.ETag = `"second"`
	mustSet(t, s, "k", second, time.Minute)
	mustGet(t, s, "k", second)
}

func testDelete(t *testing.T, h Harness) {
	s := h.New(t)
	for _, k := range []string{"a", "b", "c"} {
		mustSet(t, s, k, Sample(k), time.Minute)
	}
	if err := s.Delete(ctx(t), "a", "b", "never-stored"); err != nil {
		t.Fatalf("Delete: %v; want nil (missing keys are not an error)", err)
	}
	mustMiss(t, s, "a")
	mustMiss(t, s, "b")
	mustGet(t, s, "c", Sample("c"))
	if err := s.Delete(ctx(t)); err != nil {
		t.Fatalf("Delete(): %v; want nil", err)
	}
}

func testNonPositiveTTL(t *testing.T, h Harness) {
	s := h.New(t)
	for _, ttl := range []time.Duration{0, -time.Second} {
		key := fmt.Sprintf("ttl%d", ttl)
		if err := s.Set(ctx(t), key, Sample("x"), ttl); err != nil {
			t.Fatalf("Set(ttl=%v): %v; want nil", ttl, err)
		}
		mustMiss(t, s, key)
	}
}

func testExpiry(t *testing.T, h Harness) {
	if h.Advance == nil {
		t.Skip("store's clock cannot be advanced; its own tests check the TTL it sets")
	}
	s := h.New(t)
	mustSet(t, s, "short", Sample("short"), 10*time.Second)
	mustSet(t, s, "long", Sample("long"), time.Hour)
	h.Advance(t, 9*time.Second)
	mustGet(t, s, "short", Sample("short"))
	h.Advance(t, 2*time.Second)
	mustMiss(t, s, "short")
	mustGet(t, s, "long", Sample("long"))
}

func testDistinctKeys(t *testing.T, h Harness) {
	s := h.New(t)
	keys := []string{
		"example.com/a", "example.com/a?", "example.com/a?x=1", "Example.com/a",
		"example.com/\x00/a", "example.com/ünï/☃", strings.Repeat("long/", 400) + "1",
		strings.Repeat("long/", 400) + "2", "",
	}
	for i, k := range keys {
		mustSet(t, s, k, Sample(fmt.Sprint(i)), time.Minute)
	}
	for i, k := range keys {
		mustGet(t, s, k, Sample(fmt.Sprint(i)))
	}
}

func testLargeBody(t *testing.T, h Harness) {
	s := h.New(t)
	e := Sample(strings.Repeat("0123456789abcdef", 1<<16)) // 1 MiB
	mustSet(t, s, "big", e, time.Minute)
	mustGet(t, s, "big", e)
}

func testConcurrent(t *testing.T, h Harness) {
	s := h.New(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				key := fmt.Sprintf("k%d", i%5)
				want := Sample(key)
				if err := s.Set(ctx(t), key, want, time.Minute); err != nil {
					t.Errorf("goroutine %d: Set: %v", g, err)
					return
				}
				got, err := s.Get(ctx(t), key)
				if err != nil && !errors.Is(err, gincache.ErrNotFound) {
					t.Errorf("goroutine %d: Get: %v", g, err)
					return
				}
				if err == nil {
					if d := Equal(got, want); d != "" {
						t.Errorf("goroutine %d: %s", g, d)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
