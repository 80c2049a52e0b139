package gincache

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Key returns the URL part of the default store key of a request: its host,
// path and whole query, everything the handler can see of the URL
// (the key is the whole URL). A request with another Host or one more parameter gets
// another key, so it cannot plant its response under someone else's. The
// Cache adds the scheme (see WithScheme) to every key it stores under, this
// one or a Policy's Key, so an https page never shares an http page's key.
//
// The host's ASCII letters are lower-cased (host names are case-insensitive;
// Unicode case folding is not used, since it maps distinct hosts such as
// "\u212a.com" and "k.com" together) and, when it holds anything but letters,
// digits, '.', '-', ':', '[' and ']', it is percent-escaped byte by byte, so it
// never contains the '/' or '?' that start the path and query: keys of
// different URLs never collide.
//
// The path and the query are normalised as RFC 3986 §6.2.2 says, and no
// further: percent-encodings are upper-cased and those of unreserved
// characters decoded, so "/it%65ms" and "/items", or "/caf%c3%a9" and
// "/caf%C3%A9", which gin routes alike and a handler cannot tell apart, share
// a key (and an invalidation). A reserved character keeps its escape
// ("/a%2Fb" is not "/a/b"), and the query keeps its order.
func Key(r *http.Request) string {
	var buf [128]byte
	return string(appendKey(buf[:0], r))
}

// appendKey appends Key(r) to b. It allocates nothing of its own unless the
// host needs escaping or the path or query normalising.
func appendKey(b []byte, r *http.Request) []byte {
	b = append(b, keyHost(r.Host)...)
	b = append(b, normalizeEscapes(r.URL.EscapedPath())...)
	if r.URL.RawQuery != "" {
		b = append(b, '?')
		b = append(b, normalizeEscapes(r.URL.RawQuery)...)
	}
	return b
}

// httpsMark starts the store key of an https request. No default key starts
// with it: a host's NUL is escaped.
const httpsMark = "https\x00"

// normalizeEscapes applies RFC 3986 §6.2.2.1 and §6.2.2.2 to a path or a
// query: the hex digits of a percent-encoding upper-cased, and the encoding
// of an unreserved character (§2.3) replaced by the character. A '%' that
// starts no valid encoding is left as it is. It allocates only when the
// spelling changes.
func normalizeEscapes(s string) string {
	i := strings.IndexByte(s, '%')
	for ; i >= 0 && i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && escapeChanges(s[i+1], s[i+2]) {
			break
		}
	}
	if i < 0 || i >= len(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c != '%' || i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			b = append(b, c)
			continue
		}
		d := unhex(s[i+1])<<4 | unhex(s[i+2])
		if unreserved(d) {
			b = append(b, d)
		} else {
			b = append(b, '%', upperHex(s[i+1]), upperHex(s[i+2]))
		}
		i += 2
	}
	return string(b)
}

// escapeChanges reports whether the encoding %hl is not in normal form.
func escapeChanges(h, l byte) bool {
	if !isHex(h) || !isHex(l) {
		return false
	}
	return unreserved(unhex(h)<<4|unhex(l)) || upperHex(h) != h || upperHex(l) != l
}

// unreserved reports whether c is an unreserved character (RFC 3986 §2.3).
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func upperHex(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

func keyHost(h string) string {
	plain := true
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			plain = false
			break
		}
	}
	if plain {
		return h
	}
	b := []byte(h)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return url.PathEscape(string(b)) // escapes every byte >= 0x80, '/', '?' and '%'
}

// varySuffix appends, for each header the policy varies on, its name and the
// request's values, quoted so no value can imitate another field. An absent
// header is marked apart from an empty one: RFC 9111 §4.1 matches absent
// only with absent.
func varySuffix(key string, h http.Header, vary []string) string {
	if len(vary) == 0 {
		return key
	}
	var b strings.Builder
	b.WriteString(key)
	for _, name := range vary {
		b.WriteString("\x00")
		b.WriteString(name)
		vs, ok := h[name]
		if !ok {
			b.WriteByte('!')
			continue
		}
		v := strings.Join(vs, ", ")
		if credentialHeaders[name] {
			sum := sha256.Sum256([]byte(v))
			b.WriteString("#")
			b.WriteString(hex.EncodeToString(sum[:16]))
			continue
		}
		b.WriteByte('=')
		b.WriteString(strconv.Quote(v))
	}
	return b.String()
}

// credentialHeaders are the request fields whose values a key holds only as
// a hash, when a policy or a response varies on them: keys are logged and
// kept in Redis, where a session cookie or a bearer token must not be. The
// hash is cryptographic, so no one can make their value collide with
// another user's.
var credentialHeaders = map[string]bool{
	"Authorization": true, "Proxy-Authorization": true, "Cookie": true,
}
