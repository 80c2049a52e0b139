package gincache

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// A SharedCache route answers a GET with Range from a stored complete 200
// (RFC 9110 §14): one range as a 206 with its Content-Range, several in
// ascending order as a multipart/byteranges 206 (§14.6), none satisfiable
// as a 416. A Range request the store cannot answer goes to the handler
// with its Range, and its response — a 206, say — is not stored (plan).

// maxRanges is the most ranges answered as one multipart response; a
// longer, overlapping or unordered set gets the whole representation, as
// RFC 9110 §14.2 allows, so a request for many small ranges costs no more
// than one for all of them.
const maxRanges = 16

// byteRange is first through last, inclusive (RFC 9110 §14.1.2).
type byteRange struct{ first, last int }

// replayStored serves e for the request: the ranges its Range asks for
// when they apply (rangeable), otherwise the whole stored response.
func (m sharedMode) replayStored(gc *gin.Context, e *Entry, how served, age time.Duration) {
	if part := m.ranged(gc.Request, e); part != nil {
		e = part
	}
	m.rt.replay(gc, e, how, age, 0)
}

// ranged is the stored response e as the request's Range asks for it: a
// 206 or a 416 to replay, or nil when the whole of e is the answer — no
// Range, a method other than GET, a status other than 200 (§14.2: Range
// applies only to what would be a 200), a precondition that answers 304
// first (RFC 9110 §13.2.2), an If-Range that does not match (§13.1.5), a
// Range that is invalid or in a unit other than bytes (§14.2), or a set of
// ranges better sent whole (maxRanges).
func (m sharedMode) ranged(req *http.Request, e *Entry) *Entry {
	spec, ok := req.Header["Range"]
	if !ok || req.Method != http.MethodGet || e.Status != http.StatusOK || len(spec) != 1 || len(e.Codings) > 0 || // a range of which coding? §14.2 lets it be ignored
		notModified(req.Header, e.ETag, e.LastModified) || !ifRangeMatches(req.Header, e) {
		return nil
	}
	size := len(e.Body)
	ranges, valid := parseRange(spec[0], size)
	switch {
	case !valid || size == 0:
		return nil
	case len(ranges) == 0: // §14.1.1, §15.5.17: none satisfiable
		out := partialEntry(e, http.StatusRequestedRangeNotSatisfiable, nil)
		out.Header["Content-Range"] = []string{"bytes */" + strconv.Itoa(size)}
		delete(out.Header, "Content-Type")
		return out
	case len(ranges) == 1:
		r := ranges[0]
		out := partialEntry(e, http.StatusPartialContent, e.Body[r.first:r.last+1])
		out.Header["Content-Range"] = []string{contentRange(r, size)}
		return out
	}
	for i := 1; i < len(ranges); i++ {
		if len(ranges) > maxRanges || ranges[i].first <= ranges[i-1].last {
			return nil
		}
	}
	return multipartEntry(e, ranges, size)
}

// partialEntry is e with another status and body: the stored fields, and a
// Content-Length for the new body.
func partialEntry(e *Entry, status int, body []byte) *Entry {
	out := *e
	out.Status, out.Body = status, body
	out.Header = e.Header.Clone()
	out.Header["Content-Length"] = []string{strconv.Itoa(len(body))}
	return &out
}

// multipartEntry is the 206 of several ranges of e (RFC 9110 §14.6): each
// part with the stored Content-Type and its Content-Range.
func multipartEntry(e *Entry, ranges []byteRange, size int) *Entry {
	var gen [12]byte
	_, _ = rand.Read(gen[:])
	boundary := hex.EncodeToString(gen[:])
	ct := e.Header.Get("Content-Type")
	var b strings.Builder
	for _, r := range ranges {
		b.WriteString("\r\n--" + boundary + "\r\n")
		if ct != "" {
			b.WriteString("Content-Type: " + ct + "\r\n")
		}
		b.WriteString("Content-Range: " + contentRange(r, size) + "\r\n\r\n")
		b.Write(e.Body[r.first : r.last+1])
	}
	b.WriteString("\r\n--" + boundary + "--\r\n")
	out := partialEntry(e, http.StatusPartialContent, []byte(b.String()))
	out.Header["Content-Type"] = []string{"multipart/byteranges; boundary=" + boundary}
	return out
}

func contentRange(r byteRange, size int) string {
	return "bytes " + strconv.Itoa(r.first) + "-" + strconv.Itoa(r.last) + "/" + strconv.Itoa(size)
}

// parseRange reads a Range field for a representation of size bytes (RFC
// 9110 §14.1.1, §14.2): the satisfiable ranges, clamped to the
// representation, in the order asked. valid is false when the field is not
// a bytes range set, and the Range is then ignored; an empty list of a valid
// field means none was satisfiable (416).
func parseRange(spec string, size int) (ranges []byteRange, valid bool) {
	unit, set, ok := strings.Cut(trimOWS(spec), "=")
	if !ok || !strings.EqualFold(unit, "bytes") { // §14.1: range units are case-insensitive
		return nil, false
	}
	n := 0
	for m := range strings.SplitSeq(set, ",") {
		m = trimOWS(m)
		if m == "" {
			continue // RFC 9110 §5.6.1
		}
		n++
		first, last, ok := strings.Cut(m, "-")
		if !ok {
			return nil, false
		}
		if first == "" { // suffix-range: the last n bytes
			l, ok := digits(last)
			if !ok {
				return nil, false
			}
			if l > 0 && size > 0 {
				ranges = append(ranges, byteRange{max(size-l, 0), size - 1})
			}
			continue
		}
		f, ok := digits(first)
		if !ok {
			return nil, false
		}
		l := size - 1
		if last != "" {
			if l, ok = digits(last); !ok || l < f {
				return nil, false // §14.1.1: last-pos before first-pos is invalid
			}
			l = min(l, size-1)
		}
		if f < size {
			ranges = append(ranges, byteRange{f, l})
		}
	}
	return ranges, n > 0
}

// digits parses 1*DIGIT, saturating instead of overflowing.
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < 1<<40 {
			n = n*10 + int(c-'0')
		}
	}
	return n, true
}

// ifRangeMatches evaluates If-Range against the stored response (RFC 9110
// §13.1.5): true without one; with an entity-tag, only a strong one equal
// to the stored strong ETag; with a date, only one equal to the stored
// Last-Modified, and only when that is a strong validator — at least a
// second before the response's Date (§8.8.2.2). Anything else, an invalid
// field included, asks for the whole representation.
func ifRangeMatches(h http.Header, e *Entry) bool {
	lines, ok := h["If-Range"]
	if !ok {
		return true
	}
	if len(lines) != 1 {
		return false
	}
	v := trimOWS(lines[0])
	if strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "W/") {
		return validETag(v) && !strings.HasPrefix(v, "W/") && e.ETag == v
	}
	t, ok := parseHTTPDate(v)
	lm, hasLM := fieldDate(e.Header.Get("Last-Modified"))
	date, hasDate := dateOf(e.Header)
	return ok && hasLM && hasDate && t.Equal(lm) && date.Sub(lm) >= time.Second
}
