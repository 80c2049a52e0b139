package gincache

import "strconv"

// What happened to a request, told twice: Cache-Status (RFC 9211) for tools,
// X-Cache in the older informal form for people.
const (
	cacheName = "gincache"

	// Cache-Status forward reasons (RFC 9211 §2.2).
	fwdURIMiss = "uri-miss" // nothing stored under the key
	fwdRequest = "request"  // the client asked for a fresh copy
	fwdBypass  = "bypass"   // this request or route is not served from the store
	fwdMethod  = "method"   // the method is not cacheable
	fwdStale   = "stale"    // the stored response is stale

	xCacheMiss        = "MISS"
	xCacheHitServer   = "HIT from Server"
	xCacheHitClient   = "HIT from Client"
	headerCacheStatus = "Cache-Status"
	headerXCache      = "X-Cache"
)

var (
	xMiss      = []string{xCacheMiss}
	xHitServer = []string{xCacheHitServer}
	xHitClient = []string{xCacheHitClient}
)

// forwardStatus formats a Cache-Status for a response the handler rendered.
func forwardStatus(fwd string, stored bool, detail string) string {
	s := cacheName + "; fwd=" + fwd
	if stored {
		s += "; stored"
	}
	if detail != "" {
		s += "; detail=" + detail
	}
	return s
}

// hitStatus formats a Cache-Status for a response served from the store,
// with its remaining freshness in seconds.
func hitStatus(ttl int64) string {
	b := make([]byte, 0, len(cacheName)+16)
	b = append(b, cacheName+"; hit; ttl="...)
	b = strconv.AppendInt(b, ttl, 10)
	return string(b)
}
