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

// RunTagger runs the tag suite as subtests of t, or skips when the store does
// not implement gincache.Tagger. Keys are varied so that on a Redis Cluster
// the entries of one tag live in different slots and on different nodes.
func RunTagger(t *testing.T, h Harness) {
	t.Helper()
	if _, ok := h.New(t).(gincache.Tagger); !ok {
		t.Skip("store does not implement gincache.Tagger")
	}
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"SetTaggedThenGet", testTaggedGet},
		{"NoTagsIsSet", testTaggedNoTags},
		{"PurgeRemovesEveryTagged", testPurgeEveryTagged},
		{"AnyTagPurges", testAnyTagPurges},
		{"UnknownTags", testPurgeUnknown},
		{"PurgeNothing", testPurgeNothing},
		{"OddTags", testOddTags},
		{"Retagged", testRetagged},
		{"UntaggedSetReplaces", testUntaggedReplaces},
		{"NonPositiveTTL", testTaggedNonPositiveTTL},
		{"Expiry", testTaggedExpiry},
		{"Concurrent", testTaggedConcurrent},
		{"PurgeMany", testPurgeMany},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, h) })
	}
}

// RunLocker runs the lock suite as subtests of t, or skips when the store
// does not implement gincache.Locker.
func RunLocker(t *testing.T, h Harness) {
	t.Helper()
	if _, ok := h.New(t).(gincache.Locker); !ok {
		t.Skip("store does not implement gincache.Locker")
	}
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"LockThenHeld", testLockHeld},
		{"WrongTokenKeepsLock", testUnlockWrongToken},
		{"UnlockFrees", testUnlockFrees},
		{"UnlockUnheld", testUnlockUnheld},
		{"Expiry", testLockExpiry},
		{"KeysAreDistinct", testLockDistinctKeys},
		{"SeparateFromEntries", testLockSeparateFromEntries},
		{"TokensAreUnique", testLockTokensUnique},
		{"Concurrent", testLockConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, h) })
	}
}

// taggedKeys are keys of one site that a cluster spreads over its slots,
// with a long one that a store may hash.
var taggedKeys = []string{
	"example.com/",
	"example.com/users/42",
	"example.com/users/42?tab=posts",
	"example.com/users/42/avatar.png",
	"api.example.com/v2/users/42",
	"example.org/ünï/☃",
	"example.com/search?" + strings.Repeat("q=42&", 60),
}

func newTagger(t *testing.T, h Harness) gincache.Tagger {
	t.Helper()
	return h.New(t).(gincache.Tagger)
}

func mustSetTagged(t *testing.T, s gincache.Tagger, key string, e *gincache.Entry, ttl time.Duration, tags ...string) {
	t.Helper()
	if err := s.SetTagged(ctx(t), key, e, ttl, tags); err != nil {
		t.Fatalf("SetTagged(%q, %q): %v", key, tags, err)
	}
}

func mustPurge(t *testing.T, s gincache.Tagger, tags ...string) {
	t.Helper()
	if err := s.PurgeTags(ctx(t), tags...); err != nil {
		t.Fatalf("PurgeTags(%q): %v; want nil", tags, err)
	}
}

// store returns s as the plain Store, for Get and Set.
func store(s gincache.Tagger) gincache.Store { return s.(gincache.Store) }

func testTaggedGet(t *testing.T, h Harness) {
	s := newTagger(t, h)
	e := Sample("<h1>tagged</h1>")
	mustSetTagged(t, s, "example.com/", e, time.Minute, "page", "user:42")
	mustGet(t, store(s), "example.com/", e)
}

func testTaggedNoTags(t *testing.T, h Harness) {
	s := newTagger(t, h)
	mustSetTagged(t, s, "a", Sample("a"), time.Minute)
	if err := s.SetTagged(ctx(t), "b", Sample("b"), time.Minute, []string{}); err != nil {
		t.Fatalf("SetTagged with an empty tag list: %v", err)
	}
	mustGet(t, store(s), "a", Sample("a"))
	mustGet(t, store(s), "b", Sample("b"))
}

