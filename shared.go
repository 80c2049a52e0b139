package gincache

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// A SharedCache route (Policy.SharedCache) behaves as an RFC 9111 shared
// cache: the response, not the policy, says whether and for how long it is
// stored. This file holds its decision tree; the render, the coalescing and
// the replay are the ones every route uses.

// sharedStatus reports whether a SharedCache route stores a response of this
// status: one RFC 9110 §15.1 calls heuristically cacheable, but 206
// (RFC-CHECKLIST S10), or the redirect 302 or 307, which are stored only with
// an explicit lifetime (RFC 9111 §3: the cache must understand the status).
// Any other status passes through untouched.
func sharedStatus(status int) bool {
	return heuristicStatuses[status] && status != http.StatusPartialContent ||
		status == http.StatusFound || status == http.StatusTemporaryRedirect
}

// forwardedConditionals are the client's validators, taken off the request a
// SharedCache route forwards to its handler: the cache wants a full response
// it can store, and answers the client's conditionals itself (RFC 9111 §4.3.2).
var forwardedConditionals = []string{"If-None-Match", "If-Modified-Since"}

// serveShared is the decision tree of a SharedCache route.
func (rt *route) serveShared(gc *gin.Context) {
	rd, ok := rt.begin(gc)
	if !ok {
		return
	}
	req := gc.Request
	m := miss{
		key:   rt.key(gc),
		store: req.Method == http.MethodGet && !rd.noStore, // S1, S7
		fwd:   fwdURIMiss,
		asked: rd.cc,
	}
	m.asked.noCache = rd.noCache // with Pragma's (RFC 9111 §5.4)
	if !rt.honourNoCache {
		m.asked.noCache, m.asked.maxAge, m.asked.minFresh = false, delta{}, delta{}
	}
	m.fresh = m.asked.noCache
	lookup := true
	switch {
	case hasContent(req):
		lookup, m.store, m.fwd, m.detail = false, false, fwdBypass, detailRequestBody
	case req.Header.Get("Range") != "": // S10
		lookup, m.store, m.fwd, m.detail = false, false, fwdBypass, "range"
	}
	if lookup {
		e, index, err := rt.lookupShared(gc, m.key)
		m.index = index
		switch {
		case err == nil:
			if rt.serveStoredShared(gc, e, &m) {
				return
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

// lookupShared returns the stored response for the request: under key, or,
// when what is there is a Vary index, the variant that the request's values
// of the listed headers select (RFC 9111 §4.1, R3), with the index.
func (rt *route) lookupShared(gc *gin.Context, key string) (e, index *Entry, err error) {
	ctx := gc.Request.Context()
	e, err = rt.c.get(ctx, key)
	if err != nil || !isVaryIndex(e) {
		return e, nil, err
	}
	index = e
	e, err = rt.c.get(ctx, variantKey(key, index, gc.Request.Header))
	return e, index, err
}

// A Vary index is what a SharedCache route stores under a URL's key when
// the response varies: the names of the request headers that select a
// variant (Header["Vary"]) and a random generation (Body). Each variant is
// stored under the key, the generation and those headers' values, so
// deleting the index (a purge of the key, an invalidation without tags)
// orphans every variant: the next index has another generation. Status 0
// marks it; no response has that status, and ordinary routes take it for
// a miss.
func isVaryIndex(e *Entry) bool { return e.Status == 0 }

func newVaryIndex(names []string, now time.Time) *Entry {
	var gen [8]byte
	_, _ = rand.Read(gen[:])
	return &Entry{Header: http.Header{"Vary": names}, Body: []byte(hex.EncodeToString(gen[:])), StoredAt: now}
}

// variantKey is the key of the variant of key that h selects under index.
func variantKey(key string, index *Entry, h http.Header) string {
	return varySuffix(key+"\x00gen="+string(index.Body), h, index.Header["Vary"])
}

// serveStoredShared answers from e when RFC 9111 allows it without
// validation for this request (§4.2, §5.2.1), or stale within the response's
// stale-while-revalidate while a background request revalidates it (RFC 5861
// §3). Otherwise it prepares m for the handler: a conditional request when e
// has a validator (§4.3.1), and e as the fallback of a failure within the
// response's stale-if-error.
func (rt *route) serveStoredShared(gc *gin.Context, e *Entry, m *miss) bool {
	resp := parseCacheControl(e.Header["Cache-Control"])
	if gc.Request.Header.Get("Authorization") != "" && !sharesWithAuthorization(resp) { // S6, §3.5
		m.fwd, m.detail = fwdBypass, "authorization"
		return false
	}
	life := rt.lifetime(e, resp)
	age := max(rt.c.cfg.now().Sub(e.StoredAt), 0)
	if requestAllows(m.asked, resp, age, life) {
		how := servedFresh
		if age >= life {
			how = servedMaxStale
		}
		rt.replay(gc, e, how, age, 0)
		return true
	}
	asked := m.asked
	if swr := resp.staleWhileRevalidate; swr.set && age >= life && age < life+swr.d && !forbidsStale(resp) &&
		m.store && !asked.noCache && !asked.maxAge.set && !asked.minFresh.set { // RFC 5861 §3
		rt.replay(gc, e, servedStale, age, 0)
		rt.refresh(gc, m.key, e, m.index)
		return true
	}
	m.fwd = fwdStale
	if asked.noCache || age < life && !resp.noCache {
		m.fwd = fwdRequest // R4: fresh, but the client asked for more (RFC 9211 §2.2)
	}
	if !m.store {
		return false
	}
	if hasValidator(e) {
		m.revalidate = e
	}
	if sie := resp.staleIfError; sie.set && age < life+sie.d && !forbidsStale(resp) { // R7, RFC 5861 §4
		m.stale = e
	}
	return false
}

// sharesWithAuthorization reports whether a response may be stored for, or
// served to, a request with Authorization by a shared cache (RFC 9111 §3.5).
func sharesWithAuthorization(cc cacheControl) bool {
	return cc.public || cc.mustRevalidate || cc.sMaxAge.set
}

// forbidsStale reports whether a response may never be served stale by a
// shared cache (RFC 9111 §4.2.4, §5.2.2.2, §5.2.2.8, §5.2.2.10).
func forbidsStale(cc cacheControl) bool {
	return cc.noCache || cc.mustRevalidate || cc.proxyRevalidate || cc.sMaxAge.set
}

// hasValidator reports whether a stored response can be revalidated.
func hasValidator(e *Entry) bool {
	_, lm := e.Header["Last-Modified"]
	return e.ETag != "" || lm
}

// lifetime is how long e is fresh: the policy's ServerTTL, or for a
// SharedCache route what the response itself says (RFC 9111 §4.2.1).
func (rt *route) lifetime(e *Entry, cc cacheControl) time.Duration {
	if !rt.shared {
		return rt.p.ServerTTL
	}
	life, _ := freshnessLifetime(e.Status, e.Header, cc, rt.p.HeuristicFreshness)
	return life
}

// entryLifetime is lifetime for an entry whose Cache-Control is not parsed yet.
func (rt *route) entryLifetime(e *Entry) time.Duration {
	if !rt.shared {
		return rt.p.ServerTTL
	}
	return rt.lifetime(e, parseCacheControl(e.Header["Cache-Control"]))
}

// collapsible reports whether a request that waited on another request's
// render (or another replica's) may be answered with e (RFC-CHECKLIST L3):
// for an ordinary route, whose key fully selects the response, any fresh
// entry; for a SharedCache route, one that this request could have been
// served from the store (its own Authorization and Cache-Control, asked).
// A Vary index never is.
func (rt *route) collapsible(gc *gin.Context, e *Entry, asked *cacheControl) bool {
	if isVaryIndex(e) {
		return false
	}
	age := max(rt.c.cfg.now().Sub(e.StoredAt), 0)
	if !rt.shared {
		return age < rt.p.ServerTTL
	}
	resp := parseCacheControl(e.Header["Cache-Control"])
	if gc.Request.Header.Get("Authorization") != "" && !sharesWithAuthorization(resp) {
		return false
	}
	return requestAllows(*asked, resp, age, rt.lifetime(e, resp))
}

// revalidatable reports whether this request may have e validated with
// the handler and then served: e has a validator, and a request with
// Authorization only uses a response made to be shared (RFC 9111 §3.5).
func (rt *route) revalidatable(gc *gin.Context, e *Entry) bool {
	if isVaryIndex(e) || !hasValidator(e) {
		return false
	}
	return gc.Request.Header.Get("Authorization") == "" || sharesWithAuthorization(parseCacheControl(e.Header["Cache-Control"]))
}

// lookup is the store lookup of a request that waited for another
// replica's render: a SharedCache route's picks the request's variant.
func (rt *route) lookup(gc *gin.Context, key string) (*Entry, error) {
	if rt.shared {
		e, _, err := rt.lookupShared(gc, key)
		return e, err
	}
	return rt.c.get(gc.Request.Context(), key)
}

// forward prepares the request a SharedCache route's handler sees: without
// the client's validators when the response may be stored, and with the
// stored entry's when it is to be revalidated (RFC 9111 §4.3.1). It returns
// the client's request, which the caller puts back once the chain has run.
func (rt *route) forward(gc *gin.Context, m *miss) *http.Request {
	m.sent = rt.c.cfg.now()
	req := gc.Request
	if !m.store {
		return nil
	}
	out := new(http.Request)
	*out = *req
	out.Header = req.Header.Clone()
	for _, k := range forwardedConditionals {
		delete(out.Header, k)
	}
	if m.revalidate != nil {
		setValidators(out.Header, m.revalidate)
	}
	gc.Request = out
	return req
}

// setValidators makes h a conditional request for e (RFC 9111 §4.3.1).
func setValidators(h http.Header, e *Entry) {
	if e.ETag != "" {
		h["If-None-Match"] = []string{e.ETag}
	}
	if lm, ok := e.Header["Last-Modified"]; ok {
		h["If-Modified-Since"] = lm
	}
}

// settleShared is settle for a SharedCache route: the response keeps the
// headers its handler gave it (a Date is added when it has none, RFC 9110
// §6.6.1), and is stored when RFC 9111 §3 allows it, for as long as §4.2
// says.
func (rt *route) settleShared(x rendered) settled {
	h := x.header
	canonicalize(h)
	canonicalize(x.snap)
	now := rt.c.cfg.now()
	if _, ok := dateOf(h); !ok {
		h["Date"] = []string{now.UTC().Format(http.TimeFormat)}
	}
	o := settled{cacheable: sharedStatus(x.status)}
	if o.cacheable {
		o.etag = normalizeETag(h.Get("Etag"))
		if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
			o.lastModified = t.UTC()
		}
		if bodyAllowed(x.status) && (x.req.Method != http.MethodHead || len(x.body) > 0) {
			h["Content-Length"] = []string{strconv.Itoa(len(x.body))}
		}
	}
	if !x.store {
		return o
	}
	cc := parseCacheControl(h["Cache-Control"])
	e := &Entry{
		Status:       x.status,
		Body:         slices.Clone(x.body),
		ETag:         o.etag,
		LastModified: o.lastModified,
		StoredAt:     now.Add(-initialAge(h, x.sent, now)),
	}
	ttl, reason := rt.sharedStorable(x, cc, e, o.cacheable)
	if reason != "" {
		o.detail = reason
		rt.c.observe(x.gc, EventUncacheable, reason, 0)
		return o
	}
	e.Header = sharedHeader(h, x.snap, cc)
	if err := rt.storeShared(x.gc, x.req, x.key, e, ttl, x.index); err != nil {
		o.detail = "store-error"
		return o
	}
	o.entry = e
	return o
}

// sharedStorable says how long a rendered response is kept, or why it is
// not stored (RFC 9111 §3, §3.5, §4.2.1; RFC-CHECKLIST S3, S4, S9).
func (rt *route) sharedStorable(x rendered, cc cacheControl, e *Entry, cacheable bool) (time.Duration, string) {
	h := x.header
	switch {
	case !cacheable:
		return 0, "status"
	case x.errs > 0:
		return 0, "handler-error"
	case cc.noStore || cc.private && cc.privateFields == nil: // private="field" stores the rest
		return 0, "cache-control"
	case changed(h, x.snap, "Set-Cookie"):
		return 0, "set-cookie"
	case listHas(h["Vary"], "*"):
		return 0, "vary"
	case x.req.Header.Get("Authorization") != "" && !sharesWithAuthorization(cc):
		return 0, "authorization"
	}
	life, explicit := freshnessLifetime(x.status, h, cc, rt.p.HeuristicFreshness)
	if !explicit && !heuristicStatuses[x.status] && !cc.public {
		return 0, "no-lifetime" // §3: nothing says it may be stored
	}
	remaining := life - rt.c.cfg.now().Sub(e.StoredAt)
	if sie := cc.staleIfError; sie.set && !forbidsStale(cc) {
		remaining += sie.d
	}
	if remaining <= 0 && !hasValidator(&Entry{ETag: e.ETag, Header: h}) {
		return 0, "stale" // it could never be used
	}
	// Kept past its freshness: to be revalidated with a 304, or served
	// to a client that accepts it stale (max-stale, stale-if-error).
	return rt.p.ServerTTL, ""
}

// sharedHeader is what a SharedCache route stores of a response's header:
// what storedHeader keeps, with the response's Date (RFC 9111 §4: a stored
// response keeps it), and without the fields a qualified private names
// (§5.2.2.7): a shared cache may not store them. (A qualified no-cache is
// read as a plain one: the response is validated on every use.)
func sharedHeader(h, snap http.Header, cc cacheControl) http.Header {
	out := storedHeader(h, snap)
	if d, ok := h["Date"]; ok {
		out["Date"] = slices.Clip(slices.Clone(d))
	}
	for _, k := range cc.privateFields {
		delete(out, k)
	}
	return out
}

// storeShared stores e under key, or, when it varies, under its variant key
// with the Vary index under key (RFC 9111 §4.1). The index in the store is
// kept while it names the same fields, so the variants stored under it stay
// reachable.
func (rt *route) storeShared(gc *gin.Context, req *http.Request, key string, e *Entry, ttl time.Duration, index *Entry) error {
	tags := rt.entryTags(gc, req)
	if names := varyNames(e.Header["Vary"]); len(names) > 0 {
		if index == nil || !slices.Equal(index.Header["Vary"], names) {
			// The request may have been looked up before a concurrent
			// render (here or on another replica) stored an index: its
			// variants stay reachable if this one joins it.
			index = newVaryIndex(names, rt.c.cfg.now())
			if cur, err := rt.c.get(req.Context(), key); err == nil && isVaryIndex(cur) && slices.Equal(cur.Header["Vary"], names) {
				index = cur
			}
		}
		if err := rt.c.set(req.Context(), key, index, rt.p.ServerTTL, tags); err != nil {
			return err
		}
		key = variantKey(key, index, req.Header)
	}
	if err := rt.c.set(req.Context(), key, e, ttl, tags); err != nil {
		return err
	}
	rt.c.observe(gc, EventStored, "", len(e.Body))
	return nil
}

// varyNames lists the canonical field names of Vary lines, without duplicates.
func varyNames(lines []string) []string {
	var names []string
	for _, line := range lines {
		for f := range strings.SplitSeq(line, ",") {
			if f = strings.TrimSpace(f); f != "" {
				names = append(names, f)
			}
		}
	}
	return canonicalVary(names)
}

// updatable reports whether field k of a 304 with header h updates the
// stored response (RFC 9111 §3.2): not its Content-Length, which describes
// no body, nor the fields that are never stored, nor those its Connection
// names (RFC 9110 §7.6.1).
func updatable(k string, h http.Header) bool {
	return k != "Content-Length" && (!unstoredHeaders[k] || k == "Date") && !listHas(h["Connection"], k)
}

// revalidated handles the handler's 304 to the conditional request made for
// m.revalidate: the stored response is updated (see refreshed), stored
// again, and replayed, the client's own validators deciding between 200 and
// 304. A 304 whose entity-tag is not the stored one cannot update it; the
// entry is dropped and the client gets a 502.
func (r *render) revalidated() {
	rt, gc, m := r.rt, r.gc, r.m
	h := r.w.ResponseWriter.Header()
	canonicalize(h)
	canonicalize(r.snap)
	e, ok := rt.refreshed(m.revalidate, h, r.snap, m.sent)
	if !ok {
		rt.c.observe(gc, EventUncacheable, "mismatched-304", 0)
		keys := []string{m.key}
		if m.index != nil {
			keys = append(keys, variantKey(m.key, m.index, gc.Request.Header))
		}
		ctx, cancel := rt.c.deadline(gc.Request.Context()) // L6
		if err := rt.c.delete(ctx, keys...); err != nil {
			rt.c.fault("delete", m.key, err)
		}
		cancel()
		r.restoreHeader(h)
		h[headerCacheState] = []string{forwardStatus(m.fwd, false, "mismatched-304")}
		h[headerXCache] = xMiss
		gc.AbortWithStatus(http.StatusBadGateway)
		return
	}
	stored := rt.storeRefreshed(gc, gc.Request, m.key, e, m.index)
	if stored && m.flight != nil {
		m.flight.entry = e
	}
	r.restoreHeader(h)
	status := forwardStatus(m.fwd, stored, "") + "; fwd-status=304"
	rt.replayWith(gc, e, servedRevalidated, rt.c.cfg.now().Sub(e.StoredAt), []string{status})
}

// refreshed is old updated by a 304 with header h (RFC 9111 §4.3.4): the
// 304's fields replace the stored ones (those the handler set, see snap,
// and may be stored, see updatable), it carries a Date (the time it came,
// when it has none), and its age starts from the 304. ok is false when the
// 304 names another entity-tag than old's: it does not validate old. A stored
// response with only Last-Modified takes the 304's entity-tag.
func (rt *route) refreshed(old *Entry, h, snap http.Header, sent time.Time) (e *Entry, ok bool) {
	tag := normalizeETag(h.Get("Etag"))
	if tag != "" && old.ETag != "" && opaqueTag(tag) != opaqueTag(old.ETag) {
		return nil, false
	}
	now := rt.c.cfg.now()
	merged := old.Header.Clone()
	for k, v := range h {
		if updatable(k, h) && changed(h, snap, k) {
			merged[k] = slices.Clip(slices.Clone(v))
		}
	}
	if _, ok := dateOf(h); !ok || !changed(h, snap, "Date") { // RFC 9110 §6.6.1
		merged["Date"] = []string{now.UTC().Format(http.TimeFormat)}
	}
	e = &Entry{
		Status:       old.Status,
		Header:       merged,
		Body:         old.Body,
		ETag:         cmp.Or(old.ETag, tag),
		LastModified: old.LastModified,
		StoredAt:     now.Add(-initialAge(h, sent, now)),
	}
	if t, err := http.ParseTime(merged.Get("Last-Modified")); err == nil {
		e.LastModified = t.UTC()
	}
	return e, true
}

// storeRefreshed stores a response updated by a 304 when it may still be
// stored (its new Cache-Control may say otherwise), and reports whether it was.
func (rt *route) storeRefreshed(gc *gin.Context, req *http.Request, key string, e, index *Entry) bool {
	ttl, reason := rt.sharedStorable(rendered{
		req: req, gc: gc, header: e.Header, snap: http.Header{}, status: e.Status, key: key, store: true,
		errs: len(gc.Errors),
	}, parseCacheControl(e.Header["Cache-Control"]), e, true)
	return reason == "" && rt.storeShared(gc, req, key, e, ttl, index) == nil
}

// restoreHeader takes the handler's response fields off the live header,
// except Set-Cookie, which still goes to this client (and is never stored).
func (r *render) restoreHeader(h http.Header) {
	for k := range h {
		if k == "Set-Cookie" {
			continue
		}
		if v, ok := r.snap[k]; ok {
			h[k] = v
		} else {
			delete(h, k)
		}
	}
}
