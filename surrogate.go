package gincache

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// surrogateHeaders are the response fields CDNs read a response's tags
// (surrogate keys) from, each with the separator of its list. There is no
// RFC: each is a CDN's own convention.
var surrogateHeaders = map[string]byte{
	"Surrogate-Key":  ' ', // Fastly; Varnish's xkey reads it too
	"Cache-Tag":      ',', // Cloudflare
	"Edge-Cache-Tag": ',', // Akamai
	"Xkey":           ' ', // Varnish xkey
}

// surrogateConfig is what WithSurrogateKeys set; the zero value sends nothing.
type surrogateConfig struct {
	name    string // canonical; "": off
	sep     byte
	fromCDN func(*http.Request) bool // nil: every request
}

// WithSurrogateKeys sends the tags of a route's responses (Policy.Tags and
// the handler's Tag calls, not the tags the Cache adds itself) in header,
// the field the CDN in front of the application purges by: "Surrogate-Key"
// (space-separated; Fastly, Varnish) or "Cache-Tag" (comma-separated;
// Cloudflare), or "Edge-Cache-Tag" (Akamai) or "Xkey" (Varnish xkey). It
// panics on another name. Each tag is sent as SurrogateKey writes it.
//
// The field goes out on a cacheable response, rendered or replayed from the
// store (where it is kept with the response), and not on a 304. A handler
// that sets the field itself keeps its own. CDNs usually take the field off
// before the response reaches a browser; fromCDN, when not nil, says
// whether a request came through the CDN, and a response to one that did
// not goes without the field, e.g. for a marker the CDN adds to every
// request it forwards:
//
//	gincache.WithSurrogateKeys("Surrogate-Key", func(r *http.Request) bool { return r.Header.Get("Fastly-FF") != "" })
//
// A client can send such a header itself and read the tags: they are not
// secret, and name nothing a client could purge with. Nil sends the field
// on every response.
func WithSurrogateKeys(header string, fromCDN func(r *http.Request) bool) Option {
	name := http.CanonicalHeaderKey(header)
	sep, ok := surrogateHeaders[name]
	if !ok {
		panic(fmt.Sprintf("gincache: WithSurrogateKeys: %q is not a surrogate-key field (Surrogate-Key, Cache-Tag, Edge-Cache-Tag, Xkey)", header))
	}
	return optionFunc(func(c *config) { c.surrogate = surrogateConfig{name: name, sep: sep, fromCDN: fromCDN} })
}

// SurrogateKey returns tag as WithSurrogateKeys sends it, and as a
// CDNPurger receives it: unchanged when it is made of visible ASCII other
// than '%', '"' and ',', otherwise with each other byte written %XX (as in
// a URL), so that no tag can split into two, end the field, or carry bytes
// a header may not hold.
func SurrogateKey(tag string) string {
	if !strings.ContainsFunc(tag, func(r rune) bool { return !plainKeyByte(r) }) {
		return tag
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(tag); i++ {
		if c := tag[i]; plainKeyByte(rune(c)) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func plainKeyByte(r rune) bool {
	return r > ' ' && r < 0x7f && r != '%' && r != '"' && r != ','
}

// setSurrogateKeys puts the response's tags in the configured field, before
// the response is stored, so that a hit sends them too.
func (rt *route) setSurrogateKeys(gc *gin.Context, h, snap http.Header, cacheable bool) {
	sc := rt.c.cfg.surrogate
	if sc.name == "" || !cacheable || changed(h, snap, sc.name) {
		return
	}
	tags := rt.p.Tags
	if v, ok := gc.Get(tagsKey{}); ok {
		if own, ok := v.([]string); ok {
			tags = append(tags[:len(tags):len(tags)], own...)
		}
	}
	if len(tags) == 0 {
		return
	}
	var b strings.Builder
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k := SurrogateKey(t)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		if b.Len() > 0 {
			b.WriteByte(sc.sep)
		}
		b.WriteString(k)
	}
	h[sc.name] = []string{b.String()}
}

// stripSurrogateKeys takes the field off a response to a request that did
// not come through the CDN (WithSurrogateKeys's fromCDN).
func (c *Cache) stripSurrogateKeys(req *http.Request, h http.Header) {
	if sc := c.cfg.surrogate; sc.name != "" && sc.fromCDN != nil && !sc.fromCDN(req) {
		delete(h, sc.name)
	}
}
