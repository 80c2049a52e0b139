package gincache

import (
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

// rendering is the state of one render: the handler chain runs into w.
type rendering struct {
	w      bodyWriter
	rt     *route
	gc     *gin.Context
	p      *plan
	snap   http.Header // the response header before the chain ran
	stored *Entry      // what the render stored, for the requests waiting on it
	onFlow func()      // r.streamHeaders, bound once per pooled rendering
}

var renderPool = sync.Pool{New: func() any {
	r := new(rendering)
	r.onFlow = r.streamHeaders
	return r
}}

// maxPooledBuffer keeps one huge response from pinning its buffer in the pool.
const maxPooledBuffer = 256 << 10

// render runs the rest of the handler chain into a buffer and settles what
// it wrote (finish).
func (rt *route) render(gc *gin.Context, p *plan) {
	orig := gc.Writer
	r := renderPool.Get().(*rendering)
	r.rt, r.gc, r.p = rt, gc, p
	r.snap = orig.Header().Clone()
	r.w.reset(orig, rt.c.cfg.maxBody, r.onFlow)
	rt.c.observe(gc, EventMiss, "", 0)
	if p.fwd == fwdBypass || p.fwd == fwdRequest {
		reason := p.detail
		switch {
		case p.fwd == fwdRequest:
			reason = fwdRequest
		case reason == "":
			reason = "policy" // ServerTTL 0: nothing is stored
		}
		rt.c.observe(gc, EventBypass, reason, 0)
	}

	// A panic in the chain leaves through here to gin's Recovery, which
	// then writes to the real writer; nothing buffered is stored — unless
	// a stale entry may stand in for the failure (RFC 5861 §4). Waiters
	// on this render are released whatever happens.
	var client *http.Request // the client's request, while the handler sees another (SharedCache)
	defer func() {
		gc.Writer = orig
		if client != nil {
			gc.Request = client
		}
		if p.stale != nil && !r.w.streaming {
			if v := recover(); v != nil {
				rt.c.cfg.logger.Error("gincache: handler panicked; serving the stale response",
					"key", p.key, "panic", v)
				rt.replay(gc, p.stale, servedIfError, rt.c.cfg.now().Sub(p.stale.StoredAt), http.StatusInternalServerError)
			}
		}
		r.release()
		*r = rendering{w: bodyWriter{buf: r.w.buf}, onFlow: r.onFlow}
		if r.w.buf.Cap() <= maxPooledBuffer {
			r.w.buf.Reset()
			renderPool.Put(r)
		}
	}()
	client, p.shared.sent = rt.mode.forward(gc, *p)
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

// release lets the requests waiting on this render go, with what it
// stored, and gives up the cross-replica lock. It runs when the render ends
// and, earlier, when the response turns out to stream; the second time it
// does nothing.
func (r *rendering) release() {
	p := r.p
	if p.flight != nil {
		r.rt.c.flights.land(p.key, p.flight, r.stored)
		p.flight = nil
	}
	if p.token != "" {
		r.rt.c.unlock(r.gc.Request.Context(), p.key, p.token)
		p.token = ""
	}
}

// streamHeaders prepares the real writer's header for a response that turned
// out to stream: the policy's headers, no validators, not stored. A stream
// can last as long as the client stays (server-sent events, a big
// download), so the requests waiting on this render, here and on other
// replicas, are let go now to render their own.
func (r *rendering) streamHeaders() {
	r.release()
	h := r.w.ResponseWriter.Header()
	canonicalize(h)
	canonicalize(r.snap)
	r.rt.mode.cacheControl(h, r.snap, r.w.status)
	if r.p.detail == detailRequestBody {
		h["Cache-Control"] = noStoreCC
	}
	h[headerCacheStatus] = r.rt.cacheStatus(h, r.snap, forwardStatus(r.p.fwd, false, "streamed"))
	h[headerXCache] = xMiss
}

// finish decides what the rendered response becomes: validators, storing,
// and then a 304 or the full response.
func (r *rendering) finish() {
	rt, gc, p := r.rt, r.gc, r.p
	w, req := r.w.ResponseWriter, gc.Request
	h := w.Header()
	status, body := r.w.status, r.w.buf.Bytes()

	if p.stale != nil && staleIfErrorStatus(status) { // RFC 5861 §4
		rt.replay(gc, p.stale, servedIfError, rt.c.cfg.now().Sub(p.stale.StoredAt), status)
		return
	}
	o := rt.mode.settle(rendered{
		req: req, gc: gc, header: h, snap: r.snap, status: status, body: body,
		key: p.key, store: p.store, errs: len(gc.Errors), version: p.ver,
		sent: p.shared.sent, index: p.shared.index, revalidate: p.shared.revalidate,
	})
	r.stored = o.entry
	switch {
	case o.mismatched: // RFC 9111 §4.3.3: ask again, unconditionally
		r.retryUnconditional()
		return
	case o.validated != nil: // RFC 9111 §4.3.4: the stored response, updated, answers
		cs := rt.cacheStatus(h, r.snap, forwardStatus(p.fwd, o.entry != nil, "")+"; fwd-status=304")
		restoreHeader(h, r.snap)
		rt.replayWith(gc, o.validated, servedRevalidated, rt.c.cfg.now().Sub(o.validated.StoredAt), cs)
		return
	}
	detail := p.detail
	if o.detail != "" {
		detail = o.detail
	}
	h[headerCacheStatus] = rt.cacheStatus(h, r.snap, forwardStatus(p.fwd, o.entry != nil, detail))
	if p.detail == detailRequestBody {
		h["Cache-Control"] = noStoreCC // nor may a cache after this one (hasContent)
	}

	etag, outer := o.etag, r.snap["Content-Encoding"]
	if changed(h, r.snap, "Content-Encoding") {
		outer = nil // the handler's own coding: the middleware outside passes it through
	}
	if e := o.entry; e != nil && len(e.Codings) > 0 { // this client's coding of what was stored
		if s, err := choose(req, e, outer != nil); err == nil {
			setCoding(h, s.coding, s.etag, s.size)
			etag, body = s.etag, s.body
		}
	}
	if outer != nil && etag != "" { // a middleware outside compresses
		s := sending{etag: etag}
		s.outer(outer)
		etag = s.etag
		h["Etag"], h["Content-Encoding"] = []string{etag}, outer
	}
	if o.cacheable && status/100 == 2 && notModified(req.Header, etag, o.lastModified) { // RFC 9110 §13.2.1
		for _, k := range representationHeaders { // RFC 9110 §15.4.5; a Set-Cookie, say, still goes out
			delete(h, k)
		}
		if o.etag != "" {
			delete(h, "Last-Modified") // the ETag is there
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

// staleIfErrorStatuses are the failures a stale response may replace
// (RFC 5861 §4).
func staleIfErrorStatus(status int) bool {
	switch status {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
