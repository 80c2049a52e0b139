package gincache

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// maxDeltaSeconds is where delta-seconds values are capped: a cache that
// receives a larger value, or overflows computing with one, uses 2^31
// (RFC 9111 §1.2.2).
const maxDeltaSeconds = 1 << 31

// maxDelta is maxDeltaSeconds as a Duration.
const maxDelta = maxDeltaSeconds * time.Second

// delta is an optional delta-seconds value (RFC 9111 §1.2.2).
type delta struct {
	set bool          // the directive is present
	d   time.Duration // whole seconds; values above 2^31 s are capped at 2147483648 s (§1.2.2)
}

// cacheControl is a parsed Cache-Control field, request or response (RFC 9111 §5.2).
//
// A delta directive is set only when its value is valid delta-seconds, with
// one exception: an invalid max-age or s-maxage still counts as present —
// set, holding the first valid value or zero — and sets invalid (so an
// invalid s-maxage still forbids serving stale, §5.2.2.10). Of duplicates
// the first valid value is kept; for max-age and s-maxage differing
// duplicates also set invalid.
type cacheControl struct {
	noStore, noCache, private, public, mustRevalidate, proxyRevalidate, onlyIfCached, immutable, noTransform bool
	mustUnderstand                                                                                           bool // §5.2.2.3

	noCacheFields, privateFields []string // the qualified forms' field names, canonical (§5.2.2.4, §5.2.2.7); nil when unqualified

	maxAge, sMaxAge, minFresh, maxStale, staleWhileRevalidate, staleIfError delta

	maxStaleAny bool // "max-stale" without a value: any staleness (§5.2.1.2)
	targeted    bool // read from CDN-Cache-Control, which overrides Cache-Control and Expires (RFC 9213 §2.1; responseDirectives)
	invalid     bool // a freshness directive (max-age, s-maxage) had an invalid value or conflicting duplicates: treat the response as stale (§4.2.1)
}

// parseCacheControl parses the lines of a Cache-Control field (RFC 9111 §5.2).
//
// Directive names are case-insensitive; arguments are accepted in token and
// quoted-string form alike, whichever form a directive's definition requires
// senders to use (§5.2); commas inside a quoted-string do not separate
// directives (RFC 9110 §5.6.4); empty list members are skipped (RFC 9110
// §5.6.1); unknown extensions are ignored (§5.2.3). Directives defined
// without an argument ignore one if given (no-store=1 is no-store).
//
// Malformed values are handled the way §4.2.1 allows:
//   - max-age and s-maxage with a value that is not delta-seconds (1*DIGIT,
//     after removing the quotes of a quoted-string), or duplicated with
//     different values, set invalid: "either the first occurrence should be
//     used or the response should be considered stale" — we consider it stale.
//   - min-fresh, max-stale=, stale-while-revalidate and stale-if-error with an
//     invalid value are ignored, as if absent; of duplicates the first valid
//     one is kept. A request's max-age is read through invalid too: see
//     requestAllows.
//   - no-cache and private with field names (§5.2.2.4, §5.2.2.7) record them
//     canonicalised; an unqualified occurrence anywhere wins (the fields stay
//     nil), as does an empty or malformed list, since unqualified is the
//     stricter reading.
//
// It does not allocate unless a qualified no-cache or private is present.
func parseCacheControl(lines []string) cacheControl {
	var cc cacheControl
	var noCacheBare, privateBare bool
	for _, line := range lines {
		for i := 0; i < len(line); {
			var name, value string
			var hasValue bool
			name, value, hasValue, i = nextDirective(line, i)
			switch {
			case name == "":
				// An empty list member (RFC 9110 §5.6.1).
			case strings.EqualFold(name, "max-age"):
				cc.freshness(&cc.maxAge, value, hasValue) // §5.2.1.1, §5.2.2.1
			case strings.EqualFold(name, "s-maxage"):
				cc.freshness(&cc.sMaxAge, value, hasValue) // §5.2.2.10
			case strings.EqualFold(name, "no-cache"):
				cc.noCache = true // §5.2.1.4, §5.2.2.4
				cc.noCacheFields, noCacheBare = qualify(cc.noCacheFields, noCacheBare, value, hasValue)
			case strings.EqualFold(name, "private"):
				cc.private = true // §5.2.2.7
				cc.privateFields, privateBare = qualify(cc.privateFields, privateBare, value, hasValue)
			case strings.EqualFold(name, "no-store"):
				cc.noStore = true // §5.2.1.5, §5.2.2.5
			case strings.EqualFold(name, "public"):
				cc.public = true // §5.2.2.9
			case strings.EqualFold(name, "must-revalidate"):
				cc.mustRevalidate = true // §5.2.2.2
			case strings.EqualFold(name, "proxy-revalidate"):
				cc.proxyRevalidate = true // §5.2.2.8
			case strings.EqualFold(name, "only-if-cached"):
				cc.onlyIfCached = true // §5.2.1.7
			case strings.EqualFold(name, "must-understand"):
				cc.mustUnderstand = true // §5.2.2.3
			case strings.EqualFold(name, "no-transform"):
				cc.noTransform = true // §5.2.1.6, §5.2.2.6
			case strings.EqualFold(name, "immutable"):
				cc.immutable = true // RFC 8246
			case strings.EqualFold(name, "min-fresh"):
				firstDelta(&cc.minFresh, value, hasValue) // §5.2.1.3
			case strings.EqualFold(name, "stale-while-revalidate"):
				firstDelta(&cc.staleWhileRevalidate, value, hasValue) // RFC 5861 §3
			case strings.EqualFold(name, "stale-if-error"):
				firstDelta(&cc.staleIfError, value, hasValue) // RFC 5861 §4
			case strings.EqualFold(name, "max-stale"): // §5.2.1.2
				if cc.maxStaleAny || cc.maxStale.set {
					break // the first occurrence wins
				}
				if !hasValue {
					cc.maxStaleAny = true
					break
				}
				firstDelta(&cc.maxStale, value, true)
			}
		}
	}
	if noCacheBare {
		cc.noCacheFields = nil
	}
	if privateBare {
		cc.privateFields = nil
	}
	return cc
}

