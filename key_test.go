package gincache

import (
	"bufio"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// keyRequest is a GET for target (origin-form, as a server reads it) sent with
// the Host header host.
func keyRequest(t *testing.T, host, target string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Host = host
	return r
}

// the key is the whole URL: the key is host, path and whole query.
func TestKey(t *testing.T) {
	tests := []struct {
		name   string
		host   string
		target string
		want   string
	}{
		{name: "host path query", host: "example.com", target: "/a/b?x=1&y=2", want: "example.com/a/b?x=1&y=2"},
		{name: "root", host: "example.com", target: "/", want: "example.com/"},
		{name: "host lower-cased", host: "Example.COM", target: "/P", want: "example.com/P"},
		{name: "port kept", host: "example.com:8080", target: "/", want: "example.com:8080/"},
		{name: "IPv6 literal kept", host: "[::1]:8080", target: "/", want: "[::1]:8080/"},
		{name: "empty host", host: "", target: "/x", want: "/x"},
		{name: "slash in host escaped", host: "a.com/x", target: "/y", want: "a.com%2Fx/y"},
		{name: "question mark in host escaped", host: "a.com?x", target: "/", want: "a.com%3Fx/"},
		{name: "percent in host escaped", host: "a.com%2Fx", target: "/y", want: "a.com%252fx/y"}, // lower-cased, then escaped
		{name: "upper-case host with slash", host: "A.com/X", target: "/y", want: "a.com%2Fx/y"},
		{name: "query order kept", host: "a.com", target: "/p?b=2&a=1", want: "a.com/p?b=2&a=1"},
		{name: "query kept whole", host: "a.com", target: "/p?a=1&a=2&&c", want: "a.com/p?a=1&a=2&&c"},
		{name: "query escapes kept", host: "a.com", target: "/p?q=a%20b+c", want: "a.com/p?q=a%20b+c"},
		{name: "query case kept", host: "a.com", target: "/p?Q=A", want: "a.com/p?Q=A"},
		// A bare "?" leaves the same (empty) query for the handler as none.
		{name: "question mark with empty query", host: "a.com", target: "/p?", want: "a.com/p"},
		{name: "escaped slash kept", host: "a.com", target: "/a%2Fb", want: "a.com/a%2Fb"},
		{name: "escaped question mark kept", host: "a.com", target: "/a%3Fb", want: "a.com/a%3Fb"},
		{name: "escaped UTF-8 kept", host: "a.com", target: "/caf%C3%A9", want: "a.com/caf%C3%A9"},
		// RFC 3986 §6.2.2.1, §6.2.2.2: one spelling for one resource.
		{name: "escape case normalised", host: "a.com", target: "/caf%c3%a9", want: "a.com/caf%C3%A9"},
		{name: "escaped unreserved decoded", host: "a.com", target: "/it%65ms", want: "a.com/items"},
		{name: "escaped unreserved marks decoded", host: "a.com", target: "/%2D%2e%5F%7e", want: "a.com/-._~"},
		{name: "escaped reserved kept, case normalised", host: "a.com", target: "/a%2fb", want: "a.com/a%2Fb"},
		{name: "query escapes normalised", host: "a.com", target: "/p?q=%61%2f", want: "a.com/p?q=a%2F"},
		{name: "invalid query escape kept", host: "a.com", target: "/p?q=%zz%4", want: "a.com/p?q=%zz%4"},
		{name: "path case kept", host: "a.com", target: "/A", want: "a.com/A"},
		{name: "trailing slash kept", host: "a.com", target: "/a/", want: "a.com/a/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Key(keyRequest(t, tt.host, tt.target)); got != tt.want {
				t.Errorf("Key(Host %q, %q) = %q; want %q", tt.host, tt.target, got, tt.want)
			}
		})
	}
}

