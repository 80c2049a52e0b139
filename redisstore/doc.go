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
// (PX, or EX when it is whole seconds), an invalidation one DEL (one per key,
// pipelined, on a cluster, whose keys live in different slots). Nothing on a
// request path scans the keyspace.
//
// Keys are the prefix (default "gincache:"), the layout version "v1:" and the
// cache key. A cache key longer than 200 bytes, or starting with "h:", is
// replaced by "h:" and the hex SHA-256 of it, so Redis keys stay bounded and a
// verbatim key never names a hashed one's slot; the value under a hashed key
// starts with the full cache key (a uvarint length, then the key), and a read
// whose key differs is a miss, so no collision can serve another page.
// Values are gincache.Entry.MarshalBinary bytes: compact, versioned and
// checksummed. A value that does not decode — corrupt, truncated, written by
// something else, or by a future format version — is a miss, and the next
// Set overwrites it.
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
// calls return ErrUnavailable at once, without touching Redis, for a back-off
// (default 1s, doubling after each failed probe up to 30s); then one call is
// let through as a probe, and its success closes the breaker. A miss is not a
// failure, nor is a call whose caller cancelled its context. The gincache
// middleware treats every store error as a miss and serves the handler's
// response, so an outage costs rendering, never an error page.
//
// Failures are counted (Stats) and logged to a *slog.Logger (WithLogger) at
// most once per 10 seconds, with the number of failures not logged.
package redisstore
