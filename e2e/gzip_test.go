package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	gingzip "github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// The gin-contrib/gzip interplay (issue 14): the middleware placed inside
// the cached route (between cache.Handler and the handler) or outside it
// (r.Use before the route), with the cache's own compression on and off,
// through a real server and a client that does not decompress. These tests
// need no browser.

// gzipPage is a 32 KiB HTML page that compresses as real pages do.
var gzipPage = func() string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><body><ul>\n")
	for i := 0; b.Len() < 32<<10; i++ {
		fmt.Fprintf(&b, "<li id=\"r%05d\">row %d, value %08x</li>\n", i, i, uint32(i)*2654435761)
	}
	b.WriteString("</ul></body></html>\n")
	return b.String()
}()

// A client as each kind sends Accept-Encoding; "" sends none.
var gzipClients = []string{"gzip", "br", "gzip, br", ""}

// accepts reports whether a client sending accept takes coding. No
// Accept-Encoding means no preference (RFC 9110 §12.5.3), but every server
// sends such a client identity, and so must this stack.
func accepts(accept, coding string) bool {
	if coding == "" {
		return true
	}
	for _, m := range strings.Split(accept, ",") {
		if strings.TrimSpace(m) == coding {
			return true
		}
	}
	return false
}

// gzipStack is one placement of gin-contrib/gzip with the cache's
// compression on or off, served on loopback.
type gzipStack struct {
	srv    *httptest.Server
	runs   atomic.Int64
	client *http.Client
}

func newGzipStack(t *testing.T, outside, compress bool) *gzipStack {
	t.Helper()
	gin.SetMode(gin.TestMode)
	var opts []gincache.Option
	if compress {
		opts = append(opts, gincache.WithCompression(gincache.Compression{}))
	}
	cache := gincache.New(memstore.New(), opts...)
	policy := gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Minute}
	s := &gzipStack{}
	handler := func(c *gin.Context) {
		s.runs.Add(1)
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(gzipPage))
	}
	r := gin.New()
	if outside {
		r.Use(gingzip.Gzip(gingzip.DefaultCompression))
		r.GET("/page", cache.Handler(policy), handler)
	} else {
		r.GET("/page", cache.Handler(policy), gingzip.Gzip(gingzip.DefaultCompression), handler)
	}
	s.srv = httptest.NewServer(r)
	t.Cleanup(s.srv.Close)
	// No transparent gzip: the test sees the bytes on the wire and sets
	// Accept-Encoding itself.
	s.client = &http.Client{Transport: &http.Transport{DisableCompression: true}}
	t.Cleanup(s.client.CloseIdleConnections)
	return s
}

// reply is one response as it came off the wire.
type reply struct {
	status           int
	header           http.Header
	body             []byte
	accept, encoding string
}

func (s *gzipStack) get(t *testing.T, accept string, hdr ...string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.srv.URL+"/page", nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept-Encoding", accept)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, body, accept, resp.Header.Get("Content-Encoding")}
}

// decodeOnce decodes a body from its Content-Encoding, once.
func decodeOnce(coding string, body []byte) ([]byte, error) {
	switch coding {
	case "":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case "br":
		return io.ReadAll(brotli.NewReader(bytes.NewReader(body)))
	}
	return nil, fmt.Errorf("Content-Encoding %q", coding)
}

