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
// JSON answers. Each entry weighs roughly its key, body, ETag and header bytes
// plus a fixed overhead; when the total passes the bound, otter's W-TinyLFU
// policy evicts the entries least likely to be asked for again. An entry
// heavier than the whole bound is not stored at all. Every entry also expires
// after the TTL it was stored with.
//
// Quick start:
//
//	store := memstore.New(memstore.WithMaxBytes(256 << 20))
//	cache := gincache.New(store)
//	r := gin.New()
//	r.GET("/report", cache.Handler(gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: 5 * time.Minute}), report)
//
// Tests control expiry with WithClock instead of sleeping.
package memstore
