package gincache

import "net/http"

// cdnCacheControl is the targeted cache-control field of RFC 9213 for CDNs
// and reverse proxies (canonical form of CDN-Cache-Control): an origin
// gives the edge a policy of its own while Cache-Control still speaks to
// browsers ("CDN-Cache-Control: max-age=3600" beside
// "Cache-Control: max-age=60").
const cdnCacheControl = "Cdn-Cache-Control"

// responseDirectives are the directives a SharedCache route decides by
// for a response with header h: its CDN-Cache-Control when that holds a
// valid, non-empty Dictionary (RFC 9213 §2.1), and then Cache-Control and
// Expires are ignored (cc.targeted); otherwise its Cache-Control. An
// invalid CDN-Cache-Control is ignored as if absent (RFC 9213 §2.1).
func responseDirectives(h http.Header) cacheControl {
	if lines, ok := h[cdnCacheControl]; ok && validDictionary(lines) {
		cc := parseCacheControl(lines)
		cc.targeted = true
		return cc
	}
	return parseCacheControl(h["Cache-Control"])
}

// validDictionary reports whether lines, combined, are a non-empty
// Dictionary (RFC 8941 §3.2): members "key" or "key=bare-item", each with
// optional ";key[=bare-item]" parameters, keys in lower case. Inner lists,
// which no cache directive takes, are refused with everything else that is
// not in that grammar (RFC 8941 §4.2: a parse failure fails the field).
func validDictionary(lines []string) bool {
	n := 0
	for _, line := range lines {
		if trimOWS(line) == "" {
			continue // an empty field line adds nothing (RFC 9110 §5.3)
		}
		for j, more := 0, true; more; {
			var member string
			member, j, more = nextMember(line, j, ',')
			if member == "" {
				return false // no empty members, nor a trailing comma (RFC 8941 §4.2.2)
			}
			for k, params := 0, true; params; {
				var param string
				param, k, params = nextMember(member, k, ';')
				key, value, hasValue := cut(param, '=')
				if !sfKey(key) || hasValue && !sfBareItem(value) {
					return false
				}
			}
			n++
		}
	}
	return n > 0
}

// nextMember returns the member of s from i to the next sep outside a
// quoted string, without surrounding whitespace, the offset after sep, and
// whether there was a sep (another member follows, if only an empty one).
func nextMember(s string, i int, sep byte) (member string, next int, more bool) {
	start, quoted := i, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			return trimOWS(s[start:i]), i + 1, true
		}
	}
	return trimOWS(s[start:min(i, len(s))]), len(s), false
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// sfKey: ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ) (RFC 8941 §3.1.2).
func sfKey(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] == '*') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '*') {
			return false
		}
	}
	return true
}

// sfBareItem: an Integer or Decimal, a String, a Token, a Byte Sequence or a
// Boolean (RFC 8941 §3.3).
func sfBareItem(s string) bool {
	switch {
	case s == "":
		return false
	case s == "?0" || s == "?1":
		return true
	case s[0] == '"':
		for i := 1; i < len(s); i++ {
			switch c := s[i]; {
			case c == '\\':
				if i+1 >= len(s) || s[i+1] != '"' && s[i+1] != '\\' {
					return false
				}
				i++
			case c == '"':
				return i == len(s)-1
			case c < 0x20 || c > 0x7e:
				return false
			}
		}
		return false
	case s[0] == ':':
		return len(s) >= 2 && s[len(s)-1] == ':'
	case s[0] == '-' || s[0] >= '0' && s[0] <= '9':
		digits, dot := 0, false
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case i == 0 && c == '-':
			case c >= '0' && c <= '9':
				digits++
			case c == '.' && !dot && digits > 0:
				dot = true
			default:
				return false
			}
		}
		return digits > 0 && digits <= 15 && s[len(s)-1] != '.'
	case s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z' || s[0] == '*':
		for i := 1; i < len(s); i++ {
			c := s[i]
			if !(tchar(c) || c == ':' || c == '/') {
				return false
			}
		}
		return true
	}
	return false
}

// tchar is a token character (RFC 9110 §5.6.2).
func tchar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// sendable is what of the stored response e may go to a client: without
// the fields e's qualified no-cache names unless the origin has just
// validated it (RFC 9111 §5.2.2.4), and without CDN-Cache-Control unless
// the policy forwards it (Policy.ForwardCDNCacheControl; RFC 9213 §2.1).
// e itself when nothing is to be left out, so only such responses pay for
// a copy.
func (m sharedMode) sendable(e *Entry, cc cacheControl, validated bool) *Entry {
	_, cdn := e.Header[cdnCacheControl]
	cdn = cdn && !m.rt.p.ForwardCDNCacheControl
	if !cdn && (validated || len(cc.noCacheFields) == 0) {
		return e
	}
	out := *e
	out.Header = e.Header.Clone()
	delete(out.Header, cdnCacheControl)
	if !validated {
		for _, k := range cc.noCacheFields {
			delete(out.Header, k)
		}
	}
	return &out
}
