package gincache

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// route is a Policy compiled once, when the route is registered: everything
// that depends only on configuration is computed here, so the request path
// only looks things up.
type route struct {
	c             *Cache
	p             Policy
	cc            []string // the policy's Cache-Control
	vary          []string // canonical names from Policy.Vary
	tags          []string // the policy's tags, prefixed
	store         bool     // ServerTTL > 0
	storeTTL      time.Duration
	honourNoCache bool
	shared        bool // Policy.SharedCache: the response says how it is cached
}

var (
	noStoreCC    = []string{"no-store"}
	bypassStatus = []string{forwardStatus(fwdBypass, false, "")}
	methodStatus = []string{forwardStatus(fwdMethod, false, "")}
	onlyIfCached = []string{cacheName + "; detail=only-if-cached"}
)

// Handler returns middleware that caches the route's responses under p.
// Register it on the route (or a group) just before the handler:
//
//	r.GET("/", cache.Handler(gincache.Policy{Public: true, NoCache: true, MaxAge: 2 * time.Minute, ServerTTL: 5 * time.Minute}), index)
//
// It panics with a "gincache:" message when p contradicts itself (see
// Policy.Validate), so the mistake shows at start-up, never while serving.
//
// The decision tree runs before the rest of the chain: a stored response is
// replayed (or answered 304) without running the handler; otherwise the
// handler's response is buffered, given validators and Cache-Control,
// stored when it may be, and sent. Concurrent misses for one key share one
// render. A successful POST, PUT, PATCH or DELETE through it invalidates the
// stored responses of its path.
func (c *Cache) Handler(p Policy) gin.HandlerFunc {
	if err := p.Validate(); err != nil {
		panic(err.Error())
	}
	if p.NoStore && p.ServerTTL == 0 {
		return NoStore()
	}
	rt := &route{
		c:             c,
		p:             p,
		cc:            []string{p.CacheControl()},
		vary:          canonicalVary(p.Vary),
		store:         p.ServerTTL > 0,
		storeTTL:      p.ServerTTL + max(p.StaleWhileRevalidate, p.StaleIfError),
		honourNoCache: c.cfg.honourNoCache && !p.IgnoreRequestNoCache,
	}
	for _, t := range p.Tags {
		rt.tags = append(rt.tags, c.cfg.prefix+t)
	}
	if p.SharedCache {
		rt.shared, rt.cc, rt.storeTTL = true, nil, p.ServerTTL
	}
	return rt.handle
}

// handle is the one entry point of every route Handler returns, whatever its
// mode, so that Default and Audit recognise each as a route's own policy.
func (rt *route) handle(gc *gin.Context) {
	if rt.shared {
		rt.serveShared(gc)
		return
	}
	rt.serve(gc)
}

// miss is what serve decided for a request the handler will render.
type miss struct {
	key    string
	store  bool   // the response may be stored
	fwd    string // Cache-Status forward reason
	detail string
	fresh  bool    // only a render started after the request came will do (no-cache)
	stale  *Entry  // within StaleIfError: served if the handler fails (R7)
	flight *flight // set when this request renders for others waiting on key
	token  string  // the cross-replica render lock this request holds

	// SharedCache routes only.
	revalidate *Entry       // the stale entry the handler is asked to validate
	index      *Entry       // the Vary index the request was looked up under
	sent       time.Time    // when the request went to the handler, for Age (RFC 9111 §4.2.3)
	asked      cacheControl // what the request's Cache-Control allows (RFC 9111 §5.2.1)
}

