package gincache

import (
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Compression says what the cache compresses when it stores a response
// (WithCompression). The zero value is the defaults: br and gzip, bodies of
// DefaultMinCompressSize bytes and more, the DefaultCompressibleTypes.
type Compression struct {
	// Codings are the content-codings a compressed entry is kept in, in the
	// order a client that weighs them equally gets them: "br", "zstd" and
	// "gzip". gzip is always kept, since every client that compresses takes
	// it. Nil means DefaultCodings. Each coding costs its compression once
	// per store and its bytes in the store; see the README's Compression
	// section for the measured sizes and times.
	Codings []string
	// MinSize is the smallest body compressed, in bytes; a smaller one is
	// stored as it is, since the coding would save less than its framing
	// and the work costs more than the bytes. Zero means
	// DefaultMinCompressSize.
	MinSize int
	// Types are the media types compressed: exact ("application/json") or
	// a major type ("text/*"). Nil means DefaultCompressibleTypes. Images,
	// audio, video, archives and fonts in WOFF are compressed already.
	Types []string
}

// DefaultMinCompressSize is Compression.MinSize's zero value.
const DefaultMinCompressSize = 1 << 10

// DefaultCodings are Compression.Codings' zero value: br, which is the
// smallest and which every current browser and curl --compressed ask for,
// then gzip for every other client.
var DefaultCodings = []string{"br", "gzip"}

// DefaultCompressibleTypes are Compression.Types' zero value: text and the
// structured text formats.
var DefaultCompressibleTypes = []string{
	"text/*",
	"application/json", "application/ld+json", "application/problem+json", "application/manifest+json",
	"application/javascript", "application/ecmascript", "application/x-javascript",
	"application/xml", "application/xhtml+xml", "application/rss+xml", "application/atom+xml",
	"application/wasm", "application/x-ndjson", "application/graphql-response+json",
	"image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon", "font/ttf", "font/otf",
}

// WithCompression makes the cache own the content-coding of what it
// stores: a cacheable response of a compressible type, at least MinSize
// bytes and without a Content-Encoding of its own, is compressed once in
// each of the Codings when it is stored, never on a hit. A hit is served in
// the coding the client's Accept-Encoding prefers (RFC 9110 §12.5.3) with
// that coding's own strong ETag and Content-Length, and Vary:
// Accept-Encoding; a client that takes none of them is sent identity,
// decoded from the stored body. Responses that are not stored are sent as
// the handler wrote them.
//
// A handler that sets its own Content-Encoding is stored as it wrote it,
// whether or not compression is on, and decoded for the clients that do
// not accept it. Middleware outside the cached route that compresses
// (gin-contrib/gzip) is left to do so: a request that comes through it is
// sent identity. It panics on a coding it does not know.
func WithCompression(c Compression) Option {
	z := compression{minSize: c.MinSize, types: c.Types}
	if z.minSize <= 0 {
		z.minSize = DefaultMinCompressSize
	}
	if z.types == nil {
		z.types = DefaultCompressibleTypes
	}
	codings := c.Codings
	if codings == nil {
		codings = DefaultCodings
	}
	for _, name := range codings {
		name = strings.ToLower(name)
		if c := coders[name]; c == nil || c.encode == nil {
			panic(fmt.Sprintf("gincache: WithCompression: unknown coding %q (known: br, zstd, gzip)", name))
		}
		if !slices.Contains(z.codings, name) {
			z.codings = append(z.codings, name)
		}
	}
	if !slices.Contains(z.codings, "gzip") {
		z.codings = append(z.codings, "gzip")
	}
	return optionFunc(func(cfg *config) { cfg.compression = &z })
}

// compression is WithCompression's configuration, checked.
type compression struct {
	codings []string // in order of preference; gzip among them
	minSize int
	types   []string
}

// compressible reports whether a response with this header and body
// should be compressed: its type is listed, it is large enough, and
// nothing says it must be sent as it is (its own Content-Encoding, a
// Content-Range, or no-transform, RFC 9110 §7.7).
func (z *compression) compressible(h http.Header, body []byte) bool {
	if len(body) < z.minSize || h.Get("Content-Encoding") != "" || h.Get("Content-Range") != "" {
		return false
	}
	if listHas(h["Cache-Control"], "no-transform") {
		return false
	}
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return false
	}
	for _, t := range z.types {
		if major, ok := strings.CutSuffix(t, "/*"); ok {
			if m, _, _ := strings.Cut(mt, "/"); strings.EqualFold(m, major) {
				return true
			}
		} else if strings.EqualFold(mt, t) {
			return true
		}
	}
	return false
}

// compressEntry rewrites e, stored with the identity body and the identity
// ETag, into its first coding with the others in Codings: the stored
// header then says the primary coding's Content-Encoding, Content-Length
// and ETag. It reports false, leaving e as it was, when a coder failed or a
// coding would not be smaller than the identity.
func (z *compression) compressEntry(e *Entry) bool {
	identity := e.Body
	codings := make([]Coding, 0, len(z.codings))
	for _, name := range z.codings {
		b, err := coders[name].encode(identity)
		if err != nil {
			return false
		}
		if len(b) >= len(identity) {
			return false // incompressible (already compressed, or random): stored as it is
		}
		codings = append(codings, Coding{Name: name, ETag: codingETag(e.ETag, name), Size: len(b), Body: b})
	}
	primary := codings[0]
	codings[0] = Coding{Name: "identity", ETag: e.ETag, Size: len(identity)}
	e.Body, e.ETag, e.Codings = primary.Body, primary.ETag, append(codings[1:], codings[0])
	setCoding(e.Header, primary.Name, primary.ETag, primary.Size)
	return true
}

