package gincache

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// rendered is a response the handler produced, in the foreground or in a
// background refresh: what mode.settle takes.
type rendered struct {
	req     *http.Request
	gc      *gin.Context // for the handler's tags
	header  http.Header  // the live response header
	snap    http.Header  // the header before the chain ran
	status  int
	body    []byte
	key     string
	store   bool
	errs    int     // errors the handler attached
	version version // Policy.Version's, when the route has one

	// SharedCache routes only.
	sent       time.Time // when the request went to the handler
	index      *Entry    // the Vary index the request was looked up under
	revalidate *Entry    // the stored response the request asked the handler about
}

// settled is what settle made of a rendered response.
type settled struct {
	cacheable    bool
	etag         string
	generated    bool // etag was derived from the body, not the handler's or the Version's
	lastModified time.Time
	entry        *Entry // what was stored; nil when nothing was
	detail       string // why it was not stored, when it was not

	// A 304 to a revalidation (SharedCache): the updated response, or
	// mismatched when the 304 did not validate it.
	validated  *Entry
	mismatched bool
}

// validators settles the response's ETag and Last-Modified and sets both.
// A handler's own are kept (the handler's validators kept), a bare ETag quoted (RFC 9110 §8.8.3); otherwise the ETag
// is derived from the body (a deterministic strong ETag) and Last-Modified is the render time, never
// later than now (RFC 9110 §8.8.2.1). Only 2xx responses get an ETag, and a HEAD whose
// handler wrote no body gets none generated: the hash of nothing would not
// match the GET's. generated reports that the ETag is the derived one.
func validators(h, snap http.Header, status int, body []byte, headless bool, now time.Time) (etag string, lm time.Time, generated bool) {
	if status/100 == 2 {
		if changed(h, snap, "Etag") {
			etag = normalizeETag(h.Get("Etag"))
		}
		if etag == "" && !headless {
			ce := "" // the chain's own coding; an outer middleware's is not the body's yet
			if changed(h, snap, "Content-Encoding") {
				ce = h.Get("Content-Encoding")
			}
			etag, generated = strongETag(ce, body), true
		}
		if etag != "" {
			h["Etag"] = []string{etag}
		}
	}
	now = now.UTC().Truncate(time.Second)
	lm = now
	if v := h.Get("Last-Modified"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !t.After(now) {
			lm = t.UTC()
		}
	}
	v := []string{lm.Format(http.TimeFormat)}
	h["Last-Modified"], h["X-Last-Modified"] = v, v
	return etag, lm, generated
}

// storedHeader is what the handler chain set: the fields outer middleware
// had already set, unchanged, are left out (only the cached chain's fields stored), and so are the fields that
// are never stored (RFC 9110 §7.6.1). Value slices are clipped, so an append by a later
// middleware on a hit copies instead of writing into the shared entry.
func storedHeader(h, snap http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		if unstoredHeaders[k] || !changed(h, snap, k) || listHas(h["Connection"], k) {
			continue
		}
		out[k] = slices.Clip(slices.Clone(v))
	}
	return out
}

// changed reports whether field k differs from what it was before the chain
// ran: set, removed or altered by the cached handler chain.
func changed(h, snap http.Header, k string) bool {
	old, had := snap[k]
	cur, has := h[k]
	return had != has || !slices.Equal(old, cur)
}

// listHas reports whether a comma-separated header field lists name.
func listHas(lines []string, name string) bool {
	for _, line := range lines {
		for f := range strings.SplitSeq(line, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

// forbidsShared reports whether a handler's own Cache-Control keeps its
// response out of a store shared by users (RFC 9111 §5.2.2.5, §5.2.2.7).
func forbidsShared(cc cacheControl) bool {
	return cc.noStore || cc.private
}

// bodyAllowed reports whether a status may carry a body (RFC 9110 §6.4.1).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