// the key is the whole URL: requests that differ in anything the handler sees of the
// URL never share a key; only host case does not count.
func TestKeyCollisions(t *testing.T) {
	type req struct{ host, target string }
	tests := []struct {
		name string
		a, b req
		same bool
	}{
		{name: "host path boundary", a: req{"a.com/x", "/y"}, b: req{"a.com", "/x/y"}},
		{name: "host query boundary", a: req{"a.com?q", "/"}, b: req{"a.com", "/?q"}},
		{name: "escaped host path boundary", a: req{"a.com%2Fx", "/y"}, b: req{"a.com/x", "/y"}},
		{name: "other host", a: req{"a.com", "/"}, b: req{"b.com", "/"}},
		{name: "other port", a: req{"a.com:80", "/"}, b: req{"a.com:8080", "/"}},
		{name: "trailing dot", a: req{"a.com.", "/"}, b: req{"a.com", "/"}},
		{name: "extra parameter", a: req{"a.com", "/p?a=1"}, b: req{"a.com", "/p?a=1&b=2"}},
		{name: "parameter order", a: req{"a.com", "/p?a=1&b=2"}, b: req{"a.com", "/p?b=2&a=1"}},
		{name: "query escape", a: req{"a.com", "/p?a=%20"}, b: req{"a.com", "/p?a=+"}},
		{name: "escaped slash", a: req{"a.com", "/a%2Fb"}, b: req{"a.com", "/a/b"}},
		{name: "escaped question mark", a: req{"a.com", "/a%3Fb"}, b: req{"a.com", "/a?b"}},
		{name: "path case", a: req{"a.com", "/A"}, b: req{"a.com", "/a"}},
		{name: "host case", a: req{"A.COM", "/p?q"}, b: req{"a.com", "/p?q"}, same: true},
		{name: "bare question mark", a: req{"a.com", "/p?"}, b: req{"a.com", "/p"}, same: true},
		{name: "escaped unreserved", a: req{"a.com", "/it%65ms"}, b: req{"a.com", "/items"}, same: true},
		{name: "escape case", a: req{"a.com", "/caf%c3%a9"}, b: req{"a.com", "/caf%C3%A9"}, same: true},
		{name: "query escaped unreserved", a: req{"a.com", "/p?q=%41"}, b: req{"a.com", "/p?q=A"}, same: true},
		{name: "query escaped reserved", a: req{"a.com", "/p?q=%26"}, b: req{"a.com", "/p?q=&"}},
		{
			// net/http takes req.Host from an absolute-form request line
			// ("GET http://\u212a.com/ HTTP/1.1") without the Host header's
			// ASCII check, so a client can send this host.
			name: "Kelvin sign is not k", a: req{"\u212a.com", "/"}, b: req{"k.com", "/"},
		},
		{
			name: "dotted capital I is not i", a: req{"\u0130o.com", "/"}, b: req{"io.com", "/"},
		},
		{
			name: "invalid UTF-8 bytes", a: req{"\xff.com", "/"}, b: req{"\xfe.com", "/"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka := Key(keyRequest(t, tt.a.host, tt.a.target))
			kb := Key(keyRequest(t, tt.b.host, tt.b.target))
			if (ka == kb) != tt.same {
				t.Errorf("Key(Host %q, %q) = %q, Key(Host %q, %q) = %q: got equal %v; want %v",
					tt.a.host, tt.a.target, ka, tt.b.host, tt.b.target, kb, ka == kb, tt.same)
			}
		})
	}
}

// lowerASCII lower-cases ASCII letters only: host names are case-insensitive
// in ASCII (RFC 3986 §3.2.2); other bytes are not letters of a host name.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// urlID is what the default key must tell apart, everything a handler sees of
// the URL: the host up to ASCII case (and only ASCII: "\u212a.com" is not
// "k.com"), the path both decoded and escaped ("/a%2Fb" is not "/a/b", though
// both decode to the same Path), and the raw query (parameter order and
// escapes of reserved characters count), both escaped forms up to RFC 3986
// §6.2.2's normalisation. Two requests are the same URL when their urlIDs
// are equal; a bare "?" leaves RawQuery empty, so it is the same URL as none.
type urlID struct{ host, path, escapedPath, query string }

