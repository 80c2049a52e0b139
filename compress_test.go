package gincache_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/klauspost/compress/zstd"
)

var compressPolicy = gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Minute}

// bigPage is an HTML page of about n bytes that compresses as real pages do.
func bigPage(n int) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><body><ul>\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "<li id=\"r%05d\">row %d, value %08x</li>\n", i, i, uint32(i)*2654435761)
	}
	b.WriteString("</ul></body></html>\n")
	return b.String()
}

// noise is n bytes that no coding makes smaller.
func noise(n int) []byte {
	b := make([]byte, n)
	x := uint64(88172645463325252)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// gzipped is s compressed with the standard library's gzip, as a handler or
// an upstream would send it.
func gzipped(s string) *bytes.Buffer {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return &b
}

// decoded returns a response's body decoded from its Content-Encoding, once:
// a body compressed twice does not come out as the page.
func decoded(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	body := w.Body.Bytes()
	var r io.Reader
	switch ce := w.Header().Get("Content-Encoding"); ce {
	case "":
		return string(body)
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("zstd body: %v", err)
		}
		defer zr.Close()
		r = zr
	default:
		t.Fatalf("Content-Encoding %q", ce)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", w.Header().Get("Content-Encoding"), err)
	}
	return string(out)
}

func hasLength(t *testing.T, w *httptest.ResponseRecorder, n int) {
	t.Helper()
	if got := w.Header().Get("Content-Length"); got != strconv.Itoa(n) {
		t.Errorf("Content-Length = %s; want %d", got, n)
	}
}

// TestCompressionNegotiation: one render stores the page compressed; each
// client then gets the coding its Accept-Encoding prefers, with that
// coding's own strong ETag, Content-Length and Vary (RFC 9110 §12.5.3,
// §8.8.3), on every store.
func TestCompressionNegotiation(t *testing.T) {
	body := bigPage(32 << 10)
	for _, kind := range []storeKind{onMemstore, onMiniredis, onRealRedis} {
		t.Run(kind.name, func(t *testing.T) {
			e := newStoreEnv(t, kind, compressPolicy, page(body), gincache.WithCompression(gincache.Compression{Codings: []string{"br", "zstd", "gzip"}}))
			first := e.do("GET", "/page", "Accept-Encoding", "gzip, deflate, br, zstd")
			runAll(t, first, hasStatus(200), hasHeader("Content-Encoding", "br"), hasHeader("Vary", "Accept-Encoding"), hasHeader("X-Cache", xMissValue))
			if got := decoded(t, first); got != body {
				t.Fatalf("miss: decoded body is not the page (%d bytes)", len(got))
			}
			hasLength(t, first, first.Body.Len())
			identityTag := strings.TrimSuffix(first.Header().Get("Etag"), `-br"`) + `"`

			tests := []struct {
				name   string
				accept []string // Accept-Encoding field lines; nil: none
				coding string   // "" identity
			}{
				{"browser", []string{"gzip, deflate, br, zstd"}, "br"},
				{"gzip only", []string{"gzip"}, "gzip"},
				{"x-gzip", []string{"x-gzip"}, "gzip"},
				{"zstd preferred", []string{"zstd, br;q=0.5"}, "zstd"},
				{"no header", nil, ""},
				{"empty header", []string{""}, ""},
				{"identity preferred", []string{"identity, gzip;q=0.5"}, ""},
				{"nothing acceptable: identity, not 406", []string{"identity;q=0, *;q=0"}, ""},
				{"unknown codings", []string{"compress, deflate"}, ""},
				{"star", []string{"*"}, "br"},
				{"q-values", []string{"br;q=0.2, gzip;q=0.9, zstd;q=0.1"}, "gzip"},
				{"hostile: a thousand members", []string{strings.Repeat("x,", 1000) + "gzip"}, "gzip"},
				{"hostile: many names", []string{"a,b,c,d,e,f,g,h,i,j,gzip"}, "gzip"},
				{"hostile: malformed q", []string{"br;q=9, gzip;q=abc"}, ""},
			}
			tags := map[string]string{}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					hdr := []string{}
					for _, l := range tt.accept {
						hdr = append(hdr, "Accept-Encoding", l)
					}
					w := e.do("GET", "/page", hdr...)
					runAll(t, w, hasStatus(200), hasHeader("X-Cache", xHitValue), hasHeader("Content-Encoding", tt.coding), hasHeader("Vary", "Accept-Encoding"))
					if got := decoded(t, w); got != body {
						t.Errorf("decoded body is not the page (%d bytes)", len(got))
					}
					hasLength(t, w, w.Body.Len())
					tag := w.Header().Get("Etag")
					want := identityTag
					if tt.coding != "" {
						want = strings.TrimSuffix(identityTag, `"`) + "-" + tt.coding + `"`
					}
					if tag != want {
						t.Errorf("ETag = %s; want %s", tag, want)
					}
					tags[tt.coding] = tag
				})
			}
			if len(tags) != 4 {
				t.Errorf("ETags by coding = %v; want four distinct", tags)
			}
			e.wantRuns(1)
			e.wantEntries(1)

			// Stored: br first, then zstd, gzip and the identity's tag and size, no identity bytes.
			st := e.entry("/page")
			if got := st.Header.Get("Content-Encoding"); got != "br" {
				t.Errorf("stored Content-Encoding = %q; want br", got)
			}
			var names []string
			stored := len(st.Body)
			for _, c := range st.Codings {
				names = append(names, c.Name)
				stored += len(c.Body)
				if c.Name == "identity" && (c.Body != nil || c.Size != len(body)) {
					t.Errorf("identity coding: %d bytes kept, size %d; want none kept, size %d", len(c.Body), c.Size, len(body))
				}
			}
			if got := strings.Join(names, ","); got != "zstd,gzip,identity" {
				t.Errorf("stored codings = %s; want zstd,gzip,identity", got)
			}
			if pct := 100 * stored / len(body); pct > 65 {
				t.Errorf("stored bodies = %d%% of the identity; want at most 65%% for three codings", pct)
			}
		})
	}
}

