package gincache

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// render is the state of one miss: the handler chain runs into w.
type render struct {
	w      bodyWriter
	rt     *route
	gc     *gin.Context
	m      *miss
	snap   http.Header // the response header before the chain ran (L2)
	onFlow func()      // r.streamHeaders, bound once per pooled render
}

var renderPool = sync.Pool{New: func() any {
	r := new(render)
	r.onFlow = r.streamHeaders
	return r
}}

// maxPooledBuffer keeps one huge response from pinning its buffer in the pool.
const maxPooledBuffer = 256 << 10

func (rt *route) render(gc *gin.Context, m *miss) {
	orig := gc.Writer
	r := renderPool.Get().(*render)
	r.rt, r.gc, r.m = rt, gc, m
	r.snap = orig.Header().Clone()
	r.w.reset(orig, rt.c.cfg.maxBody, r.onFlow)
	rt.c.observe(gc, EventMiss, "", 0)
	if m.fwd == fwdBypass || m.fwd == fwdRequest {
		reason := m.detail
		switch {
		case m.fwd == fwdRequest:
			reason = fwdRequest
		case reason == "":
			reason = "policy" // ServerTTL 0: nothing is stored
		}
		rt.c.observe(gc, EventBypass, reason, 0)
	}

	// A panic in the chain leaves through here to gin's Recovery, which
	// then writes to the real writer; nothing buffered is stored (S9) —
	// unless a stale entry may stand in for the failure (R7). Waiters on
	// this render are released whatever happens.
	var client *http.Request // a SharedCache route's request, while the handler sees another
	defer func() {
		gc.Writer = orig
		if client != nil {
			gc.Request = client
		}
		if m.stale != nil && !r.w.streaming {
			if v := recover(); v != nil {
				rt.c.cfg.logger.Error("gincache: handler panicked; serving the stale response",
					"key", m.key, "panic", v)
				rt.replay(gc, m.stale, servedIfError, rt.c.cfg.now().Sub(m.stale.StoredAt), http.StatusInternalServerError)
			}
		}
		if m.flight != nil {
			rt.c.flights.land(m.key, m.flight)
		}
		if m.token != "" {
			rt.c.unlock(gc.Request.Context(), m.key, m.token)
		}
		*r = render{w: bodyWriter{buf: r.w.buf}, onFlow: r.onFlow}
		if r.w.buf.Cap() <= maxPooledBuffer {
			r.w.buf.Reset()
			renderPool.Put(r)
		}
	}()
	if rt.shared {
		client = rt.forward(gc, m)
	}
	gc.Writer = &r.w
	gc.Next()
	gc.Writer = orig
	if client != nil {
		gc.Request, client = client, nil
	}

	if r.w.streaming {
		rt.c.observe(gc, EventUncacheable, "streamed", 0)
		return
	}
	r.finish()
}

// streamHeaders prepares the real writer's header for a response that turned
// out to stream (S8): the policy's headers, no validators, not stored. A
// stream can last as long as the client stays (server-sent events, a big
// download), so the requests waiting on this render, here and on other
// replicas, are let go now to render their own.
func (r *render) streamHeaders() {
	if m := r.m; m.flight != nil {
		r.rt.c.flights.land(m.key, m.flight)
		m.flight = nil
	}
	if m := r.m; m.token != "" {
		r.rt.c.unlock(r.gc.Request.Context(), m.key, m.token)
		m.token = ""
	}
	h := r.w.ResponseWriter.Header()
	canonicalize(h)
	canonicalize(r.snap)
	r.rt.clientCacheControl(h, r.snap, r.w.status)
	if r.m.detail == detailRequestBody {
		h["Cache-Control"] = noStoreCC
	}
	h[headerCacheState] = []string{forwardStatus(r.m.fwd, false, "streamed")}
	h[headerXCache] = xMiss
}

// clientCacheControl sends the policy's Cache-Control for a cacheable status,
// unless the handler set its own. A SharedCache route sends none of its own.
func (rt *route) clientCacheControl(h, snap http.Header, status int) {
	switch {
	case rt.shared:
	case changed(h, snap, "Cache-Control"):
	case rt.c.cfg.statuses[status]:
		h["Cache-Control"] = rt.cc
	case rt.p.NoStore:
		h["Cache-Control"] = noStoreCC
	}
}