func idOf(r *http.Request) urlID {
	return urlID{lowerASCII(r.Host), r.URL.Path, rfc3986Normal(r.URL.EscapedPath()), rfc3986Normal(r.URL.RawQuery)}
}

// rfc3986Normal is the test's own reading of RFC 3986 §6.2.2.1–2: every
// valid percent-encoding upper-cased, those of unreserved characters decoded.
func rfc3986Normal(s string) string {
	return escapeRE.ReplaceAllStringFunc(s, func(esc string) string {
		b, _ := hex.DecodeString(esc[1:])
		if c := rune(b[0]); unicode.IsLetter(c) && c < 0x80 || unicode.IsDigit(c) && c < 0x80 || strings.ContainsRune("-._~", c) {
			return string(c)
		}
		return strings.ToUpper(esc)
	})
}

var escapeRE = regexp.MustCompile(`%[0-9a-fA-F]{2}`)

// fieldRequest builds a GET by setting the URL fields directly, as a server
// would after parsing, without the parsing.
func fieldRequest(host, path, rawPath, rawQuery string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Host = host
	r.URL.Path, r.URL.RawPath, r.URL.RawQuery = path, rawPath, rawQuery
	return r
}

// the key is the whole URL: distinct URLs give distinct keys, over every combination
// of awkward hosts, paths and queries.
func TestKeyDistinctURLs(t *testing.T) {
	hosts := []string{
		"a.com", "A.COM", "a.com:8080", "a.com.", "a.co", "m", "", "x",
		"a.com/x", "a.com/x/y", "a.com?x", "a.com#x", "a.com%2Fx", "a.com%2fx", "a.com%252Fx",
		"a.com x", "a.com@b", "a.com;x", "a.com,x", "a.com\\x", "[::1]:80", "[::1]%2F",
	}
	// Paths as a server produces them: origin-form "/…", asterisk-form "*",
	// or empty (an absolute-form request line without a path).
	paths := []struct{ path, rawPath string }{
		{"/", ""}, {"/x", ""}, {"/x/y", ""}, {"/y", ""}, {"/x/y", "/x%2Fy"}, {"/x%2Fy", ""},
		{"/x?y", ""}, {"/x y", ""}, {"/x%y", ""}, {"/x/", ""}, {"//x", ""}, {"/%", ""}, {"/?", ""},
		{"/com/x", ""}, {"", ""}, {"*", ""},
	}
	queries := []string{"", "a=1", "a=1&b=2", "b=2&a=1", "a=1&", "?", "a=%2F", "a=/", "x/y", "#", "a=1?b"}

	seen := make(map[string]urlID)
	for _, h := range hosts {
		for _, p := range paths {
			for _, q := range queries {
				r := fieldRequest(h, p.path, p.rawPath, q)
				k, id := Key(r), idOf(r)
				if prev, ok := seen[k]; ok && prev != id {
					t.Errorf("Key = %q for both %+v and %+v; want distinct keys", k, prev, id)
				}
				seen[k] = id
			}
		}
	}
	// The converse: one URL, one key (host case aside).
	ids := make(map[urlID]string, len(seen))
	for k, id := range seen {
		if prev, ok := ids[id]; ok {
			t.Errorf("%+v got keys %q and %q; want one", id, prev, k)
		}
		ids[id] = k
	}
}