// TestCompressionValidators: If-None-Match is compared with the ETag of the
// coding that would be sent (RFC 9110 §13.1.2); a 304 carries that ETag and
// Vary (RFC 9110 §15.4.5); HEAD sends the chosen coding's Content-Length.
func TestCompressionValidators(t *testing.T) {
	body := bigPage(8 << 10)
	e := newStoreEnv(t, onMemstore, compressPolicy, page(body), gincache.WithCompression(gincache.Compression{}))
	br := e.do("GET", "/page", "Accept-Encoding", "br, gzip")
	gz := e.do("GET", "/page", "Accept-Encoding", "gzip")
	id := e.do("GET", "/page")
	brTag, gzTag, idTag := br.Header().Get("Etag"), gz.Header().Get("Etag"), id.Header().Get("Etag")
	if brTag == gzTag || gzTag == idTag || brTag == idTag || strings.HasPrefix(brTag, "W/") {
		t.Fatalf("ETags br %s, gzip %s, identity %s; want three distinct strong tags", brTag, gzTag, idTag)
	}
	tests := []struct {
		name   string
		hdr    []string
		checks []check
	}{
		{"br tag, br client", []string{"Accept-Encoding", "br", "If-None-Match", brTag},
			[]check{hasStatus(304), hasHeader("Etag", brTag), hasHeader("Vary", "Accept-Encoding"), noHeader("Content-Encoding"), noHeader("Content-Length"), hasBody("")}},
		{"gzip tag, gzip client", []string{"Accept-Encoding", "gzip", "If-None-Match", gzTag},
			[]check{hasStatus(304), hasHeader("Etag", gzTag)}},
		{"identity tag, no Accept-Encoding", []string{"If-None-Match", idTag},
			[]check{hasStatus(304), hasHeader("Etag", idTag)}},
		{"br tag, gzip client: the gzip coding in full", []string{"Accept-Encoding", "gzip", "If-None-Match", brTag},
			[]check{hasStatus(200), hasHeader("Etag", gzTag), hasHeader("Content-Encoding", "gzip")}},
		{"every tag listed", []string{"Accept-Encoding", "gzip", "If-None-Match", brTag + ", " + idTag + ", " + gzTag},
			[]check{hasStatus(304), hasHeader("Etag", gzTag)}},
		{"HEAD, br", []string{"Accept-Encoding", "br"},
			[]check{hasStatus(200), hasHeader("Content-Encoding", "br"), hasHeader("Content-Length", strconv.Itoa(br.Body.Len())), hasHeader("Etag", brTag), hasBody("")}},
		{"HEAD, identity", nil,
			[]check{hasStatus(200), noHeader("Content-Encoding"), hasHeader("Content-Length", strconv.Itoa(len(body))), hasHeader("Etag", idTag), hasBody("")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := "GET"
			if strings.HasPrefix(tt.name, "HEAD") {
				method = "HEAD"
			}
			runAll(t, e.do(method, "/page", tt.hdr...), tt.checks...)
		})
	}
	e.wantRuns(1)
}

