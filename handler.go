package gincache

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/gin-gonic/gin"
)

// route is a Policy compiled once, when the route is registered: everything
// that depends only on configuration is computed here, so the request path
// only looks things up.
type route struct {
	c             *Cache
	p             Policy
	mode          mode         // what the fixed-policy and SharedCache routes decide differently
	cc            []string     // the policy's Cache-Control; nil on a SharedCache route
	cdn           cdnField     // the policy's CDN-Cache-Control (cdn.go)
	vary          []string     // canonical names from Policy.Vary
	tags          []string     // the policy's tags, prefixed
	query         *queryFilter // KeyQuery or IgnoreQuery; nil: the query is the client's
	store         bool         // ServerTTL > 0
	storeTTL      time.Duration
	honourNoCache bool
}

var (
	noStoreCC    = []string{"no-store"}
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
	if p.NoStore && p.ServerTTL == 0 && p.CDN.IsZero() {
		return NoStore()
	}
	rt := &route{
		c:             c,
		p:             p,
		cc:            []string{p.CacheControl()},
		cdn:           newCDNField(p),
		vary:          canonicalVary(p.Vary),
		store:         p.ServerTTL > 0,
		storeTTL:      p.ServerTTL + max(p.StaleWhileRevalidate, p.StaleIfError),
		honourNoCache: c.cfg.honourNoCache && !p.IgnoreRequestNoCache,
	}
	for _, t := range p.Tags {
		rt.tags = append(rt.tags, c.cfg.prefix+t)
	}
	switch {
	case p.KeyQuery != nil:
		rt.query = newQueryFilter(p.KeyQuery, true)
	case p.IgnoreQuery != nil:
		rt.query = newQueryFilter(p.IgnoreQuery, false)
	}
	rt.mode = fixedMode{rt}
	if p.SharedCache {
		rt.cc, rt.storeTTL = nil, p.ServerTTL
		rt.mode = sharedMode{rt}
	}
	return rt.handle
}

// plan is what the decision tree settled for a request before the handler
// runs: its key, whether its response may be stored, what Cache-Status will
// say, and what the render may fall back on or has to share.
type plan struct {
	key    string
	store  bool   // the response may be stored
	fresh  bool   // only a render started after the request came will do (no-cache)
	fwd    string // Cache-Status forward reason
	detail string
	stale  *Entry  // within stale-if-error: served if the handler fails (RFC 5861 §4)
	flight *flight // set when this request renders for others waiting on key
	token  string  // the cross-replica render lock this request holds
	ver    version // the current version, when the policy has a Version

	shared sharedPlan // a SharedCache route's own state (shared.go)
}

// handle is the one entry point of every route Handler returns, whatever its
// mode, so that Default and Audit recognise each as a route's own policy.
// It is the decision tree, in order: Audit's question and unsafe methods
// (begin); what the request allows (mode.plan); the store lookup and a
// hit, 304 or stale answer (mode.serveStored); only-if-cached; then the
// render, shared with concurrent requests (miss).
func (rt *route) handle(gc *gin.Context) {
	rd, ok := rt.begin(gc)
	if !ok {
		return
	}
	if rt.query != nil {
		rt.filterQuery(gc) // before the key and the handler
	}
	var p plan
	lookup := rt.plan(gc, &rd, &p)
	if rt.p.Version != nil { // before the lookup: a 304 needs no store
		if p.ver = rt.currentVersion(gc); rt.answerVersion(gc, p.ver) {
			return
		}
	}
	var kb *keyBuffer
	if lookup || p.store {
		p.key, kb = rt.key(gc)
		if kb != nil {
			defer kb.release()
		}
	}
	if lookup {
		e, index, err := rt.mode.lookup(gc, p.key)
		p.shared.index = index
		switch {
		case err == nil && !p.ver.matches(e):
			p.detail = "version" // stored before the version changed: rendered again
		case err == nil:
			v := rt.serveStored(gc, e, &p)
			if v.done {
				return
			}
			p.apply(v)
		case !errors.Is(err, ErrNotFound):
			p.detail = "store-error"
		}
	}
	if kb != nil {
		p.key = strings.Clone(p.key) // no longer borrowed: the miss keeps it
	}
	if rd.onlyIfCached { // RFC 9111 §5.2.1.7
		onlyIfCachedMiss(gc)
		return
	}
	rt.miss(gc, p, lookup)
}

