// Package tiered is a two-tier gincache.Store: a small in-process store in
// front of a shared one, for applications that run several replicas on
// Redis.
//
// A Redis hit costs a network round trip and the decoding of the entry —
// tens of microseconds, more than rendering a cheap page. With tiered, each
// replica keeps what it reads from Redis in its own memstore for a short
// local TTL, so a hot page is served at memory speed on every replica (a
// local hit is the memstore hit: the same *gincache.Entry, no copy, no
// decoding), while Redis stays the shared truth: every write goes to Redis
// first, every miss asks it, and a page rendered on one replica is a hit on
// all of them.
//
// Quick start:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
//	store := tiered.New(
//		memstore.New(memstore.WithMaxBytes(64<<20)), // local: this replica's memory
//		redisstore.New(rdb, redisstore.WithPrefix("myapp:")), // remote: shared by every replica
//		tiered.WithBus(redisstore.NewBus(rdb, "myapp:invalidate")),
//	)
//	defer store.Close()
//	cache := gincache.New(store)
//	r.GET("/", cache.Handler(gincache.Policy{Public: true, ServerTTL: time.Minute}), index)
//
// # What each call does
//
// Get asks the local tier, then the remote one; a remote hit is copied into
// the local tier for the local TTL (WithLocalTTL, default 2s). Set and
// SetTagged store in the remote tier, then in the local one, then announce
// the key on the Bus (WithBus), so every other replica drops its older copy.
// Delete and PurgeTags delete from the remote tier, then the local one, then
// publish an Invalidation on the Bus, on which every replica listens and
// drops its own local copies. A replica ignores its own messages, so its
// fresh copy stays. TryLock and Unlock go to the remote tier, so a page
// missing everywhere is still rendered by one replica at a time.
//
// # How stale a replica can be
//
//   - A store, purge or delete on replica A reaches replica B's local tier
//     when B receives the message: on loopback Redis with four replicas,
//     about 0.1 ms after A's Set returned at the median (redisstore's
//     TestTieredStorePropagation logs it). A Set does not wait for the
//     message: one goroutine announces what was stored, coalescing a
//     burst into few messages.
//   - A message can be lost — B was reconnecting to Redis, Redis restarted
//     or failed over, or B had not subscribed yet — and then B serves its
//     copy for at most the local TTL. B knows: Stats.Coherent is false, and
//     Stats.CoherentFrom says when every copy that may have missed a
//     message has expired (at most the local TTL after the gap);
//     Stats.Resubscriptions and Stats.SubscriptionsLost count the gaps.
//   - Without a bus, the local TTL alone bounds both.
//
// So a page's staleness on any replica is at most the local TTL on top of
// what its policy allows anyway, and about a round trip while coherent; and
// a copy is never served past the policy's ServerTTL (and stale windows),
// since the middleware judges freshness from the entry's StoredAt, wherever
// it was found.
//
// # Tags and locks
//
// Store always has the methods of gincache.Tagger and gincache.Locker, but
// they work only as far as the remote store does: when it keeps no tags,
// PurgeTags returns gincache.ErrTagsUnsupported (and the middleware's
// invalidation after an unsafe request, which purges by tag, fails the same
// way), and when it has no locks, TryLock returns ErrLocksUnsupported.
// redisstore has both. When the remote store keeps tags the local one must
// too (memstore does); New panics otherwise.
//
// An Entry does not carry its tags, so tiered stores them with it in the
// remote tier, in a header field no HTTP message can hold (" Tiered-Tags",
// which Get takes out again): a copy another replica takes from Redis knows
// its tags, and a tag purge drops only the copies it names. A copy of an
// entry stored without the field (by a plain redisstore, or an older
// tiered) has unknown tags and goes with every tag purge.
//
// Store is gincache.Bounded: a tier that does not bound its own calls gets
// the Store's deadline (WithTimeout), and with memstore and redisstore, which
// do, a local hit runs no timer at all.
package tiered