// TestCompressionWhatQualifies: only what is stored, of a compressible type
// and size, without its own coding or no-transform (RFC 9110 §7.7), is
// compressed.
func TestCompressionWhatQualifies(t *testing.T) {
	big := bigPage(4 << 10)
	tests := []struct {
		name    string
		p       gincache.Policy
		handler gin.HandlerFunc
		coding  string
	}{
		{"HTML", compressPolicy, page(big), "br"},
		{"JSON", compressPolicy, func(c *gin.Context) { c.Data(200, "application/json", []byte(`{"a":"`+big+`"}`)) }, "br"},
		{"SVG", compressPolicy, func(c *gin.Context) { c.Data(200, "image/svg+xml", []byte(big)) }, "br"},
		{"small", compressPolicy, page("<p>small</p>"), ""},
		{"PNG", compressPolicy, func(c *gin.Context) { c.Data(200, "image/png", []byte(big)) }, ""},
		{"incompressible text", compressPolicy, func(c *gin.Context) { c.Data(200, "text/plain", noise(4<<10)) }, ""},
		{"no Content-Type", compressPolicy, func(c *gin.Context) { c.Writer.Header()["Content-Type"] = nil; c.Writer.WriteString(big) }, ""},
		{"no-transform", compressPolicy, func(c *gin.Context) {
			c.Header("Cache-Control", "public, no-transform")
			c.Data(200, "text/html", []byte(big))
		}, ""},
		{"not stored: ServerTTL 0", gincache.Policy{Public: true, NoCache: true}, page(big), ""},
		{"not stored: Set-Cookie", compressPolicy, func(c *gin.Context) {
			c.Header("Set-Cookie", "a=b")
			c.Data(200, "text/html", []byte(big))
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newStoreEnv(t, onMemstore, tt.p, tt.handler, gincache.WithCompression(gincache.Compression{}))
			for range 2 {
				w := e.do("GET", "/page", "Accept-Encoding", "gzip, br")
				runAll(t, w, hasStatus(200), hasHeader("Content-Encoding", tt.coding))
				if tt.coding == "" && w.Header().Get("Vary") != "" {
					t.Errorf("Vary = %q on an uncompressed page; want none", w.Header().Get("Vary"))
				}
				decoded(t, w)
			}
		})
	}
}

