package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/gincache/gincache"
)

// RunRewriter runs the rewrite suite (gincache's soft purge) as subtests of
// t, or skips when the store does not implement gincache.Rewriter. Keys
// are varied, one of them hashed (over 200 bytes), so that on a Redis
// Cluster the entries of a tag live on different nodes.
func RunRewriter(t *testing.T, h Harness) {
	t.Helper()
	if _, ok := h.New(t).(gincache.Rewriter); !ok {
		t.Skip("store does not implement gincache.Rewriter")
	}
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"RewriteKeys", testRewriteKeys},
		{"RewriteTags", testRewriteTags},
		{"KeepsTagsAndTTL", testRewriteKeepsTagsAndTTL},
		{"StoredAgainWins", testRewriteStoredAgain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, h) })
	}
}

var longKey = "example.com/" + strings.Repeat("long/", 50)

// restamp returns a rewrite that gives each entry body "re:"+body and
// moves StoredAt an hour back, as a soft purge moves lifetimes.
func restamp(calls *int) func(*gincache.Entry) *gincache.Entry {
	return func(e *gincache.Entry) *gincache.Entry {
		*calls++
		n := *e
		n.Body = append([]byte("re:"), e.Body...)
		n.StoredAt = e.StoredAt.Add(-time.Hour)
		n.Lifetime = time.Minute
		return &n
	}
}

func want(body string) *gincache.Entry {
	e := Sample("re:" + body)
	e.StoredAt = e.StoredAt.Add(-time.Hour)
	e.Header["Content-Length"] = Sample(body).Header["Content-Length"]
	return e
}

func testRewriteKeys(t *testing.T, h Harness) {
	s := h.New(t)
	rw := s.(gincache.Rewriter)
	mustSet(t, s, "example.com/a", Sample("a"), time.Hour)
	mustSet(t, s, longKey, Sample("long"), time.Hour)
	mustSet(t, s, "example.com/other", Sample("other"), time.Hour)
	var calls int
	if err := rw.Rewrite(ctx(t), restamp(&calls), "example.com/a", longKey, "example.com/missing"); err != nil {
		t.Fatalf("Rewrite: %v", err)
	}
	if calls != 2 {
		t.Errorf("f ran %d times; want 2 (a missing key is skipped)", calls)
	}
	mustGet(t, s, "example.com/a", want("a"))
	mustGet(t, s, longKey, want("long"))
	mustGet(t, s, "example.com/other", Sample("other"))
	got, _ := s.Get(ctx(t), "example.com/a")
	if got.Lifetime != time.Minute {
		t.Errorf("Lifetime = %v; want the rewritten 1m0s", got.Lifetime)
	}
	// f returning nil leaves the entry.
	if err := rw.Rewrite(ctx(t), func(*gincache.Entry) *gincache.Entry { return nil }, "example.com/other"); err != nil {
		t.Fatalf("Rewrite: %v", err)
	}
	mustGet(t, s, "example.com/other", Sample("other"))
}

func testRewriteTags(t *testing.T, h Harness) {
	s := h.New(t)
	tg, ok := s.(gincache.Tagger)
	if !ok {
		t.Skip("store does not implement gincache.Tagger")
	}
	rw := s.(gincache.Rewriter)
	mustSetTagged(t, tg, "example.com/a", Sample("a"), time.Hour, "t", "a")
	mustSetTagged(t, tg, "example.com/b", Sample("b"), time.Hour, "t")
	mustSetTagged(t, tg, longKey, Sample("long"), time.Hour, "u")
	mustSetTagged(t, tg, "example.com/c", Sample("c"), time.Hour, "other")
	var calls int
	if err := rw.RewriteTags(ctx(t), restamp(&calls), "t", "a", "u", "unknown"); err != nil {
		t.Fatalf("RewriteTags: %v", err)
	}
	if calls != 3 {
		t.Errorf("f ran %d times; want 3 (an entry with two of the tags once)", calls)
	}
	mustGet(t, s, "example.com/a", want("a"))
	mustGet(t, s, "example.com/b", want("b"))
	mustGet(t, s, longKey, want("long"))
	mustGet(t, s, "example.com/c", Sample("c"))
}

// A rewritten entry keeps its tags (a purge still reaches it) and the time
// it had left in the store.
func testRewriteKeepsTagsAndTTL(t *testing.T, h Harness) {
	s := h.New(t)
	tg, ok := s.(gincache.Tagger)
	if !ok {
		t.Skip("store does not implement gincache.Tagger")
	}
	rw := s.(gincache.Rewriter)
	mustSetTagged(t, tg, "example.com/a", Sample("a"), time.Hour, "t")
	mustSetTagged(t, tg, "example.com/b", Sample("b"), 20*time.Second, "t")
	if h.Advance != nil {
		h.Advance(t, 10*time.Second)
	}
	var calls int
	if err := rw.RewriteTags(ctx(t), restamp(&calls), "t"); err != nil {
		t.Fatalf("RewriteTags: %v", err)
	}
	if h.Advance != nil {
		h.Advance(t, 11*time.Second) // b had 10s left
		mustMiss(t, s, "example.com/b")
	}
	mustGet(t, s, "example.com/a", want("a"))
	mustPurge(t, tg, "t")
	mustMiss(t, s, "example.com/a")
}

// An entry stored again while the rewrite runs is not replaced by the
// rewrite of the older one.
func testRewriteStoredAgain(t *testing.T, h Harness) {
	s := h.New(t)
	rw := s.(gincache.Rewriter)
	mustSet(t, s, "example.com/a", Sample("a"), time.Hour)
	err := rw.Rewrite(ctx(t), func(e *gincache.Entry) *gincache.Entry {
		mustSet(t, s, "example.com/a", Sample("newer"), time.Hour) // a render lands meanwhile
		n := *e
		n.StoredAt = e.StoredAt.Add(-time.Hour)
		return &n
	}, "example.com/a")
	if err != nil {
		t.Fatalf("Rewrite: %v", err)
	}
	mustGet(t, s, "example.com/a", Sample("newer"))
}
