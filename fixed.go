package gincache

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// fixedMode is the mode of a route cached by its Policy: the policy says how
// long an entry lives (ServerTTL, stale-*) and what Cache-Control goes out;
// the key, with the policy's Vary, selects the response alone.
type fixedMode struct{ rt *route }

var _ mode = fixedMode{}

func (m fixedMode) plan(gc *gin.Context, rd *requestDirectives, p *plan) bool {
	rt, req := m.rt, gc.Request
	lookup := rt.store
	p.store = rt.store && req.Method == http.MethodGet && !rd.noStore // RFC 9111 §3, §5.2.1.5
	p.fwd = fwdURIMiss
	if !rt.store {
		p.fwd = fwdBypass
	}
	switch {
	case hasContent(req):
		lookup, p.store, p.fwd, p.detail = false, false, fwdBypass, detailRequestBody
	case first(req.Header, "Range") != "": // a 206 is never stored
		lookup, p.store, p.fwd, p.detail = false, false, fwdBypass, "range"
	case !rt.p.Public && first(req.Header, "Authorization") != "": // RFC 9111 §3.5
		lookup, p.store, p.fwd, p.detail = false, false, fwdBypass, "authorization"
	case rd.noCache && rt.honourNoCache && lookup: // RFC 9111 §5.2.1.4: a hard reload
		lookup, p.fwd, p.fresh = false, fwdRequest, true
	}
	return lookup
}

func (m fixedMode) lookup(gc *gin.Context, key string) (*Entry, *Entry, error) {
	e, err := m.rt.c.get(gc.Request.Context(), key)
	if err == nil && isVaryIndex(e) {
		err = ErrNotFound // a SharedCache route's, under the same URL
	}
	return e, nil, err
}

// serveStored answers from a stored entry when it is fresh, or stale within
// StaleWhileRevalidate (RFC 5861 §3: at once, with one background refresh).
// An entry within StaleIfError is the fallback of the render to come.
func (m fixedMode) serveStored(gc *gin.Context, e *Entry, p *plan) verdict {
	rt := m.rt
	age, lifetime := rt.c.cfg.now().Sub(e.StoredAt), m.lifetime(e)
	switch {
	case age < lifetime:
		rt.replay(gc, e, servedFresh, age, 0)
		return verdict{done: true}
	case age < lifetime+rt.p.StaleWhileRevalidate:
		rt.replay(gc, e, servedStale, age, 0)
		rt.refresh(gc, p.key, nil, nil)
		return verdict{done: true}
	case age < lifetime+rt.p.StaleIfError:
		return verdict{fwd: fwdStale, stale: e}
	}
	return verdict{}
}

// lifetime is the policy's ServerTTL, or the entry's own when its handler
// gave it one (StoreFor) or a soft purge ended it, never longer than the
// policy lets a handler make it (a soft purge must not revive an entry).
func (m fixedMode) lifetime(e *Entry) time.Duration {
	if e.Lifetime > 0 {
		return min(e.Lifetime, max(m.rt.p.MaxServerTTL, m.rt.p.ServerTTL))
	}
	return m.rt.p.ServerTTL
}

// waited: the key fully selects the response, so a waiter takes any entry
// the leader stored that is still fresh.
func (m fixedMode) waited(gc *gin.Context, e *Entry, p plan) (*Entry, *Entry) {
	if e != nil && m.collapsible(gc, e, p) {
		return e, nil
	}
	return nil, nil
}

func (m fixedMode) collapsible(_ *gin.Context, e *Entry, p plan) bool {
	return !isVaryIndex(e) && max(m.rt.c.cfg.now().Sub(e.StoredAt), 0) < m.lifetime(e) && p.ver.matches(e)
}

func (fixedMode) forward(*gin.Context, plan) (*http.Request, time.Time) { return nil, time.Time{} }