// TestCompressionCannotBePoisoned: what is stored does not depend on the
// Accept-Encoding of the client whose request rendered it.
func TestCompressionCannotBePoisoned(t *testing.T) {
	body := bigPage(4 << 10)
	var stored [][]byte
	for _, accept := range []string{"", "identity", "gzip;q=0, br;q=0", "br", strings.Repeat("gzip;q=0,", 300)} {
		e := newStoreEnv(t, onMemstore, compressPolicy, page(body), gincache.WithCompression(gincache.Compression{}))
		e.do("GET", "/page", "Accept-Encoding", accept)
		b, err := e.entry("/page").MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		// StoredAt is the same fake clock every time; so the bytes must be too.
		stored = append(stored, b)
		w := e.do("GET", "/page", "Accept-Encoding", "gzip")
		runAll(t, w, hasStatus(200), hasHeader("Content-Encoding", "gzip"), hasHeader("X-Cache", xHitValue))
	}
	for i := range stored[1:] {
		if !bytes.Equal(stored[0], stored[i+1]) {
			t.Errorf("entry rendered for client %d differs from the one rendered for client 0", i+1)
		}
	}
}

// TestHandlerCoding: a handler that compresses its own response is stored as
// it wrote it, sent to the clients that accept its coding, and decoded for
// the others, with an ETag per coding; a coding the cache cannot decode is
// not stored, since the key cannot tell its clients apart.
func TestHandlerCoding(t *testing.T) {
	body := bigPage(4 << 10)
	gz := gzipped(body)
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compression %v", compress), func(t *testing.T) {
			var opts []gincache.Option
			if compress {
				opts = append(opts, gincache.WithCompression(gincache.Compression{}))
			}
			e := newStoreEnv(t, onMemstore, compressPolicy, func(c *gin.Context) {
				c.Header("Content-Encoding", "gzip")
				c.Header("Vary", "Accept-Encoding")
				c.Data(200, "text/html", gz.Bytes())
			}, opts...)
			a := e.do("GET", "/page", "Accept-Encoding", "gzip")
			runAll(t, a, hasStatus(200), hasHeader("Content-Encoding", "gzip"), hasHeader("X-Cache", xMissValue))
			b := e.do("GET", "/page", "Accept-Encoding", "gzip, br")
			runAll(t, b, hasStatus(200), hasHeader("Content-Encoding", "gzip"), hasHeader("X-Cache", xHitValue), hasBody(gz.String()))
			c := e.do("GET", "/page", "Accept-Encoding", "br")
			runAll(t, c, hasStatus(200), noHeader("Content-Encoding"), hasHeader("X-Cache", xHitValue), hasBody(body), hasHeader("Vary", "Accept-Encoding"))
			hasLength(t, c, len(body))
			if a.Header().Get("Etag") != b.Header().Get("Etag") || b.Header().Get("Etag") == c.Header().Get("Etag") {
				t.Errorf("ETags gzip %s, %s, identity %s; want the gzip ones equal, the identity's distinct", a.Header().Get("Etag"), b.Header().Get("Etag"), c.Header().Get("Etag"))
			}
			// Generated tags derive from the identity content, as the
			// cache's own codings' do, not from the gzip bytes a given
			// compressor produced: the identity's tag is the one an
			// uncompressed render of the page gets.
			plain := newStoreEnv(t, onMemstore, compressPolicy, page(body)).do("GET", "/page").Header().Get("Etag")
			if got := c.Header().Get("Etag"); got != plain {
				t.Errorf("identity ETag %s; want %s, the uncompressed page's", got, plain)
			}
			if got, want := a.Header().Get("Etag"), strings.TrimSuffix(plain, `"`)+`-gzip"`; got != want {
				t.Errorf("gzip ETag %s; want %s, derived from the identity's", got, want)
			}
			e.wantRuns(1)
		})
	}
	t.Run("the handler's own ETag", func(t *testing.T) {
		e := newStoreEnv(t, onMemstore, compressPolicy, func(c *gin.Context) {
			c.Header("Content-Encoding", "gzip")
			c.Header("ETag", `"v1"`)
			c.Data(200, "text/html", gz.Bytes())
		})
		runAll(t, e.do("GET", "/page", "Accept-Encoding", "gzip"), hasStatus(200), hasHeader("Content-Encoding", "gzip"), hasHeader("Etag", `"v1"`))
		runAll(t, e.do("GET", "/page"), hasStatus(200), noHeader("Content-Encoding"), hasHeader("Etag", `"v1-identity"`), hasBody(body))
		e.wantRuns(1)
	})
	t.Run("x-gzip is gzip (RFC 9110 §8.4.1.3)", func(t *testing.T) {
		e := newStoreEnv(t, onMemstore, compressPolicy, func(c *gin.Context) {
			c.Header("Content-Encoding", "x-gzip")
			c.Data(200, "text/html", gz.Bytes())
		})
		e.do("GET", "/page", "Accept-Encoding", "gzip")
		runAll(t, e.do("GET", "/page", "Accept-Encoding", "gzip"), hasStatus(200), hasHeader("Content-Encoding", "x-gzip"), hasHeader("X-Cache", xHitValue), hasBody(gz.String()))
		runAll(t, e.do("GET", "/page"), hasStatus(200), noHeader("Content-Encoding"), hasHeader("X-Cache", xHitValue), hasBody(body))
		e.wantRuns(1)
	})
	t.Run("undecodable coding", func(t *testing.T) {
		e := newStoreEnv(t, onMemstore, compressPolicy, func(c *gin.Context) {
			c.Header("Content-Encoding", "exi")
			c.Data(200, "text/html", []byte(body))
		})
		for range 2 {
			runAll(t, e.do("GET", "/page", "Accept-Encoding", "exi"), hasStatus(200), hasHeader("Content-Encoding", "exi"), hasHeader("X-Cache", xMissValue))
		}
		e.wantEntries(0)
	})
	t.Run("gzip that is not", func(t *testing.T) {
		e := newStoreEnv(t, onMemstore, compressPolicy, func(c *gin.Context) {
			c.Header("Content-Encoding", "gzip")
			c.Data(200, "text/html", []byte(body))
		})
		e.do("GET", "/page", "Accept-Encoding", "gzip")
		e.wantEntries(0)
	})
}

