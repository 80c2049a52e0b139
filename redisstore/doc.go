// Package redisstore is a gincache.Store on Redis, so every replica of a Gin
// application shares one cache: a page rendered by one replica is a hit on
// the next, with the same ETag and a consistent Age (both travel inside the
// stored entry), so a client revalidating against any replica gets its 304.
//
// Quick start:
//
//	rdb := redis.NewClient(&redis.Options{
//		Addr:                  "127.0.0.1:6379",
//		ContextTimeoutEnabled: true, // let the store's deadline cut a slow call
//	})
//	store := redisstore.New(rdb, redisstore.WithPrefix("myapp:"))
//	cache := gincache.New(store)
//	r.GET("/", cache.Handler(gincache.Policy{Public: true, ServerTTL: time.Minute}), index)
//
// New takes any redis.UniversalClient: a *redis.Client, a Sentinel failover
// client, or a *redis.ClusterClient. The caller owns the client; the store
// never closes it.
//
// # On the wire
//
// A hit is one GET, a store one SET carrying the TTL in whole milliseconds
// (PX, or EX when it is whole seconds) — with tags, one pipeline (see Tags) —
// an invalidation one DEL (one per key, pipelined, on a cluster, whose keys
// live in different slots). Nothing scans the keyspace.
//
// Keys are the prefix (default "gincache:"), the layout version "v1:" and the
// cache key. A cache key longer than 200 bytes, or starting with "h:", is
// replaced by "h:" and the hex SHA-256 of it, so Redis keys stay bounded and a
// verbatim key never names a hashed one's slot; the value under a hashed key
// starts with the full cache key (a uvarint length, then the key), and a read
// whose key differs is a miss, so no collision can serve another page.
// The names "h:", "t:" and "l:" after the version are namespaces (hashed
// keys, tag indexes, locks), so a cache key that starts like one is hashed as
// well, and an entry can never take the place of an index or a lock.
// Values are gincache.Entry.MarshalBinary bytes: compact, versioned and
// checksummed. A value that does not decode — corrupt, truncated, written by
// something else, or by a future format version — is a miss, and the next
// Set overwrites it.
//
// # Tags
//
// The store is a gincache.Tagger. Each tag has an index: a sorted set under
// prefix+"v1:t:t:"+tag (hashed like a long key when the tag is long) holding
// the Redis keys of the entries stored with it, each scored with its entry's
// expiry in Unix milliseconds. SetTagged is one round trip — a pipeline of
// the SET and, per tag, ZADD, ZREMRANGEBYSCORE of the members that expired
// (more than a few seconds ago, for clock skew), PEXPIRE NX and PEXPIRE GT —
// so an index holds the live entries of its tag, not every entry ever
// stored with it, and expires by itself a few seconds after the last of
// them. An entry stored again, under other tags or none, stays named by its
// old indexes until it expires, so purging an old tag deletes it as well
// (Tagger allows deleting more, never less). PEXPIRE's NX and GT need Redis
// 7.0 or later. Older versions kept a plain set under prefix+"v1:t:"+tag,
// which a purge still reads (SSCAN) and which expires by itself.
//
// PurgeTags reads the indexes in chunks of 1000: each round is one
// pipeline under a deadline of its own (the per-call one, at least 1 s), removing from the indexes the
// chunk the last round read (ZREM), deleting those entries (in the next
// round on a cluster) and reading the next chunk (ZRANGE), so purging n
// entries is about n/1000 + 1 round trips (+2 on a cluster), the whole
// under the caller's deadline (5 s when it has none), and no scan of the
// keyspace. A purge cut short returns an error and puts back what it had
// removed but perhaps not deleted. Pipelines, not transactions, are used throughout because on
// a cluster an entry and its indexes live in different slots. On one
// server this is exact: once a purge returns nil, no entry stored before
// it began carries a purged tag. On a cluster a store and a purge of the
// same entry that race each other within one round trip can leave that
// entry in place until its TTL ends, because a pipeline's commands reach
// different nodes in no set order.
//
// Under maxmemory, an index outlives its entries by a few seconds, so the
// volatile-ttl policy evicts entries first; the LRU and LFU policies may
// evict an index whose entries are still read, and a purge of its tag then
// misses them until they expire (see SetTagged).
//
// # Locks
//
// The store is a gincache.Locker, so when a popular page is missing only one
// replica renders it while the others wait briefly for the stored result.
// TryLock is one SET NX of prefix+"v1:l:"+key carrying the TTL and a token of
// 16 random bytes; Unlock runs a one-key Lua script that deletes the lock
// only while it still holds the caller's token, so a holder whose lock
// expired cannot release the next holder's. A holder that dies blocks the
// others for the lock's TTL at most. Both single-key, they work on a cluster.
//
// # When Redis is down or slow
//
// Every call runs under a deadline (WithTimeout, default 100ms) derived from
// the caller's context. go-redis applies context deadlines to its socket reads
// and writes only when the client's ContextTimeoutEnabled option is set;
// without it a hung server holds a call for the client's ReadTimeout, and New
// logs a warning.
//
// After consecutive failures (WithBreaker, default 5) a circuit breaker opens:
// calls — tags and locks included — return ErrUnavailable at once, without touching Redis, for a back-off
// (default 1s, doubling after each failed probe up to 30s); then one call is
// let through as a probe, and its success closes the breaker. A miss is not a
// failure, nor is a call whose caller cancelled its context. The gincache
// middleware treats every store error as a miss and serves the handler's
// response, so an outage costs rendering, never an error page.
//
// Failures are counted (Stats) and logged to a *slog.Logger (WithLogger) at
// most once per 10 seconds, with the number of failures not logged.
package redisstore
