package gincache

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	store         bool     // ServerTTL > 0
	honourNoCache bool
}

var (
	noStoreCC    = []string{"no-store"}
	bypassStatus = []string{forwardStatus(fwdBypass, false, "")}
	methodStatus = []string{forwardStatus(fwdMethod, false, "")}
	onlyIfCached = []string{cacheName + "; detail=only-if-cached"}
)

// Handler returns middleware that caches the route's responses under p.
// Register it on the route (or a group) before the handler:
//
//	r.GET("/", cache.Handler(gincache.Policy{Public: true, NoCache: true, MaxAge: 2 * time.Minute, ServerTTL: 5 * time.Minute}), index)
//
// It panics with a "gincache:" message when p contradicts itself (see
// Policy.Validate), so the mistake shows at start-up, never while serving.
//
// The decision tree runs before the rest of the chain: a stored response is
// replayed (or answered 304) without running the handler; otherwise the
// handler's response is buffered, given validators and Cache-Control,
// stored when it may be, and sent.
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
		honourNoCache: c.cfg.honourNoCache && !p.IgnoreRequestNoCache,
	}
	return rt.serve
}

func (rt *route) serve(gc *gin.Context) {
	req := gc.Request
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		h := gc.Writer.Header()
		h[headerCacheState] = methodStatus
		h[headerXCache] = xMiss
		gc.Next()
		return
	}

	rd := parseRequestDirectives(req.Header)
	lookup := rt.store
	store := rt.store && req.Method == http.MethodGet && !rd.noStore // S1, S7
	fwd, detail := fwdURIMiss, ""
	if !rt.store {
		fwd = fwdBypass
	}
	switch {
	case req.Header.Get("Range") != "": // S10
		lookup, store, fwd, detail = false, false, fwdBypass, "range"
	case !rt.p.Public && req.Header.Get("Authorization") != "": // S6
		lookup, store, fwd, detail = false, false, fwdBypass, "authorization"
	case rd.noCache && rt.honourNoCache && lookup: // R4
		lookup, fwd = false, fwdRequest
	}

	var key string
	if rt.store {
		key = rt.key(gc)
	}
	if lookup {
		e, err := rt.c.get(req.Context(), key)
		if err == nil {
			rt.replay(gc, e)
			return
		}
		if !errors.Is(err, ErrNotFound) {
			detail = "store-error"
		}
	}
	if rd.onlyIfCached { // R5
		h := gc.Writer.Header()
		h[headerCacheState] = onlyIfCached
		h[headerXCache] = xMiss
		gc.AbortWithStatus(http.StatusGatewayTimeout)
		return
	}
	rt.render(gc, key, store, fwd, detail)
}

// key is the store key: the prefix, the policy's key or the default one, and
// the values of the headers the policy varies on (R3).
func (rt *route) key(gc *gin.Context) string {
	var k string
	if rt.p.Key != nil {
		k = rt.p.Key(gc)
	} else {
		k = Key(gc.Request)
	}
	return rt.c.cfg.prefix + varySuffix(k, gc.Request.Header, rt.vary)
}

// replay answers from a stored entry; the handler does not run.
func (rt *route) replay(gc *gin.Context, e *Entry) {
	w, req := gc.Writer, gc.Request
	h := w.Header()
	// Age and ttl are whole seconds that add up to ServerTTL (R2).
	age := int64(max(rt.c.cfg.now().Sub(e.StoredAt), 0) / time.Second)
	ttl := max(int64(rt.p.ServerTTL/time.Second)-age, 0)
	ageValue := []string{strconv.FormatInt(age, 10)}
	status := []string{hitStatus(ttl)}

	if e.Status/100 == 2 && notModified(req.Header, e.ETag, e.LastModified) { // C3, C5
		for _, k := range representationHeaders {
			delete(h, k)
		}
		for _, k := range notModifiedHeaders {
			if v, ok := e.Header[k]; ok {
				h[k] = v
			}
		}
		if v, ok := e.Header["Last-Modified"]; ok && e.ETag == "" {
			h["Last-Modified"] = v
		}
		rt.setCacheControl(h, e.Header)
		h["Age"], h[headerCacheState], h[headerXCache] = ageValue, status, xHitClient
		w.WriteHeader(http.StatusNotModified)
		w.WriteHeaderNow()
		gc.Abort()
		rt.c.stats.notModified.Add(1)
		return
	}

	for k, v := range e.Header { // R1, L1: every value, as stored
		h[k] = v
	}
	rt.setCacheControl(h, e.Header)
	h["Age"], h[headerCacheState], h[headerXCache] = ageValue, status, xHitServer
	w.WriteHeader(e.Status)
	if req.Method == http.MethodHead || len(e.Body) == 0 {
		w.WriteHeaderNow()
	} else {
		_, _ = w.Write(e.Body)
	}
	gc.Abort()
	rt.c.stats.hits.Add(1)
}