// TestCompressionOptions: a coding the cache does not know is refused when
// the Cache is made, and gzip is always kept.
func TestCompressionOptions(t *testing.T) {
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `gincache: WithCompression: unknown coding "deflate"`) {
				t.Errorf("WithCompression(deflate): panic %v; want the unknown coding", r)
			}
		}()
		gincache.WithCompression(gincache.Compression{Codings: []string{"deflate"}})
	}()
	e := newStoreEnv(t, onMemstore, compressPolicy, page(bigPage(4<<10)), gincache.WithCompression(gincache.Compression{Codings: []string{"zstd"}}))
	runAll(t, e.do("GET", "/page", "Accept-Encoding", "gzip, br"), hasStatus(200), hasHeader("Content-Encoding", "gzip"))
	runAll(t, e.do("GET", "/page", "Accept-Encoding", "zstd, gzip"), hasStatus(200), hasHeader("Content-Encoding", "zstd"))
	if got := e.entry("/page").Header.Get("Content-Encoding"); got != "zstd" {
		t.Errorf("stored Content-Encoding = %q; want zstd, the first coding", got)
	}
}

// outerGzip is a compressing middleware as gin-contrib/gzip is: for a
// client that takes gzip it sets Content-Encoding and Vary before the route
// runs and gzips whatever the route writes.
func outerGzip(c *gin.Context) {
	if !strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") {
		return
	}
	c.Header("Content-Encoding", "gzip")
	c.Writer.Header().Add("Vary", "Accept-Encoding")
	zw := gzip.NewWriter(c.Writer)
	c.Writer = &gzipWriter{ResponseWriter: c.Writer, zw: zw}
	c.Next()
	zw.Close()
}

type gzipWriter struct {
	gin.ResponseWriter
	zw *gzip.Writer
}

func (w *gzipWriter) Write(b []byte) (int, error) {
	w.Header().Del("Content-Length")
	return w.zw.Write(b)
}