// staleIfErrorStatuses are the failures a stale response may replace
// (RFC 5861 §4).
func staleIfErrorStatus(status int) bool {
	switch status {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// finish decides what the rendered response becomes: validators, storing,
// and then a 304 or the full response.
func (r *render) finish() {
	rt, gc, m := r.rt, r.gc, r.m
	w, req := r.w.ResponseWriter, gc.Request
	h := w.Header()
	status, body := r.w.status, r.w.buf.Bytes()

	if m.stale != nil && staleIfErrorStatus(status) { // R7
		rt.replay(gc, m.stale, servedIfError, rt.c.cfg.now().Sub(m.stale.StoredAt), status)
		return
	}
	if m.revalidate != nil && status == http.StatusNotModified { // RFC 9111 §4.3.4
		r.revalidated()
		return
	}
	x := rendered{
		req: req, gc: gc, header: h, snap: r.snap, status: status, body: body,
		key: m.key, store: m.store, errs: len(gc.Errors), sent: m.sent, index: m.index,
	}
	var o settled
	if rt.shared {
		o = rt.settleShared(x)
	} else {
		o = rt.settle(x)
	}
	if m.flight != nil {
		m.flight.entry = o.entry
	}
	detail := m.detail
	if o.detail != "" {
		detail = o.detail
	}
	h[headerCacheState] = []string{forwardStatus(m.fwd, o.entry != nil, detail)}
	if m.detail == detailRequestBody {
		h["Cache-Control"] = noStoreCC // nor may a cache after this one (hasContent)
	}

	if o.cacheable && status/100 == 2 && notModified(req.Header, o.etag, o.lastModified) { // C3, C5
		for _, k := range representationHeaders { // N3; a Set-Cookie, say, still goes out
			delete(h, k)
		}
		if o.etag != "" {
			delete(h, "Last-Modified") // N2: the ETag is there
		}
		h[headerXCache] = xHitClient
		w.WriteHeader(http.StatusNotModified)
		w.WriteHeaderNow()
		rt.c.observe(gc, EventNotModified, "", 0)
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

// rendered is a response the handler produced, in the foreground or in a
// background refresh.
type rendered struct {
	req    *http.Request
	gc     *gin.Context // for the handler's tags
	header http.Header  // the live response header
	snap   http.Header  // the header before the chain ran
	status int
	body   []byte
	key    string
	store  bool
	errs   int       // errors the handler attached
	sent   time.Time // when the request went to the handler (SharedCache)
	index  *Entry    // the Vary index the request was looked up under (SharedCache)
}

// settled is what settle made of a rendered response.
type settled struct {
	cacheable    bool
	etag         string
	lastModified time.Time
	entry        *Entry // what was stored; nil when nothing was
	detail       string // why it was not stored, when it was not
}

// settle gives a rendered response its validators and headers, and stores
// it when it may be stored.
func (rt *route) settle(x rendered) settled {
	h := x.header
	canonicalize(h)
	canonicalize(x.snap)
	o := settled{cacheable: rt.c.cfg.statuses[x.status]}
	now := rt.c.cfg.now()
	if o.cacheable {
		o.etag, o.lastModified = validators(h, x.snap, x.status, x.body, x.req.Method == http.MethodHead && len(x.body) == 0, now)
		for _, name := range rt.vary {
			if !listHas(h["Vary"], name) {
				h.Add("Vary", name)
			}
		}
		if bodyAllowed(x.status) && (x.req.Method != http.MethodHead || len(x.body) > 0) {
			h["Content-Length"] = []string{strconv.Itoa(len(x.body))}
		}
	}
	if x.store {
		if reason := rt.unstorable(x, o.cacheable); reason != "" {
			o.detail = reason
			rt.c.observe(x.gc, EventUncacheable, reason, 0)
		} else {
			e := &Entry{
				Status:       x.status,
				Header:       storedHeader(h, x.snap),
				Body:         slices.Clone(x.body),
				ETag:         o.etag,
				LastModified: o.lastModified,
				StoredAt:     now,
			}
			if err := rt.c.set(x.req.Context(), x.key, e, rt.storeTTL, rt.entryTags(x.gc, x.req)); err != nil {
				o.detail = "store-error"
			} else {
				o.entry = e
				rt.c.observe(x.gc, EventStored, "", len(e.Body))
			}
		}
	}
	rt.clientCacheControl(h, x.snap, x.status)
	return o
}

// validators settles the response's ETag and Last-Modified and sets both.
// A handler's own are kept (V3), a bare ETag quoted (V1); otherwise the ETag
// is derived from the body (V2) and Last-Modified is the render time, never
// later than now (V4). Only 2xx responses get an ETag, and a HEAD whose
// handler wrote no body gets none generated: the hash of nothing would not
// match the GET's.
func validators(h, snap http.Header, status int, body []byte, headless bool, now time.Time) (string, time.Time) {
	var etag string
	if status/100 == 2 {
		if changed(h, snap, "Etag") {
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
func (rt *route) unstorable(x rendered, cacheable bool) string {
	h := x.header
	switch {
	case !cacheable:
		return "status" // S2
	case x.errs > 0:
		return "handler-error" // S9
	case changed(h, x.snap, "Cache-Control") && forbidsShared(parseCacheControl(h["Cache-Control"])):
		return "cache-control" // S3
	case changed(h, x.snap, "Set-Cookie"):
		return "set-cookie" // S4
	}
	for _, line := range h["Vary"] { // S3, R3
		for f := range strings.SplitSeq(line, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || f != "" && !containsFold(rt.vary, f) && !listHas(x.snap["Vary"], f) {
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

// forbidsShared reports whether a handler's own Cache-Control keeps its
// response out of a store shared by users (RFC 9111 §5.2.2.5, §5.2.2.7).
func forbidsShared(cc cacheControl) bool {
	return cc.noStore || cc.private
}

// bodyAllowed reports whether a status may carry a body (RFC 9110 §6.4.1).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
