package memstore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/gincache/gincache"
)

// tagWeight approximates what one tag of an entry costs beyond its bytes: the
// slice element and the index's map entries.
const tagWeight = 64

// tagged is the tag list of one stored value. Its address is the identity of
// that value in the index: a key stored again gets a new tagged, so the
// deletion of the old value can tell its own index entries from the new
// value's, whichever of two concurrent stores of the key otter keeps.
type tagged struct {
	tags []string
}

// tagIndex maps each tag to the keys whose current value carries it. It holds
// only keys the cache holds (or is about to): otter reports every deletion of
// a value — invalidation, replacement, eviction, expiry — to forget, which
// removes the value's entries, so the index is bounded by the cache.
//
// Lock order: otter calls forget under its bucket lock, and forget takes mu;
// so nothing may call the cache while holding mu.
type tagIndex struct {
	mu   sync.Mutex
	tags map[string]map[string][]*tagged // tag -> key -> the values that put it there
}

// add records that the value t, about to be stored under key, carries its
// tags. It runs before the value is in the cache, so the value's deletion
// always finds its entries to remove.
func (x *tagIndex) add(key string, t *tagged) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.tags == nil {
		x.tags = make(map[string]map[string][]*tagged)
	}
	for _, tag := range t.tags {
		keys := x.tags[tag]
		if keys == nil {
			keys = make(map[string][]*tagged)
			x.tags[tag] = keys
		}
		// Usually one value; more while stores of the key race, until
		// otter has replaced all but one of them.
		if !slices.Contains(keys[key], t) {
			keys[key] = append(keys[key], t)
		}
	}
}

// forget removes the entries that the value t under key put in the index,
// and no one else's: a newer value under key may already have added its own.
func (x *tagIndex) forget(key string, t *tagged) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, tag := range t.tags {
		keys := x.tags[tag]
		owners, ok := keys[key]
		if !ok {
			continue // a repeated tag, already forgotten
		}
		if owners = slices.DeleteFunc(owners, func(o *tagged) bool { return o == t }); len(owners) > 0 {
			keys[key] = owners
			continue
		}
		delete(keys, key)
		if len(keys) == 0 {
			delete(x.tags, tag)
		}
	}
}

// keys returns the keys whose values carry any of tags.
func (x *tagIndex) keys(tags []string) []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []string
	seen := make(map[string]bool)
	for _, tag := range tags {
		for k := range x.tags[tag] {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// len reports how many (tag, key) pairs the index holds, for tests.
func (x *tagIndex) len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := 0
	for _, keys := range x.tags {
		n += len(keys)
	}
	return n
}

// SetTagged stores e under key for ttl, as Set does, and records its tags so
// that PurgeTags can find it. The tags are forgotten when the entry leaves
// the store for any reason, so the index never outgrows the store; they
// count towards the entry's weight.
func (s *Store) SetTagged(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration, tags []string) error {
	if len(tags) == 0 {
		return s.Set(ctx, key, e, ttl)
	}
	return s.set(key, e, ttl, &tagged{tags: append([]string(nil), tags...)})
}

// PurgeTags deletes every entry stored with any of tags. An entry stored
// under one of the keys while the purge runs may be deleted too.
func (s *Store) PurgeTags(_ context.Context, tags ...string) error {
	if len(tags) == 0 {
		return nil
	}
	// Collected under the index's lock, invalidated outside it: otter
	// calls forget, which takes that lock, while deleting.
	for _, k := range s.index.keys(tags) {
		s.cache.Invalidate(k)
	}
	return nil
}