// check asserts what every 200 of the stack must be, whatever the
// placement: the page, compressed at most once, in a coding the client
// accepts, framed by a true Content-Length, and Vary: Accept-Encoding on
// every compressed response.
func (r reply) check(t *testing.T, xcache string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("Accept-Encoding %q: status %d; want 200", r.accept, r.status)
	}
	if got := r.header.Get("X-Cache"); got != xcache {
		t.Errorf("Accept-Encoding %q: X-Cache %q; want %q", r.accept, got, xcache)
	}
	// RFC 9110 §12.5.3: never a coding the client did not accept; none
	// listed, identity.
	if !accepts(r.accept, r.encoding) {
		t.Errorf("Accept-Encoding %q: Content-Encoding %q, which the client did not accept", r.accept, r.encoding)
	}
	if n := len(r.header.Values("Content-Encoding")); n > 1 {
		t.Errorf("Accept-Encoding %q: %d Content-Encoding fields %q: compressed twice", r.accept, n, r.header.Values("Content-Encoding"))
	}
	// RFC 9110 §8.4: the body decodes once, by its Content-Encoding, to
	// the page: not to another gzip stream (compressed twice).
	page, err := decodeOnce(r.encoding, r.body)
	if err != nil {
		t.Fatalf("Accept-Encoding %q: decoding %q: %v", r.accept, r.encoding, err)
	}
	if string(page) != gzipPage {
		t.Errorf("Accept-Encoding %q: body decoded once from %q is %d bytes starting %q; want the %d-byte page",
			r.accept, r.encoding, len(page), page[:min(len(page), 8)], len(gzipPage))
	}
	// RFC 9110 §8.6: Content-Length is the length of the content as sent.
	if cl := r.header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(r.body)) {
		t.Errorf("Accept-Encoding %q: Content-Length %s; %d bytes sent", r.accept, cl, len(r.body))
	}
	// RFC 9110 §12.5.5: the coding depends on Accept-Encoding, so a
	// compressed response says so, for the shared caches after this one.
	if r.encoding != "" && !varies(r.header) {
		t.Errorf("Accept-Encoding %q: %s response without Vary: Accept-Encoding (Vary %q)", r.accept, r.encoding, r.header.Values("Vary"))
	}
}

func varies(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Accept-Encoding") {
				return true
			}
		}
	}
	return false
}

// codings is what each client got, "gzip:gzip br:identity gzip,br:gzip
// none:identity", in gzipClients' order.
func codings(rs map[string]reply) string {
	var parts []string
	for _, a := range gzipClients {
		name, enc := strings.ReplaceAll(a, " ", ""), rs[a].encoding
		if name == "" {
			name = "none"
		}
		if enc == "" {
			enc = "identity"
		}
		parts = append(parts, name+":"+enc)
	}
	return strings.Join(parts, " ")
}

