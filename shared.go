package gincache

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
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

// sharedStatus reports whether a SharedCache route may store a response of
// this status: any final status (RFC 9111 §3), but 206, whose parts this
// cache does not combine (RFC 9111 §3.3, RFC 9110 §14), and 304, which only
// updates a stored response (§4.3.4). Whether it is stored then depends on
// its directives: a status that is not heuristically cacheable needs an
// explicit lifetime or public (storable), and one this cache does not
// understand is never stored with must-understand (understoodStatus).
func sharedStatus(status int) bool {
	return status >= 200 && status <= 599 && status != http.StatusPartialContent && status != http.StatusNotModified
}

// understoodStatus reports whether this cache understands the caching
// requirements of a status (RFC 9111 §5.2.2.3): the heuristically cacheable
// ones it stores (RFC 9110 §15.1, without 206), and the redirects 302 and
// 307, which have none beyond their freshness.
func understoodStatus(status int) bool {
	return heuristicStatuses[status] && status != http.StatusPartialContent ||
		status == http.StatusFound || status == http.StatusTemporaryRedirect
}

// forwardedConditionals are the client's validators, taken off the request a
// SharedCache route forwards to its handler: the cache wants a full response
// it can store, and answers the client's conditionals itself (RFC 9111 §4.3.2).
var forwardedConditionals = []string{"If-None-Match", "If-Modified-Since"}

// sharedMode is the mode of a SharedCache route (Policy.SharedCache): an
// RFC 9111 shared cache in front of its handler.
type sharedMode struct{ rt *route }

var _ mode = sharedMode{}

// sharedPlan is a SharedCache route's own state of a request.
type sharedPlan struct {
	revalidate *Entry            // the stale entry the handler is asked to validate
	index      *Entry            // the Vary index the request was looked up under
	sent       time.Time         // when the request went to the handler, for Age (RFC 9111 §4.2.3)
	asked      requestDirectives // what the request's Cache-Control allows (RFC 9111 §5.2.1)
}

func (m sharedMode) plan(gc *gin.Context, rd *requestDirectives, p *plan) bool {
	rt, req := m.rt, gc.Request
	p.store = req.Method == http.MethodGet && !rd.noStore // RFC 9111 §3, §5.2.1.5
	p.fwd = fwdURIMiss
	asked := *rd // noCache with Pragma's (RFC 9111 §5.4)
	if !rt.honourNoCache {
		asked.noCache, asked.maxAge, asked.minFresh = false, delta{}, delta{}
	}
	p.shared.asked, p.fresh = asked, asked.noCache
	lookup := true
	switch {
	case hasContent(req):
		lookup, p.store, p.fwd, p.detail = false, false, fwdBypass, detailRequestBody
	case req.Header.Get("Range") != "": // answered from a stored 200 (shared_range.go); a 206 is never stored
		lookup, p.store, p.fwd, p.detail = req.Method == http.MethodGet, false, fwdBypass, "range"
	}
	return lookup
}

