package main

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

// The defaults of the proxy's flags (see the package comment).
const (
	defaultKeep      = time.Hour
	defaultHeuristic = 0.1 // RFC 9111 §4.2.2: "a typical setting of this fraction might be 10%"
)

// proxyPolicy is the proxy's one route's policy: a SharedCache route that
// keeps responses up to keep, gives a heuristic lifetime of that fraction
// of the time since Last-Modified (0: none), and forwards CDN-Cache-Control
// when asked.
func proxyPolicy(keep time.Duration, heuristic float64, forwardCDN bool) gincache.Policy {
	return gincache.Policy{SharedCache: true, ServerTTL: keep, HeuristicFreshness: heuristic, ForwardCDNCacheControl: forwardCDN}
}

// newProxy returns the proxy's engine: every method and path goes through
// one SharedCache route to the reverse proxy. GET and HEAD are answered from
// the store when the upstream's headers allow it; other methods pass through
// and, when they succeed, drop what is stored for their target (RFC 9111 §4.4).
// maxBody is the cache's body limit (gincache.WithMaxBodySize).
func newProxy(cache *gincache.Cache, p gincache.Policy, upstream *url.URL, logf func(string, ...any), maxBody int64) *gin.Engine {
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(upstream)
			r.SetXForwarded()
		},
		ModifyResponse: bufferSmall(maxBody),
	}
	r := gin.New()
	r.Use(gin.Recovery(), requestLog(logf))
	r.Any("/*path", cache.Handler(p), gin.WrapH(rp))
	return r
}

// bufferSmall reads a response body of unknown length into memory when it
// is at most max bytes, and gives it a Content-Length. Without one,
// httputil.ReverseProxy flushes after every write (it takes such a body for
// a stream), and a flushed response passes through the cache unstored
// (a stream is not stored). Longer bodies and event streams still stream.
func bufferSmall(max int64) func(*http.Response) error {
	return func(res *http.Response) error {
		if res.ContentLength >= 0 || res.Body == nil || res.Body == http.NoBody {
			return nil
		}
		if ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); ct == "text/event-stream" {
			return nil
		}
		head, err := io.ReadAll(io.LimitReader(res.Body, max+1))
		if err != nil {
			return err
		}
		if int64(len(head)) > max {
			res.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(head), res.Body), res.Body}
			return nil
		}
		_ = res.Body.Close()
		res.Body = io.NopCloser(bytes.NewReader(head))
		res.ContentLength = int64(len(head))
		res.TransferEncoding = nil
		return nil
	}
}

// requestLog logs one line per request: what the client asked and what the
// cache did with it.
func requestLog(logf func(string, ...any)) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		h := c.Writer.Header()
		logf("%s %s %d %q %q age=%s inm=%q cc=%q %s", c.Request.Method, c.Request.URL.RequestURI(), c.Writer.Status(),
			h.Get("X-Cache"), h.Get("Cache-Status"), h.Get("Age"), c.Request.Header.Get("If-None-Match"),
			c.Request.Header.Get("Cache-Control"), time.Since(start).Round(time.Microsecond))
	}
}
