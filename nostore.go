package gincache

import (
	"bufio"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"
)

// noStoreCacheControl tells every cache, old or new, to keep nothing
// (RFC 9111 §5.2.2.5): no-store for RFC 9111 caches, the rest for agents that
// predate it.
const noStoreCacheControl = "no-store, no-cache, must-revalidate, max-age=0"

// epoch is an Expires date in the past, for HTTP/1.0 caches.
const epoch = "Thu, 01 Jan 1970 00:00:00 GMT"

// conditionalRequestHeaders are stripped from requests to a NoStore route so
// no handler below (http.ServeContent, say) answers one with a 304.
var bypassStatus = []string{forwardStatus(fwdBypass, false, "")}

var conditionalRequestHeaders = []string{
	"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range",
}

// NoStore returns middleware for routes that must never be cached anywhere:
// a "nocache" decorator made reliable. Whatever the handler
// sets, every response carries "Cache-Control: no-store, no-cache,
// must-revalidate, max-age=0", "Pragma: no-cache" and an Expires in the past,
// and no ETag or Last-Modified; the headers are applied as the response is
// written, so a handler cannot override them.
//
// A JSON list that must reflect a save at once (a dropdown of saved items)
// belongs behind it. Policy{NoStore: true} with no ServerTTL is the same.
func NoStore() gin.HandlerFunc {
	return noStore
}

// noStore is NoStore's middleware: a top-level function, so gin reports the
// same name for it wherever it is used (Default and Audit rely on that).
func noStore(c *gin.Context) {
	if describing(c, description{policy: Policy{NoStore: true}}) {
		return
	}
	for _, k := range conditionalRequestHeaders {
		c.Request.Header.Del(k)
	}
	w := &noStoreWriter{ResponseWriter: c.Writer}
	c.Writer = w
	defer func() { c.Writer = w.ResponseWriter }()
	c.Next()
	w.apply()
}

// noStoreWriter applies the no-store headers just before the real writer
// sends the header block.
type noStoreWriter struct {
	gin.ResponseWriter
	applied bool
}

var _ gin.ResponseWriter = (*noStoreWriter)(nil)

func (w *noStoreWriter) apply() {
	if w.applied || w.ResponseWriter.Written() {
		return
	}
	w.applied = true
	h := w.ResponseWriter.Header()
	canonicalize(h) // so a handler's h["etag"] or h["cache-control"] is replaced too
	h.Set("Cache-Control", noStoreCacheControl)
	h.Set("Pragma", "no-cache")
	h.Set("Expires", epoch)
	h.Del("Etag")
	h.Del("Last-Modified")
	h[headerCacheStatus] = bypassStatus
	h[headerXCache] = xMiss
}

func (w *noStoreWriter) WriteHeaderNow() {
	w.apply()
	w.ResponseWriter.WriteHeaderNow()
}

func (w *noStoreWriter) Write(b []byte) (int, error) {
	w.apply()
	return w.ResponseWriter.Write(b)
}

func (w *noStoreWriter) WriteString(s string) (int, error) {
	w.apply()
	return w.ResponseWriter.WriteString(s)
}

func (w *noStoreWriter) Flush() {
	w.apply()
	w.ResponseWriter.Flush()
}

func (w *noStoreWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.ResponseWriter.Hijack()
}

// Unwrap lets http.NewResponseController reach the real writer.
func (w *noStoreWriter) Unwrap() http.ResponseWriter {
	return w.ResponseWriter
}
