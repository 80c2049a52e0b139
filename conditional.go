package gincache

import (
	"net/http"
	"strings"
	"time"
)

// notModified evaluates the request's If-None-Match and If-Modified-Since
// against a representation's validators (RFC 9110 §13.1.2, §13.1.3, §13.2.2).
// The caller only asks for GET and HEAD requests whose response would be 2xx.
//
// If-None-Match decides when present; a malformed one matches nothing, and
// If-Modified-Since is still ignored beside it (§13.1.3: "contains"). An
// If-Modified-Since that is not one HTTP-date is ignored.
func notModified(h http.Header, etag string, lastModified time.Time) bool {
	if inm, ok := h["If-None-Match"]; ok {
		match, valid := etagListMatch(inm, etag)
		return match && valid
	}
	ims := h["If-Modified-Since"]
	if len(ims) != 1 || lastModified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims[0])
	if err != nil {
		return false
	}
	return !lastModified.Truncate(time.Second).After(t)
}

// etagListMatch reports whether any member of an If-None-Match field (one or
// more lines of "*" or comma-separated entity-tags) matches etag by the weak
// comparison of RFC 9110 §8.8.3.2: W/"x" and "x" are the same. valid is false
// when the field is malformed, and the caller then ignores it.
func etagListMatch(lines []string, etag string) (match, valid bool) {
	want := opaqueTag(etag)
	for _, line := range lines {
		s := line
		for {
			s = strings.TrimLeft(s, " \t,")
			if s == "" {
				break
			}
			if s[0] == '*' {
				match = true
				s = s[1:]
			} else {
				tag, rest, ok := scanETag(s)
				if !ok {
					return false, false
				}
				if want != "" && opaqueTag(tag) == want {
					match = true
				}
				s = rest
			}
			s = strings.TrimLeft(s, " \t")
			if s != "" && s[0] != ',' {
				return false, false
			}
		}
	}
	return match, true
}

// scanETag reads one entity-tag (RFC 9110 §8.8.3) from the front of s.
func scanETag(s string) (tag, rest string, ok bool) {
	start := 0
	if strings.HasPrefix(s, "W/") {
		start = 2
	}
	if len(s) <= start || s[start] != '"' {
		return "", s, false
	}
	for i := start + 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return s[:i+1], s[i+1:], true
		case c == 0x21 || c >= 0x23 && c != 0x7f:
		default:
			return "", s, false
		}
	}
	return "", s, false
}

// validETag reports whether s is exactly one entity-tag.
func validETag(s string) bool {
	_, rest, ok := scanETag(s)
	return ok && rest == ""
}

// opaqueTag strips the weakness indicator, for the weak comparison.
func opaqueTag(etag string) string {
	return strings.TrimPrefix(etag, "W/")
}
