package gincache

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// How a stored entry came to be served; it decides the Cache-Status.
type served int

const (
	servedFresh       served = iota // a fresh hit
	servedCollapsed                 // the render of a concurrent request
	servedStale                     // stale within stale-while-revalidate
	servedIfError                   // stale, instead of the handler's error
	servedMaxStale                  // stale, within the request's max-stale (SharedCache)
	servedRevalidated               // validated by the handler's 304 (SharedCache)
)

// replay answers from a stored entry; the handler does not run. age is the
// entry's age now; fwdStatus is the handler's failed status, for
// servedIfError.
func (rt *route) replay(gc *gin.Context, e *Entry, how served, age time.Duration, fwdStatus int) {
	// Age and ttl are whole seconds that add up to the entry's lifetime
	// (RFC 9111 §5.1); a stale entry has a negative ttl (RFC 9211 §2.3).
	ageSeconds := int64(max(age, 0) / time.Second)
	ttl := int64(rt.mode.lifetime(e)/time.Second) - ageSeconds
	var status []string
	switch how {
	case servedFresh:
		status = hitValue(max(ttl, 0))
	case servedCollapsed:
		status = []string{forwardStatus(fwdURIMiss, false, "") + "; collapsed"}
	case servedStale:
		status = []string{hitStatus(ttl) + "; detail=stale-while-revalidate"}
	case servedMaxStale:
		status = []string{hitStatus(ttl) + "; detail=max-stale"}
	case servedIfError:
		status = []string{cacheName + "; fwd=stale; fwd-status=" + strconv.Itoa(fwdStatus) + "; detail=stale-if-error"}
	}
	rt.replayWith(gc, e, how, age, status)
}

// replayWith is replay with the Cache-Status already made.
func (rt *route) replayWith(gc *gin.Context, e *Entry, how served, age time.Duration, status []string) {
	w, req := gc.Writer, gc.Request
	h := w.Header()
	ageValue := ageValue(int64(max(age, 0) / time.Second))
	outer := h["Content-Encoding"] // set by a compressing middleware outside the route
	s, err := choose(req, e, outer != nil)
	if outer != nil {
		s.outer(outer)
	}
	if err != nil {
		rt.c.fault("decode", req.URL.Path, err)
		gc.AbortWithStatus(http.StatusBadGateway)
		return
	}

	if e.Status/100 == 2 && notModified(req.Header, s.etag, e.LastModified) { // RFC 9110 §13.1.2, RFC 9110 §13.2.1
		if len(h) > 0 { // else nothing to delete
			for _, k := range representationHeaders {
				delete(h, k)
			}
		}
		cc := false
		if pr := e.prepared(); pr != nil {
			for _, f := range pr.fields[:pr.nm] {
				h[f.name] = f.values
			}
			cc = pr.cc
		} else {
			for k, v := range e.Header { // one pass, not a lookup per name
				if notModifiedCarries(e, k) { // a SharedCache entry keeps its Date
					h[k] = v
					cc = cc || k == "Cache-Control"
				}
			}
		}
		if !s.asStored {
			h["Etag"] = []string{s.etag}
		}
		rt.setCacheControl(h, e.Header, cc)
		h["Age"], h[headerCacheStatus], h[headerXCache] = ageValue, status, xHitClient
		w.WriteHeader(http.StatusNotModified)
		w.WriteHeaderNow()
		gc.Abort()
		if how != servedFresh { // a fresh hit answered 304 is a 304 alone
			rt.c.observe(gc, how.event(), "", 0)
		}
		rt.c.observe(gc, EventNotModified, "", 0)
		return
	}

	cc := false
	if pr := e.prepared(); pr != nil {
		for _, f := range pr.fields { // RFC 9111 §4, multi-valued fields kept whole: every value, as stored
			h[f.name] = f.values
		}
		cc = pr.cc
	} else {
		for k, v := range e.Header {
			h[k] = v
			cc = cc || k == "Cache-Control"
		}
	}
	s.apply(h)
	if outer != nil {
		h["Content-Encoding"] = outer // it encodes what is written
	}
	rt.c.stripSurrogateKeys(req, h)
	rt.setCacheControl(h, e.Header, cc)
	h["Age"], h[headerCacheStatus], h[headerXCache] = ageValue, status, xHitServer
	w.WriteHeader(e.Status)
	if req.Method == http.MethodHead || len(s.body) == 0 {
		w.WriteHeaderNow()
	} else {
		_, _ = w.Write(s.body)
	}
	gc.Abort()
	rt.c.observe(gc, how.event(), "", 0)
}

// event is the Observer's name for how an entry was served.
func (how served) event() EventKind {
	switch how {
	case servedCollapsed:
		return EventCollapsed
	case servedStale, servedIfError, servedMaxStale:
		return EventStale
	case servedRevalidated:
		return EventRevalidated
	}
	return EventHit
}

// setCacheControl sends the policy's Cache-Control unless the handler's own
// was stored with the response (own), and the policy's CDN-Cache-Control
// unless stored holds the handler's.
func (rt *route) setCacheControl(h, stored http.Header, own bool) {
	if !own && rt.cc != nil {
		h["Cache-Control"] = rt.cc
	}
	rt.cdn.replay(h, stored)
}

// notModifiedField reports whether a stored field named k is in
// notModifiedHeaders: a switch, cheaper than a lookup per name in the
// stored header (TestNotModifiedField keeps the two the same).
func notModifiedField(k string) bool {
	switch k {
	case "Cache-Control", "Content-Location", "Etag", "Expires", "Vary":
		return true
	}
	return false
}