// FuzzKey: two requests get the same key exactly when they are the same URL
// as urlID defines it (the key is the whole URL) — over requests built field by field,
// as a server leaves them after parsing, and over the same input sent through
// http.ReadRequest as a request line and Host header, when it parses (this
// reaches absolute-form targets, whose host replaces the Host header).
func FuzzKey(f *testing.F) {
	f.Add("a.com/x", "/y", "", "a.com", "/x/y", "")
	f.Add("A.com", "/p", "q=1", "a.com", "/p", "q=1")
	f.Add("a.com", "/a%2Fb", "", "a.com", "/a/b", "")
	f.Add("a.com?x", "/", "", "a.com", "/", "x")
	f.Add("a.com%2Fx", "/y", "", "a.com/x", "/y", "")
	f.Add("a.com", "/p", "a=1&b=2", "a.com", "/p", "b=2&a=1")
	f.Add("a.com", "", "x", "a.com", "*", "x")
	f.Add("b.com", "http://a.com/p", "", "a.com", "/p", "")
	f.Add("a.com", "http://\u212a.com/", "", "k.com", "/", "")
	f.Fuzz(func(t *testing.T, host1, path1, query1, host2, path2, query2 string) {
		checkKeys(t, fuzzKeyRequest(host1, path1, query1), fuzzKeyRequest(host2, path2, query2))
		r1, ok1 := parsedKeyRequest(host1, path1, query1)
		r2, ok2 := parsedKeyRequest(host2, path2, query2)
		if ok1 && ok2 {
			checkKeys(t, r1, r2)
		}
	})
}

// checkKeys fails t unless r1 and r2 share a key exactly when they are the
// same URL.
func checkKeys(t *testing.T, r1, r2 *http.Request) {
	t.Helper()
	k1, k2 := Key(r1), Key(r2)
	id1, id2 := idOf(r1), idOf(r2)
	switch {
	case k1 == k2 && id1 != id2:
		t.Fatalf("Key = %q for both %+v and %+v; want distinct keys", k1, id1, id2)
	case k1 != k2 && id1 == id2:
		t.Fatalf("%+v got keys %q and %q; want one", id1, k1, k2)
	}
}

// parsedKeyRequest sends "GET target HTTP/1.1" with the Host header host
// through http.ReadRequest, the target being path, then "?" and query when
// query is not empty; ok is false when net/http refuses it.
func parsedKeyRequest(host, path, query string) (r *http.Request, ok bool) {
	target := path
	if query != "" {
		target += "?" + query
	}
	raw := "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		return nil, false
	}
	return r, true
}

// fuzzKeyRequest makes a request a server could have parsed: the path
// starts with "/" (or is "" or "*"), and an escaped path that decodes is kept
// as RawPath, as url.Parse would.
func fuzzKeyRequest(host, path, query string) *http.Request {
	if path != "" && path != "*" && !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	rawPath := ""
	if p, err := url.PathUnescape(path); err == nil && p != path {
		path, rawPath = p, path
	}
	return fieldRequest(host, path, rawPath, query)
}

