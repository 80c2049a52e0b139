package gincache

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// version is the current version of a route's representation, as
// Policy.Version says, normalised once per request: a quoted entity-tag and
// a modification time in whole seconds, never later than now. The zero
// value is no version: the route behaves as if Policy.Version were nil.
type version struct {
	etag string
	mod  time.Time
	ok   bool
}

// matches reports whether e is the current version's representation. With
// no version, any entry is.
func (v version) matches(e *Entry) bool {
	switch {
	case !v.ok:
		return true
	case v.etag != "":
		return e.ETag == v.etag
	}
	return e.LastModified.Equal(v.mod)
}

var versionStatus = []string{cacheName + "; hit; detail=version"}

// currentVersion asks the policy's Version for the request's current
// version. An error, or an answer with neither an ETag nor a time, is no
// version: the request is served as if the policy had none (fail open), and
// an error is counted (Stats.VersionErrors) and logged at a sane rate.
func (rt *route) currentVersion(gc *gin.Context) version {
	etag, mod, err := rt.p.Version(gc)
	if err != nil {
		rt.c.stats.versionErrors.Add(1)
		rt.c.versionLog.report(rt.c.cfg.now(), "version", gc.Request.URL.Path, err)
		return version{}
	}
	v := version{etag: normalizeETag(etag)}
	if !mod.IsZero() {
		if now := rt.c.cfg.now(); mod.After(now) {
			mod = now // RFC 9110 §8.8.2.1: never later than now
		}
		v.mod = mod.UTC().Truncate(time.Second)
	}
	v.ok = v.etag != "" || !v.mod.IsZero()
	return v
}

// answerVersion answers 304 before any lookup or render when the request's
// validators match the current version (RFC 9110 §13.1.2, §13.1.3, §13.2.2):
// the handler does not run. ok is false when the request is to be served.
func (rt *route) answerVersion(gc *gin.Context, v version) bool {
	if !v.ok || !notModified(gc.Request.Header, v.etag, v.mod) {
		return false
	}
	h := gc.Writer.Header()
	setVersionValidators(h, v)
	delete(h, "X-Last-Modified")
	if v.etag != "" {
		delete(h, "Last-Modified") // the ETag is there
	}
	h["Cache-Control"] = rt.cc // RFC 9110 §15.4.5: what the 200 would send
	rt.cdn.replay(h, nil)
	for _, name := range rt.vary {
		if !listHas(h["Vary"], name) {
			h.Add("Vary", name)
		}
	}
	h[headerCacheStatus], h[headerXCache] = versionStatus, xHitClient
	gc.AbortWithStatus(http.StatusNotModified)
	gc.Writer.WriteHeaderNow()
	rt.c.observe(gc, EventNotModified, "", 0)
	return true
}

// setVersionValidators makes v the response's validators: its ETag (or
// none, when it has only a time) and Last-Modified.
func setVersionValidators(h http.Header, v version) {
	if v.etag != "" {
		h["Etag"] = []string{v.etag}
	} else {
		delete(h, "Etag")
	}
	if !v.mod.IsZero() {
		lm := []string{v.mod.Format(http.TimeFormat)}
		h["Last-Modified"], h["X-Last-Modified"] = lm, lm
	}
}

// NotModified is for a handler that learns its response's version midway,
// before the expensive part: it sets the response's validators, a strong
// ETag (a bare one is quoted; "" sets none) and a Last-Modified (the zero
// time sets none), and answers the request when its own validators already
// match: 304 Not Modified to a GET or HEAD whose If-None-Match, or else
// If-Modified-Since, matches (RFC 9110 §13.1.2, §13.1.3), 412 Precondition
// Failed to another method whose If-None-Match matches (§13.1.2, §13.2.2).
// It then reports true, and the handler returns:
//
//	etag, mod := article.Version()
//	if gincache.NotModified(c, etag, mod) {
//		return
//	}
//
// On a cached route the 304 is not stored; a full response keeps these
// validators. For a version known before the handler runs, Policy.Version
// spares even the call.
func NotModified(c *gin.Context, etag string, modTime time.Time) bool {
	v := version{etag: normalizeETag(etag)}
	if !modTime.IsZero() {
		v.mod = modTime.UTC().Truncate(time.Second)
	}
	h := c.Writer.Header()
	if v.etag != "" {
		h["Etag"] = []string{v.etag}
	}
	if !v.mod.IsZero() {
		h["Last-Modified"] = []string{v.mod.Format(http.TimeFormat)}
	}
	req := c.Request
	switch {
	case req.Method == http.MethodGet || req.Method == http.MethodHead:
		if !notModified(req.Header, v.etag, v.mod) {
			return false
		}
		for _, k := range representationHeaders { // RFC 9110 §15.4.5
			delete(h, k)
		}
		c.AbortWithStatus(http.StatusNotModified)
	default:
		inm, ok := req.Header["If-None-Match"]
		if !ok {
			return false
		}
		if match, valid := etagListMatch(inm, v.etag); !match || !valid {
			return false
		}
		c.AbortWithStatus(http.StatusPreconditionFailed)
	}
	c.Writer.WriteHeaderNow()
	return true
}
