package gincache

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is what a Store returns from Get when it holds nothing under the
// key, or only an expired or undecodable entry. Check it with errors.Is: the
// middleware treats it as an ordinary miss, and every other error as a store
// fault (a miss too, but logged and counted).
var ErrNotFound = errors.New("gincache: entry not found")

// Store keeps rendered responses between requests, shared by every route of
// a Cache (and, for a networked store, by every replica).
//
// It is deliberately small: the middleware needs nothing else on its request
// path. Every call gets a context with a deadline; a store must return when it
// expires. Entries handed to Set and returned by Get are shared and must not be
// modified by anyone once stored.
type Store interface {
	// Get returns the entry stored under key, or ErrNotFound.
	Get(ctx context.Context, key string) (*Entry, error)
	// Set stores e under key for ttl, replacing any earlier entry.
	// A ttl of zero or less stores nothing.
	Set(ctx context.Context, key string, e *Entry, ttl time.Duration) error
	// Delete removes the entries under keys. Missing keys are not an error.
	Delete(ctx context.Context, keys ...string) error
}

// Bounded is implemented by stores whose every call returns promptly on its
// own: memstore never blocks, redisstore puts its own deadline on each
// command. The middleware then adds no deadline of its own to Get and Set
// (every store call has a deadline still holds): a timer per call would cost more than a
// memory lookup, and a second one under the store's is pure overhead.
type Bounded interface {
	Store
	// Bounded is a marker; it is never called.
	Bounded()
}

// Tagger is implemented by stores that can drop entries by tag (surrogate
// keys), for (*Cache).PurgeTags and for the invalidation that follows an
// unsafe request. It is optional: the middleware finds it by type assertion
// and, without it, stores with Set and purges exact keys only.
type Tagger interface {
	// SetTagged stores e under key for ttl, as Set does, and records that
	// the entry carries tags. The index must not outlive what it indexes
	// for long: an entry's tags expire with it or soon after.
	SetTagged(ctx context.Context, key string, e *Entry, ttl time.Duration, tags []string) error
	// PurgeTags deletes every entry stored with any of tags. Unknown tags
	// are not an error. Deleting more than asked (an entry that was
	// stored again since, under other tags) is allowed; keeping one that
	// carries a purged tag is not.
	PurgeTags(ctx context.Context, tags ...string) error
}

// Locker is implemented by stores shared between processes that can hold a
// short lock per key, so that when a popular page is missing only one
// replica renders it while the others wait briefly for the stored result.
// It is optional; memory stores have no use for it.
type Locker interface {
	// TryLock takes the lock named key for at most ttl, without waiting.
	// ok is false when another holder has it. The token proves ownership
	// to Unlock.
	TryLock(ctx context.Context, key string, ttl time.Duration) (token string, ok bool, err error)
	// Unlock releases the lock if token still holds it; a lock that
	// expired and was taken by another holder is left alone.
	Unlock(ctx context.Context, key, token string) error
}

// KeyBorrower is implemented by stores whose Get keeps no reference to its
// key once it returns (memstore and redisstore). The middleware then builds
// a hit's key in a reused buffer instead of a new string, so a hit with the
// default key allocates nothing for it; a key that outlives the request (a
// miss to store, a background refresh) is copied first. A store that
// keeps keys it was given to Get (a cache of recent misses, say) must not
// implement it.
type KeyBorrower interface {
	Store
	// BorrowsKeys is a marker; it is never called.
	BorrowsKeys()
}
