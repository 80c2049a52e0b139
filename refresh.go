package gincache

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// refresh renders key again in the background, once per key at a time, for
// stale-while-revalidate (RFC 5861 §3, RFC 5861). It runs the route's
// handler on a copy of the context (gin.Context.Copy, safe outside the
// request) with a clone of the request on a context detached from the
// client but bounded by the refresh timeout, writing into a writer of its
// own. Middleware between this one and the handler does not run again. The
// refresh is a GET whatever the method of the request that started it: a
// HEAD in the stale window refreshes the page for the GETs that follow.
//
// An ordinary route renders the full response. A SharedCache route asks
// with stale's validators, as a cache revalidates (RFC 9111 §4.3.1): a 304
// refreshes stale, stored under the Vary index it was found under.
func (rt *route) refresh(gc *gin.Context, key string, stale, index *Entry) {
	key = strings.Clone(key) // a hit's key may be borrowed; this one outlives it
	f, leader := rt.c.flights.join(key, rt.c.cfg.now(), rt.c.cfg.coalesceWait)
	if !leader {
		return // a render or refresh of key is already under way
	}
	cp := gc.Copy()
	handler := gc.Handler()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(gc.Request.Context()), rt.c.cfg.refreshTimeout)
	req := gc.Request.Clone(ctx)
	// What is stored is what a GET gets: a refresh started by a HEAD must
	// not store the bodiless response a handler writes for HEAD
	// (http.ServeContent, c.File, a proxy) under the GET's key. And it
	// carries no body: the client's belongs to the client's connection.
	req.Method = http.MethodGet
	req.Body, req.ContentLength, req.TransferEncoding = http.NoBody, 0, nil
	req.Header.Del("Content-Length")
	for _, k := range conditionalRequestHeaders {
		req.Header.Del(k) // the client's own validators are not the cache's
	}
	if stale != nil {
		setValidators(req.Header, stale) // RFC 9111 §4.3.1: a SharedCache route revalidates
	}
	cp.Request = req
	rt.c.background.Add(1)
	go func() {
		defer rt.c.background.Done()
		defer cancel()
		var stored *Entry
		defer func() { rt.c.flights.land(key, f, stored) }()
		defer func() {
			if v := recover(); v != nil {
				rt.c.cfg.logger.Error("gincache: background refresh panicked; the stale entry stays", "key", key, "panic", v)
			}
		}()
		// A refresh that streams lets requests waiting on it go at once, as a
		// foreground render does.
		var w bodyWriter
		w.reset(&sinkWriter{header: http.Header{}}, rt.c.cfg.maxBody, func() { rt.c.flights.land(key, f, nil) })
		cp.Writer = &w
		var ver version
		if rt.p.Version != nil && !rt.p.SharedCache {
			ver = rt.currentVersion(cp) // what the refresh renders is stored under the version of now
		}
		sent := rt.c.cfg.now()
		handler(cp)
		if w.streaming {
			return
		}
		stored = rt.mode.settle(rendered{
			req: req, gc: cp, header: w.Header(), snap: http.Header{}, status: w.status, body: w.buf.Bytes(),
			key: key, store: true, errs: len(cp.Errors), sent: sent, index: index, revalidate: stale, version: ver,
		}).entry
	}()
}

// sinkWriter is the response writer of a background refresh: it keeps the
// header and status and drops what no client will read.
type sinkWriter struct {
	header  http.Header
	status  int
	size    int
	written bool
}

var _ gin.ResponseWriter = (*sinkWriter)(nil)

var errNoConnection = errors.New("gincache: a background refresh has no connection")

func (w *sinkWriter) Header() http.Header { return w.header }
func (w *sinkWriter) WriteHeader(code int) {
	if !w.written {
		w.status = code
	}
}
func (w *sinkWriter) WriteHeaderNow() { w.written = true }
func (w *sinkWriter) Write(b []byte) (int, error) {
	w.written = true
	w.size += len(b)
	return len(b), nil
}
func (w *sinkWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }
func (w *sinkWriter) Status() int                       { return w.status }
func (w *sinkWriter) Size() int                         { return w.size }
func (w *sinkWriter) Written() bool                     { return w.written }
func (w *sinkWriter) Flush()                            {}
func (w *sinkWriter) Pusher() http.Pusher               { return nil }
func (w *sinkWriter) CloseNotify() <-chan bool          { return nil }
func (w *sinkWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, errNoConnection
}
