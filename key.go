package gincache

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Key returns the default store key of a request: its host, path and whole
// query, everything the handler can see of the URL (RFC-CHECKLIST L4). A
// request with another Host or one more parameter gets another key, so it
// cannot plant its response under someone else's.
//
// The host's ASCII letters are lower-cased (host names are case-insensitive;
// Unicode case folding is not used, since it maps distinct hosts such as
// "\u212a.com" and "k.com" together) and, when it holds anything but letters,
// digits, '.', '-', ':', '[' and ']', it is percent-escaped byte by byte, so it
// never contains the '/' or '?' that start the path and query: keys of
// different URLs never collide. The path keeps its escaped form and the query
// its order; no normalisation merges URLs a handler might tell apart.
func Key(r *http.Request) string {
	host := keyHost(r.Host)
	path := r.URL.EscapedPath()
	if r.URL.RawQuery == "" {
		return host + path
	}
	return host + path + "?" + r.URL.RawQuery
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
