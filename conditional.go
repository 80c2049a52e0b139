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
	t, ok := parseHTTPDate(ims[0])
	if !ok {
		return false
	}
	return !lastModified.Truncate(time.Second).After(t)
}

// httpDateLayouts are the forms of an HTTP-date (RFC 9110 §5.6.7): the
// IMF-fixdate, then the obsolete rfc850-date and asctime-date, whose day of
// the month is two digits or a space and one digit.
var httpDateLayouts = [...]string{
	"Mon, 02 Jan 2006 15:04:05 GMT",
	"Monday, 02-Jan-06 15:04:05 GMT",
	"Mon Jan _2 15:04:05 2006",
	"Mon Jan 02 15:04:05 2006",
}

// parseHTTPDate parses one HTTP-date. http.ParseTime is laxer than the
// grammar: it takes one-digit hours, fractions of a second, names in any
// case, any zone in the rfc850 form and a weekday that is not the date's
// (RFC 9110 §13.1.3: such a field is ignored). So a date is taken only when
// formatting it again gives back the field.
func parseHTTPDate(s string) (time.Time, bool) {
	var buf [len("Wednesday, 02-Jan-06 15:04:05 GMT")]byte
	for _, layout := range httpDateLayouts {
		t, err := time.Parse(layout, s)
		if err == nil && string(t.AppendFormat(buf[:0], layout)) == s {
			return t, true
		}
	}
	return time.Time{}, false
}

// etagListMatch reports whether any member of an If-None-Match field (one or
// more lines of "*" or comma-separated entity-tags) matches etag by the weak
// comparison of RFC 9110 §8.8.3.2: W/"x" and "x" are the same. valid is false
// when the field is malformed, and the caller then ignores it.
func etagListMatch(lines []string, etag string) (match, valid bool) {
	if len(lines) == 1 && lines[0] == etag && validETag(etag) {
		return true, true // the common case: the client sends back the one tag it was given
	}
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