// RFC 9111 §4.1: the values of the headers a policy varies on are part of
// the key, and no value can pass for another.
func TestKeyVarySuffix(t *testing.T) {
	vary := []string{"Accept-Language", "Accept-Encoding"}
	t.Run("no vary leaves the key", func(t *testing.T) {
		h := http.Header{"Accept-Language": {"en"}}
		if got := varySuffix("a.com/", h, nil); got != "a.com/" {
			t.Errorf("varySuffix without vary: got %q; want %q", got, "a.com/")
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		h := http.Header{"Accept-Language": {"en"}, "Accept-Encoding": {"gzip"}}
		if a, b := varySuffix("k", h, vary), varySuffix("k", h.Clone(), vary); a != b {
			t.Errorf("varySuffix of one header twice: got %q and %q; want equal", a, b)
		}
	})

	tests := []struct {
		name string
		a, b http.Header
		same bool
	}{
		{name: "different values", a: http.Header{"Accept-Language": {"en"}}, b: http.Header{"Accept-Language": {"fr"}}},
		{name: "value in the other header", a: http.Header{"Accept-Language": {"gzip"}}, b: http.Header{"Accept-Encoding": {"gzip"}}},
		{
			name: "quote injection",
			a:    http.Header{"Accept-Language": {`en", Accept-Encoding="gzip`}},
			b:    http.Header{"Accept-Language": {"en"}, "Accept-Encoding": {"gzip"}},
		},
		{
			name: "NUL injection",
			a:    http.Header{"Accept-Language": {"en\x00Accept-Encoding=\"gzip\""}},
			b:    http.Header{"Accept-Language": {"en"}, "Accept-Encoding": {"gzip"}},
		},
		{
			name: "quoted NUL injection",
			a:    http.Header{"Accept-Language": {"en\"\x00Accept-Encoding=\"gzip"}, "Accept-Encoding": {""}},
			b:    http.Header{"Accept-Language": {"en"}, "Accept-Encoding": {"gzip\"\x00Accept-Encoding=\""}},
		},
		{name: "equals sign", a: http.Header{"Accept-Language": {"a=b"}}, b: http.Header{"Accept-Language": {"a"}, "Accept-Encoding": {"b"}}},
		{name: "backslash", a: http.Header{"Accept-Language": {`\`}}, b: http.Header{"Accept-Language": {`\\`}}},
		{name: "escaped quote", a: http.Header{"Accept-Language": {`\"`}}, b: http.Header{"Accept-Language": {`"`}}},
		{name: "newline", a: http.Header{"Accept-Language": {"en\n"}}, b: http.Header{"Accept-Language": {"en"}}},
		{name: "spaces count", a: http.Header{"Accept-Language": {"en,fr"}}, b: http.Header{"Accept-Language": {"en, fr"}}},
		// RFC 9111 §4.1 lets field lines be combined.
		{name: "two lines equal one combined", a: http.Header{"Accept-Language": {"en", "fr"}}, b: http.Header{"Accept-Language": {"en, fr"}}, same: true},
		{name: "other headers ignored", a: http.Header{"Accept-Language": {"en"}, "Cookie": {"a"}}, b: http.Header{"Accept-Language": {"en"}}, same: true},
		{
			name: "absent differs from empty", a: http.Header{}, b: http.Header{"Accept-Language": {""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := varySuffix("a.com/", tt.a, vary), varySuffix("a.com/", tt.b, vary)
			if (ka == kb) != tt.same {
				t.Errorf("varySuffix(%q) = %q, varySuffix(%q) = %q: got equal %v; want %v", tt.a, ka, tt.b, kb, ka == kb, tt.same)
			}
		})
	}

	t.Run("key cannot imitate a vary field", func(t *testing.T) {
		// The key itself may hold what looks like a vary field.
		a := varySuffix("a.com/?x\x00Accept-Language=\"en\"", http.Header{"Accept-Language": {"fr"}}, vary[:1])
		b := varySuffix("a.com/?x", http.Header{"Accept-Language": {"en"}}, vary[:1])
		if a == b {
			t.Errorf("varySuffix: got %q for both; want distinct", a)
		}
	})

	t.Run("all value combinations distinct", func(t *testing.T) {
		values := [][]string{
			nil, {"en"}, {"fr"}, {"en", "fr"}, {`en"`}, {`en", "fr`}, {"en\x00"}, {"a=b"}, {`\`}, {`\"`},
			{"en\x00Accept-Encoding=\"gzip\""}, {"gzip"}, {"\x00"}, {`"`}, {", "},
		}
		seen := make(map[string][2]string)
		for _, al := range values {
			for _, ae := range values {
				h := http.Header{}
				if al != nil {
					h["Accept-Language"] = al
				}
				if ae != nil {
					h["Accept-Encoding"] = ae
				}
				k := varySuffix("a.com/", h, vary)
				id := [2]string{strings.Join(al, ", "), strings.Join(ae, ", ")}
				if prev, ok := seen[k]; ok && prev != id {
					t.Errorf("varySuffix = %q for both %q and %q; want distinct", k, prev, id)
				}
				seen[k] = id
			}
		}
	})
}