func testPurgeEveryTagged(t *testing.T, h Harness) {
	s := newTagger(t, h)
	for i, k := range taggedKeys {
		mustSetTagged(t, s, k, Sample(k), time.Minute, "user:42", fmt.Sprint("n", i))
		mustSetTagged(t, s, k+"#other", Sample(k), time.Minute, "user:7")
		mustSet(t, store(s), k+"#untagged", Sample(k), time.Minute)
	}
	mustPurge(t, s, "user:42")
	for _, k := range taggedKeys {
		mustMiss(t, store(s), k)
		mustGet(t, store(s), k+"#other", Sample(k))
		mustGet(t, store(s), k+"#untagged", Sample(k))
	}
	// The purged tag is empty now: entries stored with it again are found.
	mustSetTagged(t, s, taggedKeys[1], Sample("again"), time.Minute, "user:42")
	mustGet(t, store(s), taggedKeys[1], Sample("again"))
	mustPurge(t, s, "user:42")
	mustMiss(t, store(s), taggedKeys[1])
}

func testAnyTagPurges(t *testing.T, h Harness) {
	s := newTagger(t, h)
	mustSetTagged(t, s, "example.com/ab", Sample("ab"), time.Minute, "a", "b")
	mustSetTagged(t, s, "example.com/a", Sample("a"), time.Minute, "a")
	mustSetTagged(t, s, "example.com/c", Sample("c"), time.Minute, "c")
	mustPurge(t, s, "b")
	mustMiss(t, store(s), "example.com/ab")
	mustGet(t, store(s), "example.com/a", Sample("a"))
	// Several tags at once: every entry with any of them.
	mustPurge(t, s, "a", "c", "never-used")
	mustMiss(t, store(s), "example.com/a")
	mustMiss(t, store(s), "example.com/c")
}

func testPurgeUnknown(t *testing.T, h Harness) {
	s := newTagger(t, h)
	mustSetTagged(t, s, "k", Sample("k"), time.Minute, "known")
	mustPurge(t, s, "unknown", "also-unknown")
	mustGet(t, store(s), "k", Sample("k"))
}

func testPurgeNothing(t *testing.T, h Harness) {
	s := newTagger(t, h)
	mustSetTagged(t, s, "k", Sample("k"), time.Minute, "t")
	mustPurge(t, s)
	mustGet(t, store(s), "k", Sample("k"))
}

// testOddTags: tags are opaque strings: empty, long, non-ASCII, with the
// characters a store might use as separators or patterns.
func testOddTags(t *testing.T, h Harness) {
	s := newTagger(t, h)
	tags := []string{"", strings.Repeat("tag/", 100), "ünï☃", "a:b", "h:x", "t:x", "*", "[a-z]?", "with space", "\x00"}
	for i, tag := range tags {
		mustSetTagged(t, s, fmt.Sprint("odd/", i), Sample(tag), time.Minute, tag)
	}
	for i, tag := range tags {
		mustPurge(t, s, tag)
		mustMiss(t, store(s), fmt.Sprint("odd/", i))
		for j := i + 1; j < len(tags); j++ {
			mustGet(t, store(s), fmt.Sprint("odd/", j), Sample(tags[j]))
		}
	}
}

// testRetagged: an entry stored again under other tags is purged by them.
// Whether the old tags still reach it is the store's choice (see Tagger).
func testRetagged(t *testing.T, h Harness) {
	s := newTagger(t, h)
	mustSetTagged(t, s, "k", Sample("old"), time.Minute, "old")
	mustSetTagged(t, s, "k", Sample("new"), time.Minute, "new")
	mustGet(t, store(s), "k", Sample("new"))
	mustPurge(t, s, "new")
	mustMiss(t, store(s), "k")

	mustSetTagged(t, s, "k2", Sample("one"), time.Minute, "x", "y")
	mustSetTagged(t, s, "k2", Sample("two"), time.Minute, "y")
	mustPurge(t, s, "y")
	mustMiss(t, store(s), "k2")
}

func testUntaggedReplaces(t *testing.T, h Harness) {
	s := newTagger(t, h)
	mustSetTagged(t, s, "k", Sample("tagged"), time.Minute, "t")
	mustSet(t, store(s), "k", Sample("plain"), time.Minute)
	mustGet(t, store(s), "k", Sample("plain"))
	// Tagged again after the plain Set: the tag reaches it.
	mustSetTagged(t, s, "k", Sample("tagged again"), time.Minute, "t")
	mustPurge(t, s, "t")
	mustMiss(t, store(s), "k")
}