// noCacheAll reports an unqualified no-cache: no use of the response
// without validation (RFC 9111 §5.2.2.4). A qualified no-cache="field" only
// keeps its fields from such uses.
func (cc cacheControl) noCacheAll() bool { return cc.noCache && cc.noCacheFields == nil }

// freshness records a max-age or s-maxage value in d (RFC 9111 §4.2.1): an
// invalid value, or a second value that differs from the first, makes the
// response stale.
func (cc *cacheControl) freshness(d *delta, value string, hasValue bool) {
	v, ok := parseDelta(value, hasValue)
	switch {
	case !ok:
		cc.invalid = true
		d.set = true // present, though invalid; a valid first value is kept
	case !d.set:
		*d = delta{set: true, d: v}
	case d.d != v:
		cc.invalid = true
	}
}

// firstDelta records value in d unless d is already set or value is not
// valid delta-seconds, in which case the occurrence is ignored.
func firstDelta(d *delta, value string, hasValue bool) {
	if d.set {
		return
	}
	if v, ok := parseDelta(value, hasValue); ok {
		*d = delta{set: true, d: v}
	}
}

// qualify adds the field names of a no-cache or private argument to fields,
// or reports an unqualified occurrence in bare (RFC 9111 §5.2.2.4,
// §5.2.2.7). Once bare, the names no longer matter and are not collected.
func qualify(fields []string, bare bool, value string, hasValue bool) ([]string, bool) {
	if bare {
		return nil, true
	}
	if !hasValue {
		return nil, true
	}
	list, ok := unquote(value)
	if !ok {
		return nil, true
	}
	added := false
	for i := 0; i < len(list); {
		end := strings.IndexByte(list[i:], ',')
		if end < 0 {
			end = len(list)
		} else {
			end += i
		}
		if name := trimOWS(list[i:end]); name != "" {
			name = http.CanonicalHeaderKey(name)
			if !slices.Contains(fields, name) {
				fields = append(fields, name)
			}
			added = true
		}
		i = end + 1
	}
	if !added {
		return nil, true // no-cache="" names nothing: read it unqualified
	}
	return fields, false
}

// nextDirective scans the list member of a Cache-Control (or Pragma) line s
// that starts at offset i, and returns its name, its argument as written
// (quotes included) with hasValue telling "name=" from "name", and the
// offset of the next member. Members end at commas outside quoted-strings
// (RFC 9110 §5.6.4); optional whitespace around names and arguments is
// dropped. An empty member gives an empty name. It does not allocate.
func nextDirective(s string, i int) (name, value string, hasValue bool, next int) {
	start, quoted := i, false
scan:
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++ // quoted-pair
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			break scan
		}
	}
	end := min(i, len(s))
	name, value, hasValue = strings.Cut(s[start:end], "=")
	return trimOWS(name), trimOWS(value), hasValue, end + 1
}

// parseDelta parses a delta-seconds argument (RFC 9111 §1.2.2) in token or
// quoted-string form (§5.2): 1*DIGIT and nothing else, capped at 2^31 s.
func parseDelta(value string, hasValue bool) (time.Duration, bool) {
	if !hasValue {
		return 0, false
	}
	s, ok := unquote(value)
	if !ok {
		return 0, false
	}
	n, ok := parseSeconds(s)
	return time.Duration(n) * time.Second, ok
}

// parseSeconds parses 1*DIGIT, capping the result at 2^31 (RFC 9111
// §1.2.2) however many digits follow.
func parseSeconds(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n <= maxDeltaSeconds {
			n = n*10 + int64(c-'0')
		}
	}
	return min(n, maxDeltaSeconds), true
}

// unquote returns the content of a quoted-string (RFC 9110 §5.6.4), or v
// itself when it is a token (does not start with a quote). ok is false for
// an unterminated quoted-string or text after the closing quote. It
// allocates only when the string holds a quoted-pair.
func unquote(v string) (s string, ok bool) {
	if v == "" || v[0] != '"' {
		return v, true
	}
	var b []byte // the unescaped content, once a quoted-pair is seen
	for i := 1; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			if i+1 >= len(v) {
				return "", false
			}
			if b == nil {
				b = append(make([]byte, 0, len(v)), v[1:i]...)
			}
			i++
			b = append(b, v[i])
		case '"':
			if i != len(v)-1 {
				return "", false
			}
			if b == nil {
				return v[1:i], true
			}
			return string(b), true
		default:
			if b != nil {
				b = append(b, c)
			}
		}
	}
	return "", false
}

// trimOWS removes optional whitespace (SP, HTAB; RFC 9110 §5.6.3).
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
