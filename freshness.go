package gincache

import (
	"math"
	"net/http"
	"strings"
	"time"
)

// heuristicStatuses are the status codes RFC 9110 §15.1 defines as
// heuristically cacheable: without explicit freshness, a cache may give them
// a heuristic lifetime (RFC 9111 §4.2.2). Any other status needs "public".
var heuristicStatuses = map[int]bool{
	http.StatusOK:                   true, // 200
	http.StatusNonAuthoritativeInfo: true, // 203
	http.StatusNoContent:            true, // 204
	http.StatusPartialContent:       true, // 206
	http.StatusMultipleChoices:      true, // 300
	http.StatusMovedPermanently:     true, // 301
	http.StatusPermanentRedirect:    true, // 308
	http.StatusNotFound:             true, // 404
	http.StatusMethodNotAllowed:     true, // 405
	http.StatusGone:                 true, // 410
	http.StatusRequestURITooLong:    true, // 414
	http.StatusNotImplemented:       true, // 501
}

// freshnessLifetime is how long a stored response is fresh for a shared cache (RFC 9111 §4.2.1):
// s-maxage, then max-age, then Expires minus Date; an invalid Expires (such as "0") means already expired;
// cc.invalid means zero. heuristic is the fraction of (Date − Last-Modified) to use when the response
// has no explicit lifetime (§4.2.2, typically 0.1); zero means no heuristic. The heuristic applies only
// when the status is heuristically cacheable (RFC 9110 §15.1: 200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501)
// or the response has "public". explicit reports whether the lifetime came from the response itself.
//
// cc is the response's parsed Cache-Control. Choices where the RFC leaves room:
//   - More than one Expires field line is treated like an invalid Expires:
//     already expired (§4.2.1 allows this or the first; §5.3 makes invalid
//     dates expired).
//   - Expires without a valid Date gives 0 (explicit): there is nothing to
//     subtract it from, and no response time is passed in. Callers set Date
//     on responses that lacked one (RFC 9110 §6.6.1) before calling.
//   - Expires and Date are ignored when max-age or s-maxage is present, even
//     if invalid (§5.3); an invalid one then makes the lifetime 0 (§4.2.1).
//   - The heuristic needs a valid Date and a valid Last-Modified not after
//     it; the result is truncated to whole seconds and capped at 2^31 s.
//
// Negative results are 0.
func freshnessLifetime(status int, h http.Header, cc cacheControl, heuristic float64) (lifetime time.Duration, explicit bool) {
	switch {
	case cc.invalid:
		return 0, true
	case cc.sMaxAge.set:
		return cc.sMaxAge.d, true // §5.2.2.10: shared caches only
	case cc.maxAge.set:
		return cc.maxAge.d, true // §5.2.2.1
	}
	if lines, ok := h["Expires"]; ok && !cc.targeted { // §5.3; RFC 9213 §2.1: ignored beside CDN-Cache-Control
		if len(lines) != 1 {
			return 0, true
		}
		expires, ok := fieldDate(lines[0])
		if !ok {
			return 0, true // "especially the value 0": already expired
		}
		date, ok := dateOf(h)
		if !ok {
			return 0, true
		}
		return clampDelta(expires.Sub(date)), true
	}
	if !(heuristic > 0) || !heuristicStatuses[status] && !cc.public { // §4.2.2
		return 0, false
	}
	date, ok := dateOf(h)
	if !ok {
		return 0, false
	}
	lm, ok := fieldDate(h.Get("Last-Modified"))
	if !ok || lm.After(date) {
		return 0, false
	}
	s := math.Floor(heuristic * date.Sub(lm).Seconds())
	if s >= maxDeltaSeconds { // also +Inf
		return maxDelta, false
	}
	return time.Duration(s) * time.Second, false
}