// settle gives a rendered response its validators and headers, and stores
// it when it may be stored.
func (m fixedMode) settle(x rendered) settled {
	rt := m.rt
	h := x.header
	canonicalize(h)
	canonicalize(x.snap)
	o := settled{cacheable: rt.c.cfg.statuses[x.status]}
	now := rt.c.cfg.now()
	if o.cacheable {
		o.etag, o.lastModified, o.generated = validators(h, x.snap, x.status, x.body, x.req.Method == http.MethodHead && len(x.body) == 0, now)
		if v := x.version; v.ok && x.status/100 == 2 { // Policy.Version: its validators, on every replica
			setVersionValidators(h, v)
			o.etag, o.generated = v.etag, false
			if !v.mod.IsZero() {
				o.lastModified = v.mod
			}
		}
		for _, name := range rt.vary {
			if !listHas(h["Vary"], name) {
				h.Add("Vary", name)
			}
		}
		if bodyAllowed(x.status) && (x.req.Method != http.MethodHead || len(x.body) > 0) {
			h["Content-Length"] = []string{strconv.Itoa(len(x.body))}
		}
	}
	says := decisionsOf(x.gc)
	lifetime, custom := rt.serverLifetime(says)
	var reason string
	if x.store {
		reason = m.unstorable(x, o.cacheable)
		if reason == "" && (says.noStore || lifetime <= 0) {
			reason = "handler" // DoNotStore, StoreFor(0)
		}
	}
	if says.hasMaxAge && o.cacheable && !changed(h, x.snap, "Cache-Control") {
		h["Cache-Control"] = rt.clientCacheControl(says, lifetime) // stored with the response
	}
	rt.setSurrogateKeys(x.gc, h, x.snap, o.cacheable) // surrogate.go: stored with the response
	if x.store {
		if reason != "" {
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
			if reason := rt.c.encodeEntry(e, h, x.snap, false, o.generated); reason != "" {
				o.detail = reason
				rt.c.observe(x.gc, EventUncacheable, reason, 0)
				m.cacheControl(h, x.snap, x.status)
				return o
			}
			ttl := rt.storeTTL
			if custom {
				e.Lifetime = lifetime
				ttl = lifetime + max(rt.p.StaleWhileRevalidate, rt.p.StaleIfError)
			}
			e.prepare() // last: nothing changes e from here on
			if err := rt.c.set(x.req.Context(), x.key, e, ttl, rt.entryTags(x.gc, x.req)); err != nil {
				o.detail = "store-error"
			} else {
				o.entry = e
				rt.c.observe(x.gc, EventStored, "", len(e.Body))
			}
		}
	}
	m.cacheControl(h, x.snap, x.status)
	rt.c.stripSurrogateKeys(x.req, h)
	return o
}

// unstorable says why a rendered response must not be stored, or "".
func (m fixedMode) unstorable(x rendered, cacheable bool) string {
	h := x.header
	switch {
	case !cacheable:
		return "status" // WithStatuses
	case x.errs > 0:
		return "handler-error" // the handler said it failed
	case changed(h, x.snap, "Cache-Control") && forbidsShared(parseCacheControl(h["Cache-Control"])):
		return "cache-control" // RFC 9111 §3: no-store or private, from the handler
	case changed(h, x.snap, "Set-Cookie"):
		return "set-cookie" // one user's session must never reach another
	}
	for _, line := range h["Vary"] { // RFC 9111 §4.1: the key must hold every field it varies on
		for f := range strings.SplitSeq(line, ",") {
			f = strings.TrimSpace(f)
			if strings.EqualFold(f, "Accept-Encoding") {
				continue // the cache negotiates the coding itself (coding.go)
			}
			if f == "*" || f != "" && !containsFold(m.rt.vary, f) && !listHas(x.snap["Vary"], f) {
				return "vary"
			}
		}
	}
	return ""
}

// cacheControl sends the policy's Cache-Control for a cacheable status,
// unless the handler set its own; no-store for a NoStore policy's others.
func (m fixedMode) cacheControl(h, snap http.Header, status int) {
	rt := m.rt
	rt.setCDN(h, snap, status)
	switch {
	case changed(h, snap, "Cache-Control"):
	case rt.c.cfg.statuses[status]:
		h["Cache-Control"] = rt.cc
	case status == http.StatusNotModified && rt.c.cfg.statuses[http.StatusOK]: // the handler's NotModified
		h["Cache-Control"] = rt.cc // RFC 9110 §15.4.5: what the 200 would send
	case rt.p.NoStore:
		h["Cache-Control"] = noStoreCC
	}
}
