package gincache

import (
	"time"

	"github.com/gin-gonic/gin"
)

// decisionsKey is the gin.Context key under which the handler's say about
// its own response is collected (StoreFor, ClientMaxAge, DoNotStore).
type decisionsKey struct{}

// decisions is what the handler said about the response it rendered. The
// zero value says nothing: the policy decides everything.
type decisions struct {
	serverTTL    time.Duration // with hasServerTTL: this response's lifetime in the store
	hasServerTTL bool
	maxAge       time.Duration // with hasMaxAge: this response's client max-age
	hasMaxAge    bool
	noStore      bool // DoNotStore: keep this one out of the store
}

func decide(c *gin.Context, f func(*decisions)) {
	var d decisions
	if v, ok := c.Get(decisionsKey{}); ok {
		d, _ = v.(decisions)
	}
	f(&d)
	c.Set(decisionsKey{}, d)
}

// decisionsOf returns what the handler rendering on c said, if anything.
func decisionsOf(c *gin.Context) decisions {
	if c == nil || c.Keys == nil {
		return decisions{}
	}
	d, _ := c.Keys[decisionsKey{}].(decisions)
	return d
}

// StoreFor gives the response the handler is rendering its own lifetime in
// the store, shorter or longer than the route's Policy.ServerTTL: a page
// about an event that ends in ten minutes, a search that found nothing. It
// is bounded by Policy.MaxServerTTL (the ServerTTL itself when that is zero,
// so a handler can only shorten unless the policy lets it do more); d of
// zero or less stores nothing, as DoNotStore does. The lifetime travels with
// the entry (Entry.Lifetime), so every replica serves it for as long, and
// the stale windows (StaleWhileRevalidate, StaleIfError) follow it. A route
// that stores nothing (ServerTTL 0) and a SharedCache route ignore it.
func StoreFor(c *gin.Context, d time.Duration) {
	decide(c, func(x *decisions) { x.serverTTL, x.hasServerTTL = d, true })
}

// ClientMaxAge gives the response the handler is rendering its own
// Cache-Control max-age, in whole seconds (RFC 9111 §5.2.2.1), instead of
// the policy's MaxAge; the rest of the policy's Cache-Control is kept. It is
// bounded by the longer of the policy's MaxAge and the response's lifetime
// in the store, so no client keeps a page longer than the server would; a
// d of zero or less sends max-age=0 (and drops immutable, which needs a
// lifetime). It is stored with the response, so a hit sends it too. A
// handler's own Cache-Control header still wins over it; a SharedCache
// route ignores it (the response's own Cache-Control decides there).
func ClientMaxAge(c *gin.Context, d time.Duration) {
	decide(c, func(x *decisions) { x.maxAge, x.hasMaxAge = max(d, 0), true })
}

// DoNotStore keeps the response the handler is rendering out of the store,
// whatever the policy says: a page rendered from a fallback, a result that
// is not final. The client still gets the policy's Cache-Control (set a
// "no-store" Cache-Control yourself to keep it out of every cache), and the
// Cache-Status says detail=handler. Requests waiting on this render
// (coalesced) render for themselves: none gets what the handler said not to
// keep.
func DoNotStore(c *gin.Context) {
	decide(c, func(x *decisions) { x.noStore = true })
}

// serverLifetime is how long the response the handler said d about is
// fresh in the store: the policy's ServerTTL, or the handler's within the
// policy's bound. custom reports that the handler chose it, so that it is
// written into the entry.
func (rt *route) serverLifetime(d decisions) (lifetime time.Duration, custom bool) {
	if !d.hasServerTTL {
		return rt.p.ServerTTL, false
	}
	limit := rt.p.ServerTTL
	if rt.p.MaxServerTTL > 0 {
		limit = rt.p.MaxServerTTL
	}
	lt := min(d.serverTTL, limit)
	return lt, lt != rt.p.ServerTTL
}

// clientCacheControl is the Cache-Control for a response whose handler
// chose its max-age, bounded as ClientMaxAge says; lifetime is the
// response's lifetime in the store.
func (rt *route) clientCacheControl(d decisions, lifetime time.Duration) []string {
	p := rt.p
	p.MaxAge = min(d.maxAge, max(p.MaxAge, lifetime)).Truncate(time.Second)
	if p.MaxAge == 0 {
		p.Immutable = false
	}
	return []string{p.CacheControl()}
}