func (w *gzipWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// TestCompressionOuterMiddleware: with a compressing middleware outside the
// route, an entry the cache compressed (rendered for a client the
// middleware left alone) is sent identity through the middleware to its
// clients, and keeps the middleware's Content-Encoding: the body is gzip,
// and must say so (RFC 9110 §8.4). The replay used to copy the stored
// header over it and then drop Content-Encoding for the identity.
func TestCompressionOuterMiddleware(t *testing.T) {
	body := bigPage(8 << 10)
	for _, coded := range []string{"cache", "handler"} {
		t.Run(coded, func(t *testing.T) {
			handler := page(body)
			if coded == "handler" { // the handler's own gzip, stored with its identity
				var gz bytes.Buffer
				zw := gzip.NewWriter(&gz)
				zw.Write([]byte(body))
				zw.Close()
				handler = func(c *gin.Context) {
					c.Header("Content-Encoding", "gzip")
					c.Data(200, "text/html", gz.Bytes())
				}
			}
			e := newEnv(t, compressPolicy, handler, gincache.WithCompression(gincache.Compression{}))
			e.r = gin.New()
			e.r.Use(outerGzip)
			e.r.GET("/page", e.cache.Handler(compressPolicy), func(c *gin.Context) { e.runs.Add(1); handler(c) })

			first := e.do("GET", "/page", "Accept-Encoding", "br") // not through the middleware: the cache's codings stored
			runAll(t, first, hasStatus(200), hasHeader("X-Cache", xMissValue))
			tests := []struct {
				name, accept, coding string
			}{
				{"gzip client: the middleware's gzip of the identity", "gzip", "gzip"},
				{"browser: the middleware's gzip, not br", "gzip, deflate, br, zstd", "gzip"},
				{"no Accept-Encoding: identity", "", ""},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					w := e.do("GET", "/page", "Accept-Encoding", tt.accept)
					runAll(t, w, hasStatus(200), hasHeader("X-Cache", xHitValue), hasHeader("Content-Encoding", tt.coding))
					if got := decoded(t, w); got != body {
						t.Errorf("body decoded once from %q is %d bytes; want the %d-byte page", w.Header().Get("Content-Encoding"), len(got), len(body))
					}
				})
			}
			e.wantRuns(1)
		})
	}
}

var _ = http.StatusOK

const (
	xMissValue = "MISS"
	xHitValue  = "HIT from Server"
)

// TestSharedUpstreamCoding: a SharedCache route stores an upstream's gzip
// response once, whatever Accept-Encoding asked for it, serves it as it is to
// gzip clients and gunzipped to the others (with an ETag of its own, RFC 9110
// §8.8.3), and revalidates it with the upstream's own ETag (RFC 9111 §4.3.1).
func TestSharedUpstreamCoding(t *testing.T) {
	body := bigPage(4 << 10)
	gz := gzipped(body)
	e, o := newShared(t, sharedPolicy, http.StatusOK, "", "Cache-Control", "max-age=60", "Vary", "Accept-Encoding", "Etag", `"up"`)
	o.bodyOf = func(c *gin.Context) string {
		if strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") {
			c.Header("Content-Encoding", "gzip")
			return gz.String()
		}
		return body
	}
	e.play([]step{
		{hdr: []string{"Accept-Encoding", "gzip, br"}, runs: 1, checks: []check{hasHeader("Content-Encoding", "gzip"), hasBody(gz.String()), hasHeader("Etag", `"up"`)}},
		{hdr: []string{"Accept-Encoding", "gzip"}, runs: 1, checks: []check{hasHeader("X-Cache", xHitValue), hasHeader("Content-Encoding", "gzip"), hasBody(gz.String()), hasHeader("Etag", `"up"`), hasHeader("Vary", "Accept-Encoding")}},
		{runs: 1, checks: []check{hasHeader("X-Cache", xHitValue), noHeader("Content-Encoding"), hasBody(body), hasHeader("Etag", `"up-identity"`), hasHeader("Content-Length", strconv.Itoa(len(body)))}},
		{hdr: []string{"Accept-Encoding", "br"}, runs: 1, checks: []check{hasHeader("X-Cache", xHitValue), noHeader("Content-Encoding"), hasBody(body)}},
		{hdr: []string{"If-None-Match", `"up-identity"`}, runs: 1, checks: []check{hasStatus(304), hasHeader("Etag", `"up-identity"`)}},
		{hdr: []string{"Accept-Encoding", "gzip", "Range", "bytes=0-9"}, runs: 1, checks: []check{hasStatus(200), hasBody(gz.String())}}, // §14.2: ignored
		// stale: revalidated with the upstream's tag, still one entry for every client
		{advance: 2 * time.Minute, hdr: []string{"Accept-Encoding", "gzip"}, runs: 2, checks: []check{hasStatus(200), hasHeader("Content-Encoding", "gzip"), hasBody(gz.String())}},
		{runs: 2, checks: []check{hasHeader("X-Cache", xHitValue), hasBody(body)}},
	})
	if got := o.last(t).Get("If-None-Match"); got != `"up"` {
		t.Errorf("revalidation If-None-Match = %q; want the upstream's \"up\"", got)
	}
}

