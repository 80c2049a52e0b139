// Package memstore is a gincache.Store that keeps entries in the memory of
// the process, for a single replica or as the first tier in front of a shared
// store.
//
// It holds *gincache.Entry values as they are: Get hands back the very entry
// that Set stored, with no copy and no decoding, which is what makes a hit
// from memory cheap. That is safe because entries are immutable once stored
// (see gincache.Store).
//
// The store is bounded by bytes, not by entry count, because a cache of pages
// is sized by memory: one 10 MiB report weighs as much as ten thousand small
// JSON answers. Each entry weighs roughly its key, body (and its other codings, see gincache.WithCompression), ETag and header bytes
// plus a fixed overhead; when the total passes the bound, otter's W-TinyLFU
// policy evicts the entries least likely to be asked for again. An entry
// heavier than the whole bound is not stored at all. Every entry also expires
// after the TTL it was stored with, to within a fifth of a second (Get).
//
// Quick start:
//
//	store := memstore.New(memstore.WithMaxBytes(256 << 20))
//	cache := gincache.New(store)
//	r := gin.New()
//	r.GET("/report", cache.Handler(gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: 5 * time.Minute}), report)
//
// # Tags
//
// The store is a gincache.Tagger: SetTagged stores an entry with tags
// (surrogate keys such as "user:42"), and PurgeTags deletes every entry
// carrying any of them. An index from each tag to its keys lives beside the
// entries, and otter reports every deletion of an entry — purge, Delete,
// replacement by a newer Set, eviction, expiry — so the entry's tags leave the
// index as the entry leaves the store: the index never holds more than the
// store does, and its tags count towards each entry's weight. Expired entries,
// and so their tags, are swept once a second (with WithClock, during later
// writes).
//
// The store is not a gincache.Locker: within one process the middleware
// coalesces concurrent renders itself, and there is no other replica to wait
// for.
//
// Tests control expiry with WithClock instead of sleeping.
package memstore