// verdict is what a mode made of a stored entry for a request: answered
// (done), or what the render to come should know.
type verdict struct {
	done       bool
	fwd        string // "": unchanged
	detail     string
	stale      *Entry // the fallback for a failed render (RFC 5861 §4)
	revalidate *Entry // the entry to revalidate with the handler (SharedCache, RFC 9111 §4.3.1)
}

func (p *plan) apply(v verdict) {
	if v.fwd != "" {
		p.fwd = v.fwd
	}
	if v.detail != "" {
		p.detail = v.detail
	}
	p.stale, p.shared.revalidate = v.stale, v.revalidate
}

// begin is what every route does first: answer Audit, pass methods other
// than GET and HEAD through (invalidating after a success), and read the
// request's Cache-Control. ok is false when the request is answered.
func (rt *route) begin(gc *gin.Context) (rd requestDirectives, ok bool) {
	if gc.Keys != nil && describing(gc, description{policy: rt.p}) { // Keys first: no Policy copy per request
		return rd, false
	}
	if inspections.Load() > 0 && rt.inspected(gc) {
		return rd, false
	}
	if m := gc.Request.Method; m != http.MethodGet && m != http.MethodHead {
		rt.bypassMethod(gc)
		return rd, false
	}
	return parseRequestDirectives(gc.Request.Header), true
}

// onlyIfCachedMiss answers a request with only-if-cached that the store
// cannot: 504 (RFC 9111 §5.2.1.7).
func onlyIfCachedMiss(gc *gin.Context) {
	h := gc.Writer.Header()
	h[headerCacheStatus] = onlyIfCached
	h[headerXCache] = xMiss
	gc.AbortWithStatus(http.StatusGatewayTimeout)
}

// bypassMethod passes a request of another method than GET or HEAD to the
// handler, and invalidates what is stored for its target after a success
// (RFC 9111 §4.4).
func (rt *route) bypassMethod(gc *gin.Context) {
	h := gc.Writer.Header()
	h[headerCacheStatus] = methodStatus
	h[headerXCache] = xMiss
	rt.c.observe(gc, EventBypass, fwdMethod, 0)
	gc.Next()
	rt.c.invalidateAfter(gc)
}

// miss has the handler render the response, sharing the render with
// concurrent requests for the key when it may be stored: requests that
// looked the key up, and hard reloads, which share a render started after
// they came (see flights.joinAfter). It takes p by value so that p stays on
// the stack on the hit path.
func (rt *route) miss(gc *gin.Context, p plan, looked bool) {
	if (looked || p.fresh) && p.store && rt.coalesce(gc, &p) {
		return
	}
	rt.render(gc, &p)
}

// key is the store key: the prefix, the scheme when it is https, the
// policy's key or the default one, and the values of the headers the policy
// varies on (RFC 9111 §4.1). With the default key, no Vary and a store that
// borrows keys (KeyBorrower), it is built in a pooled buffer and returned
// with it: the key is valid until kb.release, and whatever keeps it longer
// copies it.
func (rt *route) key(gc *gin.Context) (key string, kb *keyBuffer) {
	req := gc.Request
	if rt.p.Key == nil && len(rt.vary) == 0 && rt.c.borrow {
		kb = keyBuffers.Get().(*keyBuffer)
		b := append(kb.b[:0], rt.c.cfg.prefix...)
		if rt.c.cfg.https(req) {
			b = append(b, httpsMark...)
		}
		kb.b = appendKey(b, req)
		return unsafe.String(unsafe.SliceData(kb.b), len(kb.b)), kb
	}
	var k string
	if rt.p.Key != nil {
		k = rt.p.Key(gc)
	} else {
		k = Key(req)
	}
	if rt.c.cfg.https(req) { // RFC 9111 §2: the target URI, scheme included
		return rt.c.cfg.prefix + httpsMark + varySuffix(k, req.Header, rt.vary), nil
	}
	return rt.c.cfg.prefix + varySuffix(k, req.Header, rt.vary), nil
}

// keyBuffer is a reused buffer for a hit's key.
type keyBuffer struct{ b []byte }

var keyBuffers = sync.Pool{New: func() any { return &keyBuffer{b: make([]byte, 0, 256)} }}

// maxKeyBuffer keeps one huge URL from pinning its buffer in the pool.
const maxKeyBuffer = 4 << 10

func (kb *keyBuffer) release() {
	if cap(kb.b) <= maxKeyBuffer {
		keyBuffers.Put(kb)
	}
}