func testTaggedNonPositiveTTL(t *testing.T, h Harness) {
	s := newTagger(t, h)
	mustSetTagged(t, s, "k", Sample("old"), time.Minute, "t")
	mustSetTagged(t, s, "k", Sample("new"), 0, "t")
	mustMiss(t, store(s), "k")
	mustPurge(t, s, "t")
}

func testTaggedExpiry(t *testing.T, h Harness) {
	if h.Advance == nil {
		t.Skip("store's clock cannot be advanced; its own tests check the TTL it sets")
	}
	s := newTagger(t, h)
	mustSetTagged(t, s, "example.com/short", Sample("short"), 10*time.Second, "t", "only-short")
	mustSetTagged(t, s, "example.com/long", Sample("long"), time.Hour, "t")
	h.Advance(t, 11*time.Second)
	mustMiss(t, store(s), "example.com/short")
	mustGet(t, store(s), "example.com/long", Sample("long"))
	mustPurge(t, s, "only-short")
	mustGet(t, store(s), "example.com/long", Sample("long"))
	mustPurge(t, s, "t")
	mustMiss(t, store(s), "example.com/long")

	// Everything gone, the index included: the tags work from scratch.
	mustSetTagged(t, s, "example.com/short", Sample("again"), 10*time.Second, "only-short")
	h.Advance(t, 2*time.Hour)
	mustMiss(t, store(s), "example.com/short")
	mustSetTagged(t, s, "example.com/short", Sample("new"), time.Minute, "only-short")
	mustPurge(t, s, "only-short")
	mustMiss(t, store(s), "example.com/short")
}