func (rt *route) serve(gc *gin.Context) {
	rd, ok := rt.begin(gc)
	if !ok {
		return
	}
	req := gc.Request
	lookup := rt.store
	m := miss{
		store: rt.store && req.Method == http.MethodGet && !rd.noStore, // S1, S7
		fwd:   fwdURIMiss,
	}
	if !rt.store {
		m.fwd = fwdBypass
	}
	switch {
	case hasContent(req):
		lookup, m.store, m.fwd, m.detail = false, false, fwdBypass, detailRequestBody
	case req.Header.Get("Range") != "": // S10
		lookup, m.store, m.fwd, m.detail = false, false, fwdBypass, "range"
	case !rt.p.Public && req.Header.Get("Authorization") != "": // S6
		lookup, m.store, m.fwd, m.detail = false, false, fwdBypass, "authorization"
	case rd.noCache && rt.honourNoCache && lookup: // R4
		lookup, m.fwd, m.fresh = false, fwdRequest, true
	}

	if rt.store {
		m.key = rt.key(gc)
	}
	if lookup {
		e, err := rt.c.get(req.Context(), m.key)
		if err == nil && isVaryIndex(e) {
			err = ErrNotFound // a SharedCache route's, under the same URL
		}
		switch {
		case err == nil:
			var done bool
			if done, m.stale = rt.serveStored(gc, e, m.key); done {
				return
			}
			if m.stale != nil {
				m.fwd = fwdStale
			}
		case !errors.Is(err, ErrNotFound):
			m.detail = "store-error"
		}
	}
	if rd.onlyIfCached { // R5
		onlyIfCachedMiss(gc)
		return
	}
	rt.miss(gc, m, lookup)
}

// begin is what every route does first: answer Audit, pass methods other
// than GET and HEAD through (invalidating after a success), and read the
// request's Cache-Control. ok is false when the request is answered.
func (rt *route) begin(gc *gin.Context) (rd requestDirectives, ok bool) {
	if describing(gc, description{policy: rt.p}) {
		return rd, false
	}
	if m := gc.Request.Method; m != http.MethodGet && m != http.MethodHead {
		rt.bypassMethod(gc)
		return rd, false
	}
	return parseRequestDirectives(gc.Request.Header), true
}

// onlyIfCachedMiss answers a request with only-if-cached that the store
// cannot: 504 (RFC 9111 §5.2.1.7, RFC-CHECKLIST R5).
func onlyIfCachedMiss(gc *gin.Context) {
	h := gc.Writer.Header()
	h[headerCacheState] = onlyIfCached
	h[headerXCache] = xMiss
	gc.AbortWithStatus(http.StatusGatewayTimeout)
}

// bypassMethod passes a request of another method than GET or HEAD to the
// handler, and invalidates what is stored for its target after a success (R6).
func (rt *route) bypassMethod(gc *gin.Context) {
	h := gc.Writer.Header()
	h[headerCacheState] = methodStatus
	h[headerXCache] = xMiss
	rt.c.observe(gc, EventBypass, fwdMethod, 0)
	gc.Next()
	rt.c.invalidateAfter(gc) // R6
}

// miss has the handler render the response, sharing the render with
// concurrent requests for the key when it may be stored: requests that
// looked the key up, and hard reloads, which share a render started after
// they came (see flights.joinAfter). It takes m by
// value so that m stays on the stack on the hit path.
func (rt *route) miss(gc *gin.Context, m miss, looked bool) {
	if (looked || m.fresh) && m.store && rt.coalesce(gc, &m) {
		return
	}
	rt.render(gc, &m)
}

// serveStored answers from a stored entry when it is fresh, or stale within
// StaleWhileRevalidate (R7: at once, with one background refresh). An entry
// within StaleIfError is returned as the fallback of the render to come.
func (rt *route) serveStored(gc *gin.Context, e *Entry, key string) (done bool, stale *Entry) {
	age := rt.c.cfg.now().Sub(e.StoredAt)
	switch {
	case age < rt.p.ServerTTL:
		rt.replay(gc, e, servedFresh, age, 0)
		return true, nil
	case age < rt.p.ServerTTL+rt.p.StaleWhileRevalidate:
		rt.replay(gc, e, servedStale, age, 0)
		rt.refresh(gc, key, nil, nil)
		return true, nil
	case age < rt.p.ServerTTL+rt.p.StaleIfError:
		return false, e
	}
	return false, nil
}

// key is the store key: the prefix, the scheme when it is https, the
// policy's key or the default one, and the values of the headers the policy
// varies on (R3).
func (rt *route) key(gc *gin.Context) string {
	var k string
	if rt.p.Key != nil {
		k = rt.p.Key(gc)
	} else {
		k = Key(gc.Request)
	}
	if rt.c.cfg.https(gc.Request) { // RFC 9111 §2: the target URI, scheme included
		return rt.c.cfg.prefix + httpsMark + varySuffix(k, gc.Request.Header, rt.vary)
	}
	return rt.c.cfg.prefix + varySuffix(k, gc.Request.Header, rt.vary)
}
