// Package gincache is per-route HTTP caching for the Gin web framework, on
// both sides of the wire.
//
// On the client side, each route gets the Cache-Control its Policy describes
// (no-store, no-cache, must-revalidate, private or public, max-age, s-maxage,
// immutable, stale-*), a strong ETag derived from the body, a Last-Modified,
// and 304 Not Modified answers to If-None-Match and If-Modified-Since, as
// RFC 9110 and RFC 9111 say.
//
// On the server side, the whole response (status, headers, body and
// validators) is buffered and kept in a Store keyed by host, path and query:
// memstore in process memory, or redisstore so that every replica shares one
// cache. The decision runs before the handler, so a hit never runs it.
//
// It grew from two blog posts about Flask — a caching decorator that follows
// the HTTP cache decision tree, and a "nocache" decorator — and fixes their
// rough edges: ETags are deterministic (the same bytes give the same tag on
// every replica), private pages are never shared between users, and a client's
// hard reload is honoured.
//
// Quick start:
//
//	cache := gincache.New(memstore.New())
//	r := gin.New()
//	r.GET("/", cache.Handler(gincache.Policy{
//		Public:    true,
//		NoCache:   true,             // clients revalidate on every use…
//		MaxAge:    2 * time.Minute,
//		ServerTTL: 5 * time.Minute,  // …and the server renders at most every 5 minutes
//	}), index)
//	r.GET("/api/items", gincache.NoStore(), listItems) // never cached anywhere
//
// A handler that knows better than a fixed policy — an API whose freshness
// depends on its data, or an httputil.ReverseProxy in front of another
// service — takes Policy{SharedCache: true}: the route then behaves as an
// RFC 9111 shared cache, storing what the response's own Cache-Control,
// Expires and Vary allow and revalidating stale copies with the handler.
//
// Every response of a caching route says what happened in Cache-Status
// (RFC 9211), e.g. "gincache; hit; ttl=297" or "gincache; fwd=uri-miss; stored",
// and in the X-Cache field many tools already read: MISS, "HIT from Server" or, for a 304,
// "HIT from Client".
package gincache
