package gincache

import "net/http"

// Protocol header lists, each with the rule it implements.

// unstoredHeaders are never stored or replayed: hop-by-hop fields, which
// apply to one connection only (RFC 9110 §7.6.1), as is any
// field that Connection names; Date, which is regenerated on every response
// (RFC 9111 §4); Set-Cookie, which belongs to one user (no Set-Cookie stored); and our own status fields,
// which describe one response.
var unstoredHeaders = map[string]bool{
	"Connection":          true,
	"Keep-Alive":          true,
	"Proxy-Connection":    true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	"Date":                true,
	"Set-Cookie":          true,
	"Age":                 true,
	"Cache-Status":        true,
	"X-Cache":             true,
}

// notModifiedHeaders are the stored fields a 304 carries: those the 200 would
// have sent that a cache needs to update its copy (RFC 9110 §15.4.5,
// RFC 9110 §15.4.5). Last-Modified is added only when there is no ETag.
var notModifiedHeaders = []string{
	"Cache-Control", "Content-Location", "Etag", "Expires", "Vary",
}

// representationHeaders describe a body; a 304 has none, so it carries none
// of them (RFC 9110 §15.4.5).
var representationHeaders = []string{
	"Content-Type", "Content-Encoding", "Content-Language", "Content-Length",
	"Content-Range", "Content-Disposition", "X-Last-Modified",
}

// canonicalize rewrites h's field names in canonical form, merging fields
// that differ only in case. A handler may write h["set-cookie"] directly,
// and net/http sends it as written; every rule here looks fields up by
// their canonical names, so without this a lower-case Set-Cookie, Vary or
// Cache-Control would escape them (RFC 9111 §3, no Set-Cookie stored). Field names are
// case-insensitive (RFC 9110 §5.1), so nothing a client sees changes.
func canonicalize(h http.Header) {
	for k, v := range h {
		ck := http.CanonicalHeaderKey(k)
		if ck == k {
			continue
		}
		delete(h, k)
		h[ck] = append(h[ck], v...)
	}
}

// first is h.Get(k) for a k already in canonical form: Get canonicalises its
// argument on every call, which a hit pays for each field it looks up.
func first(h http.Header, k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}