// lookup returns the stored response for the request: under key, or, when
// what is there is a Vary index, the variant that the request's values of the
// listed headers select (RFC 9111 §4.1), with the index.
func (m sharedMode) lookup(gc *gin.Context, key string) (e, index *Entry, err error) {
	rt, ctx := m.rt, gc.Request.Context()
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

// variantKey is the key of the variant of key that h selects under index:
// by the values of the fields the index names, normalised so equivalent
// requests share a variant (varyValues, RFC 9111 §4.1).
func variantKey(key string, index *Entry, h http.Header) string {
	names := index.Header["Vary"]
	return varySuffix(key+"\x00gen="+string(index.Body), varyValues(h, names), names)
}

// serveStored answers from e when RFC 9111 allows it without validation
// for this request (§4.2, §5.2.1), or stale within the response's
// stale-while-revalidate while a background request revalidates it (RFC
// 5861 §3). Otherwise it prepares the render: a conditional request when e
// has a validator (§4.3.1), and e as the fallback of a failure within the
// response's stale-if-error.
func (m sharedMode) serveStored(gc *gin.Context, e *Entry, p *plan) verdict {
	rt := m.rt
	resp := responseDirectives(e.Header)
	if gc.Request.Header.Get("Authorization") != "" && !sharesWithAuthorization(resp) { // §3.5
		return verdict{fwd: fwdBypass, detail: "authorization"}
	}
	life := m.freshFor(e, resp)
	age := max(rt.c.cfg.now().Sub(e.StoredAt), 0)
	asked := p.shared.asked
	unvalidated := m.sendable(e, resp, false) // §5.2.2.4, RFC 9213: what a client may have of it unvalidated
	if requestAllows(asked.cacheControl(), resp, age, life) {
		how := servedFresh
		if age >= life {
			how = servedMaxStale
		}
		m.replayStored(gc, unvalidated, how, age)
		return verdict{done: true}
	}
	if swr := resp.staleWhileRevalidate; swr.set && age >= life && age < life+swr.d && !forbidsStale(resp) &&
		p.store && !asked.noCache && !asked.maxAge.set && !asked.minFresh.set { // RFC 5861 §3
		m.replayStored(gc, unvalidated, servedStale, age)
		rt.refresh(gc, p.key, e, p.shared.index)
		return verdict{done: true}
	}
	v := verdict{fwd: fwdStale}
	if asked.noCache || age < life && !resp.noCacheAll() {
		v.fwd = fwdRequest // fresh, but the client asked for more (RFC 9211 §2.2)
	}
	if !p.store {
		return v
	}
	if hasValidator(e) {
		v.revalidate = e
	}
	if sie := resp.staleIfError; sie.set && age < life+sie.d && !forbidsStale(resp) { // RFC 5861 §4
		v.stale = unvalidated
	}
	return v
}

// sharesWithAuthorization reports whether a response may be stored for, or
// served to, a request with Authorization by a shared cache (RFC 9111 §3.5).
func sharesWithAuthorization(cc cacheControl) bool {
	return cc.public || cc.mustRevalidate || cc.sMaxAge.set
}

// forbidsStale reports whether a response may never be served stale by a
// shared cache (RFC 9111 §4.2.4, §5.2.2.2, §5.2.2.8, §5.2.2.10).
func forbidsStale(cc cacheControl) bool {
	return cc.noCacheAll() || cc.mustRevalidate || cc.proxyRevalidate || cc.sMaxAge.set
}

// hasValidator reports whether a stored response can be revalidated.
func hasValidator(e *Entry) bool {
	_, lm := e.Header["Last-Modified"]
	return e.ETag != "" || lm
}

// freshFor is how long e is fresh, as the response itself says (RFC 9111
// §4.2.1), given its parsed Cache-Control.
func (m sharedMode) freshFor(e *Entry, cc cacheControl) time.Duration {
	life, _ := freshnessLifetime(e.Status, e.Header, cc, m.rt.p.HeuristicFreshness)
	if e.Lifetime > 0 { // a soft purge ended it (softpurge.go)
		life = min(life, e.Lifetime)
	}
	return life
}

func (m sharedMode) lifetime(e *Entry) time.Duration {
	return m.freshFor(e, responseDirectives(e.Header))
}

// waited: a waiter takes the leader's response when it could have been
// served it from the store (its own Authorization and Cache-Control,
// asked); the leader's variant may not be its own, so a varying response is
// looked up again for the waiter's variant, stored by now if it is the same
// — unless only a response made after the waiter came will do. A waiter that
// may not take it revalidates it, when it can, instead of rendering in full
// (a no-cache response, say).
func (m sharedMode) waited(gc *gin.Context, e *Entry, p plan) (serve, revalidate *Entry) {
	if e != nil && len(e.Header["Vary"]) > 0 {
		e = nil
		if !p.fresh {
			e, _, _ = m.lookup(gc, p.key)
		}
	}
	if e == nil {
		return nil, nil
	}
	if m.collapsible(gc, e, p) {
		return m.sendable(e, responseDirectives(e.Header), false), nil // §5.2.2.4
	}
	if p.store && m.revalidatable(gc, e) {
		return nil, e
	}
	return nil, nil
}

// collapsible reports whether a request that waited on another request's
// render (or another replica's) may be answered with e: one that this
// request could have been served from the store. A Vary index never is. A
// request that needs a response made after it came (fresh) waited on one
// that was (flights.joinAfter), so its no-cache is satisfied.
func (m sharedMode) collapsible(gc *gin.Context, e *Entry, p plan) bool {
	if isVaryIndex(e) {
		return false
	}
	age := max(m.rt.c.cfg.now().Sub(e.StoredAt), 0)
	resp := responseDirectives(e.Header)
	if gc.Request.Header.Get("Authorization") != "" && !sharesWithAuthorization(resp) {
		return false
	}
	asked := p.shared.asked
	if p.fresh {
		asked.noCache = false
	}
	return requestAllows(asked.cacheControl(), resp, age, m.freshFor(e, resp))
}

// revalidatable reports whether this request may have e validated with
// the handler and then served: e has a validator, and a request with
// Authorization only uses a response made to be shared (RFC 9111 §3.5).
func (m sharedMode) revalidatable(gc *gin.Context, e *Entry) bool {
	if isVaryIndex(e) || !hasValidator(e) {
		return false
	}
	return gc.Request.Header.Get("Authorization") == "" || sharesWithAuthorization(responseDirectives(e.Header))
}

// forward prepares the request a SharedCache route's handler sees: without
// the client's validators when the response may be stored, and with the
// stored entry's when it is to be revalidated (RFC 9111 §4.3.1). It returns
// the client's request, which the caller puts back once the chain has run,
// and when the request went, for the response's Age (§4.2.3).
func (m sharedMode) forward(gc *gin.Context, p plan) (*http.Request, time.Time) {
	sent := m.rt.c.cfg.now()
	req := gc.Request
	if !p.store {
		return nil, sent
	}
	out := new(http.Request)
	*out = *req
	out.Header = req.Header.Clone()
	for _, k := range forwardedConditionals {
		delete(out.Header, k)
	}
	if p.shared.revalidate != nil {
		setValidators(out.Header, p.shared.revalidate)
	}
	gc.Request = out
	return req, sent
}

// setValidators makes h a conditional request for e (RFC 9111 §4.3.1).
func setValidators(h http.Header, e *Entry) {
	if tag := originETag(e); tag != "" {
		h["If-None-Match"] = []string{tag}
	}
	if lm, ok := e.Header["Last-Modified"]; ok {
		h["If-Modified-Since"] = lm
	}
}

// settle is the one settle of a SharedCache route's responses, in the
// request and in a background refresh: a 304 to the conditional request
// for x.revalidate updates it (settle304); any other response is settled in
// full (settleFull).
func (m sharedMode) settle(x rendered) settled {
	if x.revalidate != nil && x.status == http.StatusNotModified {
		return m.settle304(x)
	}
	return m.settleFull(x)
}

// settleFull: the response keeps the headers its handler gave it (a Date is
// added when it has none, RFC 9110 §6.6.1), and is stored when RFC 9111 §3
// allows it, for as long as §4.2 says.
func (m sharedMode) settleFull(x rendered) settled {
	rt := m.rt
	h := x.header
	canonicalize(h)
	canonicalize(x.snap)
	defer m.cacheControl(h, x.snap, x.status) // once stored, CDN-Cache-Control is off the client's response
	now := rt.c.cfg.now()
	if _, ok := dateOf(h); !ok {
		h["Date"] = []string{now.UTC().Format(http.TimeFormat)}
	}
	o := settled{cacheable: sharedStatus(x.status)}
	if o.cacheable {
		o.etag = normalizeETag(h.Get("Etag"))
		o.lastModified = modifiedAt(h, now)
		if bodyAllowed(x.status) && (x.req.Method != http.MethodHead || len(x.body) > 0) {
			h["Content-Length"] = []string{strconv.Itoa(len(x.body))}
		}
	}
	if !x.store {
		return o
	}
	cc := responseDirectives(h)
	e := &Entry{
		Status:       x.status,
		Body:         slices.Clone(x.body),
		ETag:         o.etag,
		LastModified: o.lastModified,
		StoredAt:     now.Add(-initialAge(h, x.sent, now)),
	}
	ttl, reason := m.storable(x, cc, e, o.cacheable)
	if reason != "" {
		o.detail = reason
		rt.c.observe(x.gc, EventUncacheable, reason, 0)
		return o
	}
	e.Header = sharedHeader(h, x.snap, cc)
	rt.c.encodeEntry(e, h, x.snap, true, false) // one entry for every coding (coding.go)
	if err := m.store(x.gc, x.req, x.key, e, ttl, x.index); err != nil {
		o.detail = "store-error"
		return o
	}
	o.entry = e
	return o
}

// storable says how long a rendered response is kept, or why it is not
// stored (RFC 9111 §3, §3.5, §4.2.1; a Set-Cookie or a handler's error is
// never stored).
func (m sharedMode) storable(x rendered, cc cacheControl, e *Entry, cacheable bool) (time.Duration, string) {
	rt := m.rt
	h := x.header
	switch {
	case !cacheable:
		return 0, "status"
	case x.errs > 0:
		return 0, "handler-error"
	case cc.noStore || cc.private && cc.privateFields == nil: // private="field" stores the rest
		return 0, "cache-control"
	case cc.mustUnderstand && !understoodStatus(x.status): // §5.2.2.3
		return 0, "must-understand"
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
// (§5.2.2.7): a shared cache may not store them. The fields a qualified
// no-cache names are stored, and left out when the response is served
// without revalidation (sendable, §5.2.2.4).
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

// store stores e under key, or, when it varies, under its variant key with
// the Vary index under key (RFC 9111 §4.1). The index in the store is kept
// while it names the same fields, so the variants stored under it stay
// reachable.
func (m sharedMode) store(gc *gin.Context, req *http.Request, key string, e *Entry, ttl time.Duration, index *Entry) error {
	rt := m.rt
	tags := rt.entryTags(gc, req)
	names := varyNames(e.Header["Vary"])
	if len(e.Codings) > 0 { // the coding is negotiated from the one entry (choose), not a variant each
		names = slices.DeleteFunc(names, func(n string) bool { return n == "Accept-Encoding" })
	}
	if len(names) > 0 {
		if index == nil || !slices.Equal(index.Header["Vary"], names) {
			// The request may have been looked up before a concurrent
			// render (here or on another replica) stored an index: its
			// variants stay reachable if this one joins it.
			index = newVaryIndex(names, rt.c.cfg.now())
			index.prepare()
			if cur, err := rt.c.get(req.Context(), key); err == nil && isVaryIndex(cur) && slices.Equal(cur.Header["Vary"], names) {
				index = cur
			}
		}
		if err := rt.c.set(req.Context(), key, index, rt.p.ServerTTL, tags); err != nil {
			return err
		}
		key = variantKey(key, index, req.Header)
	}
	e.prepare() // e is new (settleFull, updatedBy304): no replay reads it yet
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

// settle304 settles the handler's 304 to the conditional request made for
// x.revalidate: the stored response is updated (see updatedBy304) and stored
// again (validated, and entry when stored). A 304 whose entity-tag is not
// the stored one cannot update it (mismatched): the origin no longer has
// the stored representation, so the entry is dropped, in the request and
// in a background refresh alike — left stale, it would be served within
// stale-while-revalidate and revalidated in vain on every use. The request
// then asks again without a condition (rendering.retryUnconditional;
// RFC 9111 §4.3.3 leaves this to the cache); a refresh ends there, and
// the next request is a miss.
func (m sharedMode) settle304(x rendered) settled {
	canonicalize(x.header)
	canonicalize(x.snap)
	e, ok := m.updatedBy304(x.revalidate, x.header, x.snap, x.sent)
	if !ok {
		m.rt.c.observe(x.gc, EventUncacheable, detailMismatched304, 0)
		m.drop(x.req, x.key, x.index)
		return settled{mismatched: true}
	}
	o := settled{validated: m.sendable(e, cacheControl{}, true)} // just validated: every field may go
	if m.storeUpdated(x.gc, x.req, x.key, e, x.index) {
		o.entry = e
	}
	return o
}

// drop deletes the stored response the request was served under key (its
// variant, when index is the Vary index it was looked up under). A failure
// is a fault: the entry then ages out, or is replaced by the next response.
func (m sharedMode) drop(req *http.Request, key string, index *Entry) {
	c := m.rt.c
	keys := []string{key}
	if index != nil {
		keys[0] = variantKey(key, index, req.Header) // the index still serves the other variants
	}
	ctx, cancel := c.deadline(req.Context())
	defer cancel()
	if err := c.delete(ctx, keys...); err != nil {
		c.fault("delete", key, err)
	}
}

// updatedBy304 is old updated by a 304 with header h (RFC 9111 §4.3.4): the
// 304's fields replace the stored ones (those the handler set, see snap,
// and may be stored, see updatable), it carries a Date (the time it came,
// when it has none), and its age starts from the 304. ok is false when the
// 304 names another entity-tag than old's: it does not validate old. A stored
// response with only Last-Modified takes the 304's entity-tag.
func (m sharedMode) updatedBy304(old *Entry, h, snap http.Header, sent time.Time) (e *Entry, ok bool) {
	rt := m.rt
	tag := normalizeETag(h.Get("Etag"))
	origin := originETag(old)
	if tag != "" && origin != "" && opaqueTag(tag) != opaqueTag(origin) {
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
	if origin != old.ETag { // compressed here: the stored coding keeps its own tag
		merged["Etag"] = old.Header["Etag"]
	}
	for _, k := range responseDirectives(merged).privateFields { // §5.2.2.7: never stored
		delete(merged, k)
	}
	e = &Entry{
		Status:       old.Status,
		Header:       merged,
		Body:         old.Body,
		ETag:         cmp.Or(old.ETag, tag),
		Codings:      old.Codings, // the 304 validated the representation, in every coding
		LastModified: modifiedAt(merged, now),
		StoredAt:     now.Add(-initialAge(h, sent, now)),
	}
	return e, true
}

// modifiedAt is the time a request's If-Modified-Since is compared with
// for a stored response with header h (Entry.LastModified): its
// Last-Modified; without a valid one its Date, or else the time it came,
// received (RFC 9111 §4.3.2, RFC 9110 §13.1.3). So a client revalidating a
// response that never had a Last-Modified, by the Date it was sent, gets its
// 304 from the cache.
func modifiedAt(h http.Header, received time.Time) time.Time {
	if t, ok := fieldDate(h.Get("Last-Modified")); ok {
		return t.UTC()
	}
	if t, ok := dateOf(h); ok {
		return t.UTC()
	}
	return received.UTC().Truncate(time.Second)
}

// storeUpdated stores a response updated by a 304 when it may still be
// stored (its new Cache-Control may say otherwise), and reports whether it was.
func (m sharedMode) storeUpdated(gc *gin.Context, req *http.Request, key string, e, index *Entry) bool {
	ttl, reason := m.storable(rendered{
		req: req, gc: gc, header: e.Header, snap: http.Header{}, status: e.Status, key: key, store: true,
		errs: len(gc.Errors),
	}, responseDirectives(e.Header), e, true)
	return reason == "" && m.store(gc, req, key, e, ttl, index) == nil
}

// restoreHeader takes the handler's response fields off the live header h,
// back to snap, except Set-Cookie, which still goes to this client (and is
// never stored).
func restoreHeader(h, snap http.Header) {
	for k := range h {
		if k == "Set-Cookie" {
			continue
		}
		if v, ok := snap[k]; ok {
			h[k] = v
		} else {
			delete(h, k)
		}
	}
}

// cacheControl: a SharedCache route sends the response's own Cache-Control,
// none of its own, and its CDN-Cache-Control only when the policy forwards
// it (RFC 9213 §2.1: the field is this cache's; Policy.ForwardCDNCacheControl).
func (m sharedMode) cacheControl(h, _ http.Header, _ int) {
	if !m.rt.p.ForwardCDNCacheControl {
		delete(h, cdnCacheControl)
	}
}