// TestGzipMiddleware is gin-contrib/gzip v1.2.5 inside and outside a cached
// route, with the cache's compression on and off, each rendered first by
// each kind of client (what is stored depends on it when the middleware
// decides). For each, the four clients then ask twice: they must get the
// page, compressed once, in a coding they accept, from the store (one
// render in all), and answer their own ETag with a 304.
//
// What the table records, and why (see the rows' comments):
//   - inside: the middleware compresses for the rendering client when it
//     accepts gzip; the cache stores that gzip as the handler's own coding
//     and decodes it for the clients that do not take gzip, with the tags
//     "<identity>" and "<identity>-gzip". When the
//     rendering client does not take gzip, the middleware leaves the
//     response alone, and the cache's compression (if on) compresses it.
//   - outside: the middleware compresses every response to a gzip client,
//     hits included (the store keeps identity bytes, or the cache's codings
//     decoded), and the cache sends identity through it, keeping the
//     middleware's Content-Encoding and sending that coding's ETag
//     ("<identity>-gzip", RFC 9110 §8.8.3) rather than the identity's.
func TestGzipMiddleware(t *testing.T) {
	tests := []struct {
		name              string
		outside, compress bool
		first             string // Accept-Encoding of the client that renders
		want              string // what each client is then sent
		// identityVary: the identity responses carry Vary:
		// Accept-Encoding too (RFC 9110 §12.5.5 SHOULD: another
		// client may be sent a compressed one).
		identityVary bool
	}{
		// Inside, compression off: the gzip the middleware wrote for a gzip
		// client is stored and decoded for the others.
		{name: "inside, compression off, gzip renders", first: "gzip",
			want: "gzip:gzip br:identity gzip,br:gzip none:identity", identityVary: true},
		// ...but rendered for a client without gzip, the middleware does not
		// compress, nor does the cache: identity for everyone, no Vary.
		{name: "inside, compression off, br renders", first: "br",
			want: "gzip:identity br:identity gzip,br:identity none:identity"},
		{name: "inside, compression off, no Accept-Encoding renders", first: "",
			want: "gzip:identity br:identity gzip,br:identity none:identity"},
		{name: "inside, compression off, gzip, br renders", first: "gzip, br",
			want: "gzip:gzip br:identity gzip,br:gzip none:identity", identityVary: true},

		// Inside, compression on: the middleware's gzip is the handler's own
		// coding, stored as it is (no br added); without it the cache
		// compresses, br and gzip.
		{name: "inside, compression on, gzip renders", compress: true, first: "gzip",
			want: "gzip:gzip br:identity gzip,br:gzip none:identity", identityVary: true},
		{name: "inside, compression on, br renders", compress: true, first: "br",
			want: "gzip:gzip br:br gzip,br:br none:identity", identityVary: true},
		{name: "inside, compression on, no Accept-Encoding renders", compress: true, first: "",
			want: "gzip:gzip br:br gzip,br:br none:identity", identityVary: true},
		{name: "inside, compression on, gzip, br renders", compress: true, first: "gzip, br",
			want: "gzip:gzip br:identity gzip,br:gzip none:identity", identityVary: true},

		// Outside, compression off: identity stored, gzipped again on every
		// hit for gzip clients, with the gzip coding's ETag.
		{name: "outside, compression off, gzip renders", outside: true, first: "gzip",
			want: "gzip:gzip br:identity gzip,br:gzip none:identity"},
		{name: "outside, compression off, br renders", outside: true, first: "br",
			want: "gzip:gzip br:identity gzip,br:gzip none:identity"},
		{name: "outside, compression off, no Accept-Encoding renders", outside: true, first: "",
			want: "gzip:gzip br:identity gzip,br:gzip none:identity"},
		{name: "outside, compression off, gzip, br renders", outside: true, first: "gzip, br",
			want: "gzip:gzip br:identity gzip,br:gzip none:identity"},

		// Outside, compression on: a render through the middleware (a gzip
		// client) is stored identity, uncompressed; a render without it is
		// compressed by the cache, and br clients get br from the store,
		// while gzip clients still get the middleware's gzip of the
		// identity, decoded from the stored br on every hit.
		{name: "outside, compression on, gzip renders", outside: true, compress: true, first: "gzip",
			want: "gzip:gzip br:identity gzip,br:gzip none:identity"},
		{name: "outside, compression on, br renders", outside: true, compress: true, first: "br",
			want: "gzip:gzip br:br gzip,br:gzip none:identity", identityVary: true},
		{name: "outside, compression on, no Accept-Encoding renders", outside: true, compress: true, first: "",
			want: "gzip:gzip br:br gzip,br:gzip none:identity", identityVary: true},
		{name: "outside, compression on, gzip, br renders", outside: true, compress: true, first: "gzip, br",
			want: "gzip:gzip br:identity gzip,br:gzip none:identity"},
	}
	idTags := map[bool]map[string]bool{} // rendered through the outer middleware -> identity ETags
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newGzipStack(t, tt.outside, tt.compress)
			s.get(t, tt.first).check(t, "MISS")

			got := map[string]reply{}
			for range 2 {
				for _, a := range gzipClients {
					r := s.get(t, a)
					r.check(t, "HIT from Server")
					if prev, ok := got[a]; ok && (prev.encoding != r.encoding || prev.header.Get("Etag") != r.header.Get("Etag")) {
						t.Errorf("Accept-Encoding %q: hit 1 %q %s, hit 2 %q %s; want the same", a,
							prev.encoding, prev.header.Get("Etag"), r.encoding, r.header.Get("Etag"))
					}
					got[a] = r
				}
			}
			if c := codings(got); c != tt.want {
				t.Errorf("codings sent:\n  got  %s\n  want %s", c, tt.want)
			}

			// RFC 9110 §8.8.3: a strong ETag names one representation
			// in one coding; the same tag on two codings is a collision.
			tags := map[string][]string{} // ETag -> codings sent with it
			for _, a := range gzipClients {
				r := got[a]
				tag := r.header.Get("Etag")
				if tag == "" || strings.HasPrefix(tag, "W/") {
					t.Errorf("Accept-Encoding %q: ETag %q; want a strong one", a, tag)
					continue
				}
				enc := r.encoding
				if enc == "" {
					enc = "identity"
				}
				if !slices.Contains(tags[tag], enc) {
					tags[tag] = append(tags[tag], enc)
				}
			}
			for tag, encs := range tags {
				if len(encs) > 1 {
					t.Errorf("ETag %s is sent with %v: one strong tag on two codings (RFC 9110 §8.8.3)", tag, encs)
				}
			}
			// Each coding's tag is derived from the identity's
			// ("<identity>-gzip"), whoever compressed it (the cache, the
			// middleware inside or outside), so that replicas agree
			// whatever bytes their compressor made.
			id := got[""].header.Get("Etag")
			for _, a := range gzipClients {
				r := got[a]
				if want := strings.TrimSuffix(id, `"`) + "-" + r.encoding + `"`; r.encoding != "" && r.header.Get("Etag") != want {
					t.Errorf("Accept-Encoding %q: %s ETag %s; want %s, the identity's %s and the coding", a, r.encoding, r.header.Get("Etag"), want, id)
				}
			}

			// RFC 9110 §12.5.5: Vary on the identity responses too, where
			// the route can send a compressed one.
			for _, a := range gzipClients {
				if r := got[a]; r.encoding == "" && varies(r.header) != tt.identityVary {
					t.Errorf("Accept-Encoding %q: identity with Vary %q; want Vary: Accept-Encoding %v", a, r.header.Values("Vary"), tt.identityVary)
				}
			}

			// RFC 9110 §13.1.2: each client's ETag answers its own
			// revalidation with a 304, empty (RFC 9110 §15.4.5), without
			// a render.
			for _, a := range gzipClients {
				tag := got[a].header.Get("Etag")
				r := s.get(t, a, "If-None-Match", tag)
				if r.status != http.StatusNotModified || len(r.body) != 0 || r.header.Get("Etag") != tag {
					t.Errorf("Accept-Encoding %q, If-None-Match %s: %d, ETag %s, %d bytes; want 304 with the tag and no body",
						a, tag, r.status, r.header.Get("Etag"), len(r.body))
				}
				if ce := r.header.Get("Content-Encoding"); ce != "" {
					t.Errorf("Accept-Encoding %q: 304 with Content-Encoding %q; want none (RFC 9110 §15.4.5)", a, ce)
				}
			}
			if n := s.runs.Load(); n != 1 {
				t.Errorf("handler ran %d times; want 1 (every request after the first a hit)", n)
			}
			through := tt.outside && accepts(tt.first, "gzip")
			if idTags[through] == nil {
				idTags[through] = map[string]bool{}
			}
			idTags[through][got[""].header.Get("Etag")] = true
		})
	}
	// The identity's ETag is the same however the page was rendered and
	// stored, through the middleware outside too: the cache hashes the
	// identity body with the chain's own Content-Encoding only, never the
	// outer middleware's (RFC 9110 §8.8.3: one tag, one representation).
	all := map[string]bool{}
	for _, tags := range idTags {
		for tag := range tags {
			all[tag] = true
		}
	}
	if len(all) != 1 {
		t.Errorf("identity ETags: %v rendered directly, %v through the outer gzip; want one in all", idTags[false], idTags[true])
	}
}