// keepHandlerCoding prepares an entry whose handler set its own
// Content-Encoding: the identity is decoded once now, so that a client
// that does not accept the coding is sent identity with an ETag of its own.
// It reports false when the coding is not one the cache can decode, and
// the response must not be stored: the key does not tell the clients who
// may have it from the others.
func keepHandlerCoding(e *Entry, handlerETag bool) bool {
	name := strings.ToLower(strings.TrimSpace(e.Header.Get("Content-Encoding")))
	c := coderFor(name)
	if c == nil || len(e.Header["Content-Encoding"]) != 1 {
		return false // unknown, or several codings ("gzip, br" is no name coderFor knows)
	}
	identity, err := c.decode(e.Body, 0)
	if err != nil {
		return false // a body that is not what it says it is
	}
	idTag := strongETag("", identity)
	if handlerETag {
		idTag = codingETag(e.ETag, "identity") // none without one: a SharedCache's upstream gave none
	} else if e.ETag != "" {
		e.ETag = codingETag(idTag, name)
		e.Header["Etag"] = []string{e.ETag}
	}
	e.Codings = []Coding{{Name: "identity", ETag: idTag, Size: len(identity)}}
	return true
}

// setCoding sets the fields that differ between the codings of one entry.
func setCoding(h http.Header, coding, etag string, size int) {
	if coding == "identity" || coding == "" {
		delete(h, "Content-Encoding")
	} else {
		h["Content-Encoding"] = codingValue(coding)
	}
	if etag != "" {
		h["Etag"] = []string{etag}
	}
	if _, ok := h["Content-Length"]; ok {
		h["Content-Length"] = []string{strconv.Itoa(size)}
	}
}

// codingValues are the Content-Encoding values the cache sends, shared by
// every response.
var codingValues = map[string][]string{"br": {"br"}, "zstd": {"zstd"}, "gzip": {"gzip"}, "deflate": {"deflate"}}

func codingValue(name string) []string {
	if v, ok := codingValues[name]; ok {
		return v
	}
	return []string{name}
}

// codingETag derives a coding's entity-tag from the identity's: the same
// opaque-tag with the coding's name appended, weak when it is weak. Two
// codings of one representation must not share a strong tag (RFC 9110
// §8.8.3), and deriving the tag from the identity content rather than from
// the compressed bytes gives every replica the same tag, whatever its
// compressor produced.
func codingETag(identity, coding string) string {
	if identity == "" {
		return ""
	}
	prefix, opaque := "", identity
	if rest, ok := strings.CutPrefix(identity, "W/"); ok {
		prefix, opaque = "W/", rest
	}
	return prefix + opaque[:len(opaque)-1] + "-" + coding + `"`
}

// encodeEntry gives an entry about to be stored its codings: compressed now
// when the Cache compresses and the response qualifies, or its identity
// decoded when its handler set a Content-Encoding of its own. h, the
// response's live header, gets Vary: Accept-Encoding too. generated says
// that e's ETag is the one validators derived from the body (in the
// handler's coding), not the handler's own. It returns why the entry must
// not be stored, or "".
//
// On a SharedCache route (shared) the upstream's coding is negotiated only
// when its response varies on Accept-Encoding; otherwise it is stored and
// sent as it came, as before.
func (c *Cache) encodeEntry(e *Entry, h, snap http.Header, shared, generated bool) string {
	if len(snap["Content-Encoding"]) > 0 {
		return "" // middleware outside the route compresses: stored identity
	}
	switch {
	case changed(h, snap, "Content-Encoding") && shared:
		if !listHas(e.Header["Vary"], "Accept-Encoding") || !keepHandlerCoding(e, true) {
			return ""
		}
	case changed(h, snap, "Content-Encoding"):
		if !keepHandlerCoding(e, !generated) {
			return "content-encoding"
		}
	case c.cfg.compression != nil && c.cfg.compression.compressible(e.Header, e.Body):
		if !c.cfg.compression.compressEntry(e) {
			return ""
		}
	default:
		return ""
	}
	for _, hh := range []http.Header{h, e.Header} {
		if !listHas(hh["Vary"], "Accept-Encoding") {
			hh["Vary"] = append(slices.Clip(hh["Vary"]), "Accept-Encoding")
		}
	}
	return ""
}

// originETag is the entity-tag the origin gave e's representation: the
// identity's, for an entry the cache compressed itself (its ETag is then
// derived from it), e's own otherwise. A SharedCache route revalidates with
// it (RFC 9111 §4.3.1).
func originETag(e *Entry) string {
	if len(e.Codings) == 0 || e.ETag == "" {
		return e.ETag
	}
	id := e.Codings[len(e.Codings)-1]
	if id.Name == "identity" && e.ETag == codingETag(id.ETag, strings.ToLower(e.Header.Get("Content-Encoding"))) {
		return id.ETag
	}
	return e.ETag
}