// initialAge is the corrected_initial_age of RFC 9111 §4.2.3 for a response received at responseTime
// for a request sent at requestTime: max(apparent_age, age_value + response_delay), where
// apparent_age = max(0, responseTime − Date) and age_value is the Age field (first member of a list;
// an invalid Age is ignored, §5.1). A missing or invalid Date gives apparent_age 0.
//
// A response_delay below zero (requestTime after responseTime) counts as 0,
// and the result is capped at 2^31 s (§1.2.2).
func initialAge(h http.Header, requestTime, responseTime time.Time) time.Duration {
	var apparent time.Duration
	if date, ok := dateOf(h); ok {
		apparent = max(0, responseTime.Sub(date))
	}
	var ageValue time.Duration
	if lines := h["Age"]; len(lines) > 0 {
		first, _, _ := strings.Cut(lines[0], ",") // §5.1: use the first member of a list
		if n, ok := parseSeconds(trimOWS(first)); ok {
			ageValue = time.Duration(n) * time.Second
		}
	}
	corrected := ageValue + max(0, responseTime.Sub(requestTime))
	return min(max(apparent, corrected), maxDelta)
}

// dateOf returns the Date field, or ok false when it is missing or not an HTTP-date.
// Of several Date field lines the first is read.
func dateOf(h http.Header) (time.Time, bool) {
	lines := h["Date"]
	if len(lines) == 0 {
		return time.Time{}, false
	}
	return fieldDate(lines[0])
}

// fieldDate parses the value of a date field — Date, Expires,
// Last-Modified — as exactly one HTTP-date (RFC 9110 §5.6.7), around
// optional whitespace (RFC 9110 §5.5). It is as strict as If-Modified-Since
// (parseHTTPDate): http.ParseTime also takes "Thu, 01  Dec 1994 16:00:00 GMT"
// or a one-digit hour, and a cache that read such an Expires as a date would
// serve as fresh a response the grammar says is already expired (RFC 9111
// §5.3).
func fieldDate(v string) (time.Time, bool) {
	return parseHTTPDate(trimOWS(v))
}

// requestAllows reports whether a stored response of the given age and lifetime may be served for a
// request carrying req (its parsed Cache-Control) without validation, as a shared cache (RFC 9111 §4.2, §5.2.1):
// fresh (age < lifetime) and within the request's max-age and min-fresh; or stale but within the request's
// max-stale (or maxStaleAny), unless the response forbids serving stale (must-revalidate, proxy-revalidate,
// s-maxage, no-cache — §4.2.4, §5.2.2.2, §5.2.2.8, §5.2.2.10). A response with no-cache is never served without validation.
//
// Choices where the RFC leaves room:
//   - The request's no-cache also refuses (§5.2.1.4). Pragma is not in req;
//     callers read requestDirectives.noCache for it.
//   - A qualified no-cache="field" response may be served without
//     validation, without those fields (§5.2.2.4; see withoutFields).
//   - The request's max-age bounds the age of fresh and stale responses
//     alike (§5.2.1.1: age ≤ max-age). When req.invalid (its max-age was
//     invalid or duplicated with different values) max-age is ignored.
//   - min-fresh requires lifetime − age ≥ min-fresh (§5.2.1.3), so it also
//     refuses every stale response: with max-stale beside it, min-fresh,
//     the stricter, wins.
//   - max-stale=N allows age − lifetime ≤ N (§5.2.1.2).
//   - An invalid max-age or s-maxage in the response already made lifetime
//     0 (freshnessLifetime); an invalid s-maxage still forbids serving stale.
func requestAllows(req, resp cacheControl, age, lifetime time.Duration) bool {
	if resp.noCacheAll() || req.noCache {
		return false
	}
	if req.maxAge.set && !req.invalid && age > req.maxAge.d {
		return false
	}
	remaining := lifetime - age
	if req.minFresh.set && remaining < req.minFresh.d {
		return false
	}
	if remaining > 0 { // §4.2: fresh when freshness_lifetime > current_age
		return true
	}
	if resp.mustRevalidate || resp.proxyRevalidate || resp.sMaxAge.set { // §4.2.4
		return false
	}
	return req.maxStaleAny || req.maxStale.set && -remaining <= req.maxStale.d
}

// clampDelta bounds d to [0, 2^31 s] (RFC 9111 §1.2.2).
func clampDelta(d time.Duration) time.Duration {
	return min(max(d, 0), maxDelta)
}