// testTaggedConcurrent stores and purges the same keys from several
// goroutines (run it with -race); once they are done, the tags still reach
// what is stored with them.
func testTaggedConcurrent(t *testing.T, h Harness) {
	s := newTagger(t, h)
	tags := []string{"t0", "t1", "t2"}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 40 {
				key := taggedKeys[(g+i)%len(taggedKeys)]
				var err error
				switch i % 4 {
				case 3:
					err = s.PurgeTags(ctx(t), tags[i%len(tags)])
				case 2:
					err = store(s).Set(ctx(t), key, Sample(key), time.Minute)
				default:
					err = s.SetTagged(ctx(t), key, Sample(key), time.Minute, []string{tags[g%len(tags)], tags[i%len(tags)]})
				}
				if err != nil {
					t.Errorf("goroutine %d, step %d: %v", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	// Whatever the index holds for these keys after the churn, an entry
	// stored with a tag now is reached by it.
	for i, k := range taggedKeys {
		mustSetTagged(t, s, k, Sample(k), time.Minute, tags[i%len(tags)])
	}
	mustPurge(t, s, tags...)
	for _, k := range taggedKeys {
		mustMiss(t, store(s), k)
	}
}

// testPurgeMany: a purge of a tag with more entries than a store reads in
// one go (redisstore reads its indexes 1000 at a time) deletes every one
// and returns nil, and leaves entries of other tags alone.
func testPurgeMany(t *testing.T, h Harness) {
	s := newTagger(t, h)
	const n = 2500
	e := Sample("x")
	for i := range n {
		mustSetTagged(t, s, fmt.Sprintf("example.com/items?q=%d", i), e, time.Minute, "path:example.com/items")
	}
	mustSetTagged(t, s, "example.com/other", Sample("other"), time.Minute, "path:example.com/other")
	mustPurge(t, s, "path:example.com/items")
	for i := range n {
		mustMiss(t, store(s), fmt.Sprintf("example.com/items?q=%d", i))
	}
	mustGet(t, store(s), "example.com/other", Sample("other"))
}

func newLocker(t *testing.T, h Harness) gincache.Locker {
	t.Helper()
	return h.New(t).(gincache.Locker)
}

func mustLock(t *testing.T, l gincache.Locker, key string, ttl time.Duration) string {
	t.Helper()
	token, ok, err := l.TryLock(ctx(t), key, ttl)
	if err != nil || !ok || token == "" {
		t.Fatalf("TryLock(%q) = %q, %v, %v; want a token, true, nil", key, token, ok, err)
	}
	return token
}

func mustBeLocked(t *testing.T, l gincache.Locker, key string) {
	t.Helper()
	token, ok, err := l.TryLock(ctx(t), key, time.Minute)
	if err != nil || ok {
		t.Fatalf("TryLock(%q) of a held lock = %q, %v, %v; want false, nil", key, token, ok, err)
	}
}

func mustUnlock(t *testing.T, l gincache.Locker, key, token string) {
	t.Helper()
	if err := l.Unlock(ctx(t), key, token); err != nil {
		t.Fatalf("Unlock(%q): %v; want nil", key, err)
	}
}

func testLockHeld(t *testing.T, h Harness) {
	l := newLocker(t, h)
	mustLock(t, l, "example.com/", time.Minute)
	mustBeLocked(t, l, "example.com/")
}

func testUnlockWrongToken(t *testing.T, h Harness) {
	l := newLocker(t, h)
	token := mustLock(t, l, "k", time.Minute)
	mustUnlock(t, l, "k", token+"x")
	mustUnlock(t, l, "k", "")
	mustBeLocked(t, l, "k")
}

func testUnlockFrees(t *testing.T, h Harness) {
	l := newLocker(t, h)
	token := mustLock(t, l, "k", time.Minute)
	mustUnlock(t, l, "k", token)
	second := mustLock(t, l, "k", time.Minute)
	// The first holder's token is spent: it cannot release the second's lock.
	mustUnlock(t, l, "k", token)
	mustBeLocked(t, l, "k")
	mustUnlock(t, l, "k", second)
}

func testUnlockUnheld(t *testing.T, h Harness) {
	mustUnlock(t, newLocker(t, h), "never-locked", "no-token")
}

func testLockExpiry(t *testing.T, h Harness) {
	if h.Advance == nil {
		t.Skip("store's clock cannot be advanced; its own tests check the TTL it sets")
	}
	l := newLocker(t, h)
	first := mustLock(t, l, "k", 10*time.Second)
	h.Advance(t, 9*time.Second)
	mustBeLocked(t, l, "k")
	h.Advance(t, 2*time.Second)
	second := mustLock(t, l, "k", 10*time.Second)
	// A holder that outlived its lock must not release the next one.
	mustUnlock(t, l, "k", first)
	mustBeLocked(t, l, "k")
	mustUnlock(t, l, "k", second)
	mustLock(t, l, "k", 10*time.Second)
}

func testLockDistinctKeys(t *testing.T, h Harness) {
	l := newLocker(t, h)
	tokens := make([]string, len(taggedKeys))
	for i, k := range taggedKeys {
		tokens[i] = mustLock(t, l, k, time.Minute)
	}
	mustUnlock(t, l, taggedKeys[0], tokens[0])
	mustLock(t, l, taggedKeys[0], time.Minute)
	for _, k := range taggedKeys[1:] {
		mustBeLocked(t, l, k)
	}
}

// testLockSeparateFromEntries: a lock and an entry under the same key do not
// touch each other.
func testLockSeparateFromEntries(t *testing.T, h Harness) {
	s := h.New(t)
	l := s.(gincache.Locker)
	mustSet(t, s, "k", Sample("k"), time.Minute)
	token := mustLock(t, l, "k", time.Minute)
	mustGet(t, s, "k", Sample("k"))
	if err := s.Delete(ctx(t), "k"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustBeLocked(t, l, "k")
	mustSet(t, s, "k", Sample("again"), time.Minute)
	mustUnlock(t, l, "k", token)
	mustGet(t, s, "k", Sample("again"))
}

func testLockTokensUnique(t *testing.T, h Harness) {
	l := newLocker(t, h)
	seen := map[string]bool{}
	for i := range 50 {
		key := fmt.Sprint("k", i%2)
		token := mustLock(t, l, key, time.Minute)
		if seen[token] {
			t.Fatalf("TryLock #%d returned token %q again; want a new one each call", i, token)
		}
		seen[token] = true
		mustUnlock(t, l, key, token)
	}
}

// testLockConcurrent: of goroutines racing for one lock, exactly one wins.
func testLockConcurrent(t *testing.T, h Harness) {
	l := newLocker(t, h)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins []string
	)
	for range 8 {
		wg.Go(func() {
			token, ok, err := l.TryLock(ctx(t), "contended", time.Minute)
			if err != nil {
				t.Errorf("TryLock: %v", err)
				return
			}
			if ok {
				mu.Lock()
				wins = append(wins, token)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("%d goroutines took the lock; want exactly 1", len(wins))
	}
	mustUnlock(t, l, "contended", wins[0])
}