// TestSharedCompressesIdentity: with WithCompression a SharedCache route
// compresses an upstream's identity response when it stores it, unless the
// upstream said no-transform (RFC 9110 §7.7); it revalidates with the
// upstream's own ETag, and a 304 keeps every coding (RFC 9111 §4.3.4).
func TestSharedCompressesIdentity(t *testing.T) {
	body := bigPage(4 << 10)
	newEnvC := func(t *testing.T, cc string) (*env, *origin) {
		var o *origin
		e := newEnv(t, sharedPolicy, func(c *gin.Context) { o.handle(c) }, gincache.WithCompression(gincache.Compression{}))
		o = newOrigin(e.clock, http.StatusOK, body, "Cache-Control", cc, "Etag", `"up"`, "Content-Type", "text/html")
		return e, o
	}
	e, o := newEnvC(t, "max-age=60")
	e.play([]step{
		{hdr: []string{"Accept-Encoding", browser}, runs: 1, checks: []check{hasHeader("Content-Encoding", "br"), hasHeader("Etag", `"up-br"`), hasHeader("Vary", "Accept-Encoding")}},
		{hdr: []string{"Accept-Encoding", "gzip"}, runs: 1, checks: []check{hasHeader("X-Cache", xHitValue), hasHeader("Content-Encoding", "gzip"), hasHeader("Etag", `"up-gzip"`)}},
		{runs: 1, checks: []check{hasHeader("X-Cache", xHitValue), noHeader("Content-Encoding"), hasHeader("Etag", `"up"`), hasBody(body)}},
		{advance: 2 * time.Minute, hdr: []string{"Accept-Encoding", browser}, runs: 2, checks: []check{hasStatus(200), hasHeader("Content-Encoding", "br"), hasHeader("Etag", `"up-br"`)}},
		{hdr: []string{"Accept-Encoding", "gzip"}, runs: 2, checks: []check{hasHeader("X-Cache", xHitValue), hasHeader("Content-Encoding", "gzip")}},
	})
	if got := o.last(t).Get("If-None-Match"); got != `"up"` {
		t.Errorf("revalidation If-None-Match = %q; want the upstream's \"up\"", got)
	}
	e, _ = newEnvC(t, "max-age=60, no-transform")
	e.play([]step{
		{hdr: []string{"Accept-Encoding", browser}, runs: 1, checks: []check{noHeader("Content-Encoding"), hasHeader("Etag", `"up"`)}},
		{hdr: []string{"Accept-Encoding", browser}, runs: 1, checks: []check{hasHeader("X-Cache", xHitValue), noHeader("Content-Encoding")}},
	})
}

const browser = "gzip, deflate, br, zstd"
