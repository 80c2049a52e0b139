package gincache

import (
	"context"
	"time"
)

// Rewriter is implemented by stores that can replace stored entries in
// place, for soft purges (WithSoftPurge). It is optional, found by type
// assertion like Tagger: without it a soft purge deletes, as a hard one
// does. memstore, redisstore and tiered implement it.
type Rewriter interface {
	// Rewrite replaces the entry under each of keys with f's result,
	// keeping the time the entry has left in the store and its tags.
	// f must not modify its argument (entries are shared); it returns a
	// new entry, or nil to leave the old one. Missing keys are skipped. An
	// entry stored again while Rewrite runs is left as it was stored.
	Rewrite(ctx context.Context, f func(*Entry) *Entry, keys ...string) error
	// RewriteTags does what Rewrite does for every entry stored with any of
	// tags (see Tagger.SetTagged). Unknown tags are not an error.
	RewriteTags(ctx context.Context, f func(*Entry) *Entry, tags ...string) error
}

// WithSoftPurge makes Purge, PurgeTags, PurgeURL and PurgeHandler mark
// entries stale instead of deleting them, when the store is a Rewriter. The
// next request for a route with StaleWhileRevalidate is then served the
// stale copy at once while one background refresh renders the page again
// (RFC 5861 §3), so purging a popular page does not make every request
// that comes meanwhile wait for a render. A route without
// StaleWhileRevalidate renders on the next request as after a hard purge,
// with StaleIfError's fallback still there if the render fails (RFC 5861
// §4). The hit path is unchanged, one store command; the purge pays
// instead, rewriting each matched entry.
//
// An entry is marked stale by ending its lifetime at the purge: its Age
// stays what it was, and the stale window is the route's
// StaleWhileRevalidate from the purge on. The invalidation after a
// successful unsafe request (RFC 9111 §4.4) always deletes, so a client
// reads its own write.
func WithSoftPurge() Option {
	return optionFunc(func(c *config) { c.softPurge = true })
}

// staleAt returns the rewrite a soft purge at now applies: the entry's
// lifetime ends at now, so the first request after it finds the entry
// stale (age ≥ lifetime) and within the stale windows that follow. An entry
// whose own lifetime has already ended, and a SharedCache route's Vary
// index, are left as they are.
func staleAt(now time.Time) func(*Entry) *Entry {
	return func(e *Entry) *Entry {
		if e == nil || isVaryIndex(e) {
			return nil
		}
		age := now.Sub(e.StoredAt)
		if e.Lifetime > 0 && age >= e.Lifetime {
			return nil
		}
		s := *e
		s.Lifetime = max(age, time.Nanosecond) // zero would mean the route's ServerTTL
		s.StoredAt = now.Add(-s.Lifetime)      // earlier only for an entry stored at now
		return &s
	}
}

// softDelete marks the entries under keys stale, or deletes them when the
// store cannot rewrite or soft purges are off.
func (c *Cache) softDelete(ctx context.Context, keys ...string) error {
	rw, ok := c.store.(Rewriter)
	if !c.cfg.softPurge || !ok {
		return c.delete(ctx, keys...)
	}
	start := c.latencyStart()
	err := rw.Rewrite(ctx, staleAt(c.cfg.now()), keys...)
	c.observeStore(ctx, "purge", start, err)
	return err
}

// softPurgeTags marks the entries of tags stale, or purges them when the
// store cannot rewrite or soft purges are off.
func (c *Cache) softPurgeTags(ctx context.Context, tg Tagger, tags ...string) error {
	rw, ok := c.store.(Rewriter)
	if !c.cfg.softPurge || !ok {
		return c.purgeTags(ctx, tg, tags...)
	}
	start := c.latencyStart()
	err := rw.RewriteTags(ctx, staleAt(c.cfg.now()), tags...)
	c.observeStore(ctx, "purge", start, err)
	return err
}