// setCacheControl sends the policy's Cache-Control unless the handler's own
// was stored with the response.
func (rt *route) setCacheControl(h, stored http.Header) {
	if _, ok := stored["Cache-Control"]; !ok {
		h["Cache-Control"] = rt.cc
	}
}

// render is the state of one miss: the handler chain runs into w.
type render struct {
	w      bodyWriter
	rt     *route
	gc     *gin.Context
	snap   http.Header // the response header before the chain ran (L2)
	fwd    string
	detail string
	onFlow func() // r.streamHeaders, bound once per pooled render
}

var renderPool = sync.Pool{New: func() any {
	r := new(render)
	r.onFlow = r.streamHeaders
	return r
}}

// maxPooledBuffer keeps one huge response from pinning its buffer in the pool.
const maxPooledBuffer = 256 << 10

func (rt *route) render(gc *gin.Context, key string, store bool, fwd, detail string) {
	orig := gc.Writer
	r := renderPool.Get().(*render)
	r.rt, r.gc, r.fwd, r.detail = rt, gc, fwd, detail
	r.snap = orig.Header().Clone()
	r.w.reset(orig, rt.c.cfg.maxBody, r.onFlow)
	rt.c.stats.misses.Add(1)

	// A panic in the chain leaves through here to gin's Recovery, which
	// then writes to the real writer; nothing buffered is stored (S9).
	defer func() {
		gc.Writer = orig
		*r = render{w: bodyWriter{buf: r.w.buf}, onFlow: r.onFlow}
		if r.w.buf.Cap() <= maxPooledBuffer {
			r.w.buf.Reset()
			renderPool.Put(r)
		}
	}()
	gc.Writer = &r.w
	gc.Next()
	gc.Writer = orig

	if r.w.streaming {
		rt.c.stats.uncacheable.Add(1)
		return
	}
	r.finish(key, store)
}

// streamHeaders prepares the real writer's header for a response that turned
// out to stream (S8): the policy's headers, no validators, not stored.
func (r *render) streamHeaders() {
	h := r.w.ResponseWriter.Header()
	r.rt.clientCacheControl(h, r.snap, r.w.status)
	h[headerCacheState] = []string{forwardStatus(r.fwd, false, "streamed")}
	h[headerXCache] = xMiss
}

// clientCacheControl sends the policy's Cache-Control for a cacheable status,
// unless the handler set its own.
func (rt *route) clientCacheControl(h, snap http.Header, status int) {
	switch {
	case changed(h, snap, "Cache-Control"):
	case rt.c.cfg.statuses[status]:
		h["Cache-Control"] = rt.cc
	case rt.p.NoStore:
		h["Cache-Control"] = noStoreCC
	}
}

// finish decides what the rendered response becomes: validators, storing,
// and then a 304 or the full response.
func (r *render) finish(key string, store bool) {
	rt, gc := r.rt, r.gc
	w, req := r.w.ResponseWriter, gc.Request
	h := w.Header()
	status, body := r.w.status, r.w.buf.Bytes()
	cacheable := rt.c.cfg.statuses[status]
	now := rt.c.cfg.now()

	var etag string
	var lastModified time.Time
	if cacheable {
		etag, lastModified = r.validators(h, body, req.Method == http.MethodHead && len(body) == 0, now)
		for _, name := range rt.vary {
			if !listHas(h["Vary"], name) {
				h.Add("Vary", name)
			}
		}
		if bodyAllowed(status) && (req.Method != http.MethodHead || len(body) > 0) {
			h["Content-Length"] = []string{strconv.Itoa(len(body))}
		}
	}

	stored, detail := false, r.detail
	if store {
		if reason := r.unstorable(h, cacheable); reason != "" {
			detail = reason
			rt.c.stats.uncacheable.Add(1)
		} else {
			e := &Entry{
				Status:       status,
				Header:       storedHeader(h, r.snap),
				Body:         slices.Clone(body),
				ETag:         etag,
				LastModified: lastModified,
				StoredAt:     now,
			}
			if err := rt.c.set(req.Context(), key, e, rt.p.ServerTTL); err != nil {
				detail = "store-error"
			} else {
				stored = true
				rt.c.stats.stored.Add(1)
			}
		}
	}
	rt.clientCacheControl(h, r.snap, status)
	h[headerCacheState] = []string{forwardStatus(r.fwd, stored, detail)}

	if cacheable && status/100 == 2 && notModified(req.Header, etag, lastModified) { // C3, C5
		for _, k := range representationHeaders { // N3; a Set-Cookie, say, still goes out
			delete(h, k)
		}
		if etag != "" {
			delete(h, "Last-Modified") // N2: the ETag is there
		}
		h[headerXCache] = xHitClient
		w.WriteHeader(http.StatusNotModified)
		w.WriteHeaderNow()
		rt.c.stats.notModified.Add(1)
		return
	}
	h[headerXCache] = xMiss
	w.WriteHeader(status)
	if len(body) > 0 {
		_, _ = w.Write(body)
	} else {
		w.WriteHeaderNow()
	}
}

