package gincache

import (
	"net/http"
	"strings"
	"time"
)

// CDNControl is what a route tells the CDN in front of it, separately from
// what it tells browsers: the targeted cache-control field of RFC 9213,
// "CDN-Cache-Control" unless FieldName names a vendor's own. A CDN that
// honours it uses these directives instead of Cache-Control, which still
// reaches browsers untouched (RFC 9213 §2.1); e.g. a page browsers revalidate
// on every use (NoCache) that the CDN keeps for ten minutes:
//
//	gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Minute,
//		CDN: gincache.CDNControl{MaxAge: 10 * time.Minute}}
//
// The zero CDNControl sends no field: the CDN follows Cache-Control.
// Durations are whole seconds, as the directives count them.
type CDNControl struct {
	// MaxAge is sent as "max-age", in whole seconds: how long the CDN may
	// serve the response without asking again. A targeted field is read by
	// shared caches only, so max-age there means what s-maxage means in
	// Cache-Control. Zero sends "max-age=0" when any other field is set.
	MaxAge time.Duration
	// NoStore sends "no-store" alone: the CDN keeps nothing, whatever
	// Cache-Control lets browsers do. It excludes every other directive.
	NoStore bool
	// Private sends "private" alone: the CDN, a shared cache, must not
	// store the response (RFC 9111 §5.2.2.7). It excludes every other
	// directive.
	Private bool
	// StaleWhileRevalidate is sent as "stale-while-revalidate" (RFC 5861
	// §3), in whole seconds; zero omits it.
	StaleWhileRevalidate time.Duration
	// StaleIfError is sent as "stale-if-error" (RFC 5861 §4), in whole
	// seconds; zero omits it.
	StaleIfError time.Duration
	// FieldName is the header sent instead of "CDN-Cache-Control", for a CDN
	// that reads a field of its own, e.g. "Cloudflare-CDN-Cache-Control"
	// (RFC 9213 §2.1 lets a CDN define one; such names end in
	// "CDN-Cache-Control"). Empty means "CDN-Cache-Control", which every CDN
	// implementing RFC 9213 reads. It needs one of the directives above.
	FieldName string
}

// IsZero reports whether c sends nothing.
func (c CDNControl) IsZero() bool { return c == CDNControl{} }

// header returns the canonical field name c is sent under.
func (c CDNControl) header() string {
	if c.FieldName == "" {
		return cdnCacheControl
	}
	return http.CanonicalHeaderKey(c.FieldName)
}

// value returns the field value c sends, "" for the zero CDNControl. It is
// a Dictionary (RFC 9213 §2.1, RFC 8941 §3.2): lower-case keys, integer
// values.
func (c CDNControl) value() string {
	switch {
	case c == CDNControl{FieldName: c.FieldName}: // the zero value, or a name alone (invalid)
		return ""
	case c.NoStore:
		return "no-store"
	case c.Private:
		return "private"
	}
	d := []string{"max-age=" + seconds(c.MaxAge)}
	if c.StaleWhileRevalidate > 0 {
		d = append(d, "stale-while-revalidate="+seconds(c.StaleWhileRevalidate))
	}
	if c.StaleIfError > 0 {
		d = append(d, "stale-if-error="+seconds(c.StaleIfError))
	}
	return strings.Join(d, ", ")
}

// CDNCacheControl returns the name and value of the targeted field the
// policy sends (RFC 9213), or two empty strings when it sends none.
func (p Policy) CDNCacheControl() (name, value string) {
	if p.SharedCache || p.CDN.IsZero() {
		return "", ""
	}
	return p.CDN.header(), p.CDN.value()
}

// validate reports what contradicts itself in c, through bad.
func (c CDNControl) validate(p Policy, bad func(format string, args ...any)) {
	if c.IsZero() {
		return
	}
	for _, f := range [...]struct {
		name string
		d    time.Duration
	}{{"CDN.MaxAge", c.MaxAge}, {"CDN.StaleWhileRevalidate", c.StaleWhileRevalidate}, {"CDN.StaleIfError", c.StaleIfError}} {
		switch {
		case f.d < 0:
			bad("%s is negative (%v)", f.name, f.d)
		case f.d%time.Second != 0:
			bad("%s must be whole seconds, as CDN-Cache-Control counts them (got %v)", f.name, f.d)
		}
	}
	timed := c.MaxAge > 0 || c.StaleWhileRevalidate > 0 || c.StaleIfError > 0
	switch {
	case c.NoStore && (c.Private || timed):
		bad("CDN.NoStore excludes every other CDN directive (Private, MaxAge, Stale*)")
	case c.Private && timed:
		bad("CDN.Private excludes MaxAge and Stale*: a CDN must not store a private response")
	case c == CDNControl{FieldName: c.FieldName}:
		bad("CDN.FieldName %q without a directive: set MaxAge, NoStore or Private", c.FieldName)
	}
	if n := c.FieldName; n != "" && (!validToken(n) || !strings.HasSuffix(strings.ToLower(n), "cdn-cache-control")) {
		bad("CDN.FieldName %q is not a targeted cache-control field name (a token ending in CDN-Cache-Control, RFC 9213 §2.1)", n)
	}
	if p.SharedCache {
		bad("CDN is for fixed policies: a SharedCache response carries its own CDN-Cache-Control")
	}
}

// cdnField is a policy's targeted field, compiled when the route is
// registered: its canonical name and its value, ready to be set.
type cdnField struct {
	name  string   // "": none
	value []string // one line
}

func newCDNField(p Policy) cdnField {
	name, value := p.CDNCacheControl()
	if name == "" {
		return cdnField{}
	}
	return cdnField{name: name, value: []string{value}}
}

// set sends the field on a response that gets the policy's Cache-Control,
// unless the handler set its own (stored with the response and replayed
// as it is). It runs on a miss and on a stored response's replay, so a hit
// and a 304 send what the miss did.
func (f cdnField) set(h, snap http.Header) {
	if f.name == "" {
		return
	}
	if _, own := h[f.name]; own && changed(h, snap, f.name) {
		return
	}
	h[f.name] = f.value
}

// replay sends the field on a replayed entry, or the handler's own when the
// entry holds one.
func (f cdnField) replay(h, stored http.Header) {
	if f.name == "" {
		return
	}
	if v, own := stored[f.name]; own {
		h[f.name] = v // a 304 copies only some stored fields
		return
	}
	h[f.name] = f.value
}

// setCDN sends the policy's targeted field on a rendered response of a
// status that gets its Cache-Control: a cacheable one, or the 304 a handler
// answers for one.
func (rt *route) setCDN(h, snap http.Header, status int) {
	if st := rt.c.cfg.statuses; st[status] || status == http.StatusNotModified && st[http.StatusOK] {
		rt.cdn.set(h, snap)
	}
}
