package gincache

import (
	"net/http"
	"strings"
)

// requestDirectives are the request Cache-Control directives the middleware
// acts on (RFC 9111 §5.2.1). Others, such as max-age=0 on a normal reload,
// are left to the validators: the stored copy is what the origin would send.
// In shared-cache mode the rest (max-age, max-stale, min-fresh) go to
// requestAllows. It holds only what a request may say, not a whole parsed
// field: every request carries it through the decision tree, by value.
type requestDirectives struct {
	noCache      bool // §5.2.1.4: re-render (a hard reload), RFC 9111 §5.2.1.4; also Pragma: no-cache (§5.4)
	noStore      bool // §5.2.1.5: do not store the response, RFC 9111 §5.2.1.5
	onlyIfCached bool // §5.2.1.7: a miss is a 504, RFC 9111 §5.2.1.7

	maxStaleAny bool  // §5.2.1.2 without a value
	invalid     bool  // max-age was invalid or duplicated with different values (see requestAllows)
	maxAge      delta // §5.2.1.1
	minFresh    delta // §5.2.1.3
	maxStale    delta // §5.2.1.2
}

// cacheControl is rd as the parsed field requestAllows reads.
func (rd requestDirectives) cacheControl() cacheControl {
	return cacheControl{
		noCache:     rd.noCache,
		maxAge:      rd.maxAge,
		minFresh:    rd.minFresh,
		maxStale:    rd.maxStale,
		maxStaleAny: rd.maxStaleAny,
		invalid:     rd.invalid,
	}
}

// parseRequestDirectives reads Cache-Control, or Pragma: no-cache when there
// is no Cache-Control (RFC 9111 §5.4). Unknown and malformed directives are
// ignored; directive names are case-insensitive. It does not allocate unless
// the request carries a qualified no-cache or private, which requests have
// no use for.
func parseRequestDirectives(h http.Header) requestDirectives {
	lines, ok := h["Cache-Control"]
	if !ok {
		var d requestDirectives
		for _, line := range h["Pragma"] {
			for i := 0; i < len(line); {
				var name string
				var hasValue bool
				name, _, hasValue, i = nextDirective(line, i)
				if !hasValue && strings.EqualFold(name, "no-cache") {
					d.noCache = true
				}
			}
		}
		return d
	}
	cc := parseCacheControl(lines)
	return requestDirectives{
		noCache:      cc.noCache,
		noStore:      cc.noStore,
		onlyIfCached: cc.onlyIfCached,
		maxStaleAny:  cc.maxStaleAny,
		invalid:      cc.invalid,
		maxAge:       cc.maxAge,
		minFresh:     cc.minFresh,
		maxStale:     cc.maxStale,
	}
}

// detailRequestBody is the Cache-Status detail of a GET or HEAD that carries
// content.
const detailRequestBody = "request-body"

// hasContent reports whether a request carries content: a Content-Length
// above zero or a body of unknown length (chunked, or HTTP/2 without one).
// Content on a GET or HEAD has no defined semantics (RFC 9110 §9.3.1,
// §9.3.2), but it reaches the handler, which may answer it differently; the
// key does not hold it, so such a request is never served from the store
// nor stored ("fat GET" poisoning), and its response tells caches after
// this one to store nothing either. It still goes to the handler.
func hasContent(r *http.Request) bool {
	return r.ContentLength != 0 || len(r.TransferEncoding) > 0
}
