package memstore

import (
	"context"

	"github.com/maypok86/otter/v2"

	"github.com/gincache/gincache"
)

var _ gincache.Rewriter = (*Store)(nil)

// Rewrite replaces the entry under each of keys with f's result, keeping
// its tags and the time it has left in the store, for gincache's soft
// purge. An entry replaced or removed while f runs is left alone.
func (s *Store) Rewrite(_ context.Context, f func(*gincache.Entry) *gincache.Entry, keys ...string) error {
	for _, k := range keys {
		s.rewrite(k, f)
	}
	return nil
}

// RewriteTags rewrites, as Rewrite does, every entry stored with any of tags.
func (s *Store) RewriteTags(ctx context.Context, f func(*gincache.Entry) *gincache.Entry, tags ...string) error {
	if len(tags) == 0 {
		return nil
	}
	return s.Rewrite(ctx, f, s.index.keys(tags)...) // collected under the index's lock, rewritten outside it
}

func (s *Store) rewrite(key string, f func(*gincache.Entry) *gincache.Entry) {
	cur, ok := s.cache.GetEntryQuietly(key)
	if !ok || cur.HasExpired() {
		return
	}
	ne := f(cur.Value.entry)
	left := cur.ExpiresAfter()
	if ne == nil || left <= 0 {
		return
	}
	it := cur.Value
	it.entry, it.ttl = ne, left
	if it.tags != nil {
		// A new identity in the index: the replacement makes otter forget
		// the old value's entries (see tagged).
		it.tags = &tagged{tags: it.tags.tags}
		s.index.add(key, it.tags)
	}
	replaced := false
	s.cache.ComputeIfPresent(key, func(old item) (item, otter.ComputeOp) {
		if old.entry != cur.Value.entry {
			return old, otter.CancelOp // stored again meanwhile: the newer entry stays
		}
		replaced = true
		return it, otter.WriteOp
	})
	if !replaced && it.tags != nil {
		s.index.forget(key, it.tags)
	}
}