// validators settles the response's ETag and Last-Modified and sets both.
// A handler's own are kept (V3), a bare ETag quoted (V1); otherwise the ETag
// is derived from the body (V2) and Last-Modified is the render time, never
// later than now (V4). Only 2xx responses get an ETag, and a HEAD whose
// handler wrote no body gets none generated: the hash of nothing would not
// match the GET's.
func (r *render) validators(h http.Header, body []byte, headless bool, now time.Time) (string, time.Time) {
	var etag string
	if r.w.status/100 == 2 {
		if changed(h, r.snap, "Etag") {
			etag = normalizeETag(h.Get("Etag"))
		}
		if etag == "" && !headless {
			etag = strongETag(h.Get("Content-Encoding"), body)
		}
		if etag != "" {
			h["Etag"] = []string{etag}
		}
	}
	now = now.UTC().Truncate(time.Second)
	lm := now
	if v := h.Get("Last-Modified"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !t.After(now) {
			lm = t.UTC()
		}
	}
	v := []string{lm.Format(http.TimeFormat)}
	h["Last-Modified"], h["X-Last-Modified"] = v, v
	return etag, lm
}

// unstorable says why a rendered response must not be stored, or "".
func (r *render) unstorable(h http.Header, cacheable bool) string {
	switch {
	case !cacheable:
		return "status" // S2
	case len(r.gc.Errors) > 0:
		return "handler-error" // S9
	case changed(h, r.snap, "Cache-Control") && hasDirective(h["Cache-Control"], "no-store", "private"):
		return "cache-control" // S3
	case changed(h, r.snap, "Set-Cookie"):
		return "set-cookie" // S4
	}
	for _, line := range h["Vary"] { // S3, R3
		for f := range strings.SplitSeq(line, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || f != "" && !containsFold(r.rt.vary, f) && !listHas(r.snap["Vary"], f) {
				return "vary"
			}
		}
	}
	return ""
}

// storedHeader is what the handler chain set: the fields outer middleware
// had already set, unchanged, are left out (L2), and so are the fields that
// are never stored (S5). Value slices are clipped, so an append by a later
// middleware on a hit copies instead of writing into the shared entry.
func storedHeader(h, snap http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		if unstoredHeaders[k] || !changed(h, snap, k) || listHas(h["Connection"], k) {
			continue
		}
		out[k] = slices.Clip(slices.Clone(v))
	}
	return out
}

// changed reports whether field k differs from what it was before the chain
// ran: set, removed or altered by the cached handler chain.
func changed(h, snap http.Header, k string) bool {
	old, had := snap[k]
	cur, has := h[k]
	return had != has || !slices.Equal(old, cur)
}

// listHas reports whether a comma-separated header field lists name.
func listHas(lines []string, name string) bool {
	for _, line := range lines {
		for f := range strings.SplitSeq(line, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

// hasDirective reports whether a Cache-Control field holds any of names.
func hasDirective(lines []string, names ...string) bool {
	for _, line := range lines {
		for d := range strings.SplitSeq(line, ",") {
			d, _, _ = strings.Cut(d, "=")
			if slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(strings.TrimSpace(d), n) }) {
				return true
			}
		}
	}
	return false
}

// bodyAllowed reports whether a status may carry a body (RFC 9110 §6.4.1).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
