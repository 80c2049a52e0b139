package bench

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
)

// The benchmarks drive a real gin.New() engine through ServeHTTP with a
// discarding writer, so what is measured is the router, the middleware under
// test and the handler, never a recorder's buffer. Names are
// Benchmark<Case>/<store>/body=<size>/run=<serial|parallel>, which
// cmd/ratios reads to pair each case with its floor.

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// sizes are the body sizes every case runs with.
var sizes = []struct {
	name string
	n    int
}{
	{"1KiB", 1 << 10},
	{"32KiB", 32 << 10},
}

// discardWriter is the cheapest http.ResponseWriter that still lets a check
// see what was sent: it keeps the header map and the status, counts body
// bytes and drops them. reset clears it in place, so the map's storage is
// reused and a benchmark iteration allocates nothing on its behalf.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

var _ http.ResponseWriter = (*discardWriter)(nil)

func newDiscardWriter() *discardWriter { return &discardWriter{h: make(http.Header, 16)} }

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

func (w *discardWriter) reset() {
	clear(w.h)
	w.status, w.n = 0, 0
}

// page renders the benchmark page of exactly n bytes: a list of rows built
// with fmt into a bytes.Buffer, the work a template-light handler does.
// Equal n gives equal bytes, so a cached copy and a fresh render match.
func page(buf *bytes.Buffer, n int) {
	buf.Reset()
	buf.Grow(n)
	buf.WriteString("<!doctype html>\n<html><head><title>bench</title></head><body><ul>\n")
	const tail = "</ul></body></html>\n"
	for i := 0; buf.Len()+64+len(tail) < n; i++ {
		fmt.Fprintf(buf, "<li id=\"r%05d\">row %d of the page, value %08x</li>\n", i, i, uint32(i)*2654435761)
	}
	for buf.Len()+len(tail) < n {
		buf.WriteByte(' ')
	}
	buf.WriteString(tail)
}

// pageBytes is page into a fresh slice, for precomputed bodies.
func pageBytes(n int) []byte {
	var b bytes.Buffer
	page(&b, n)
	return bytes.Clone(b.Bytes())
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// renders counts how often a rendering handler ran, so a check can tell a
// hit (the handler did not run) from a miss.
var renders atomic.Int64

// renderHandler is the route's "handler that does real work": it renders
// the page of n bytes on every call and writes it with its Content-Type.
func renderHandler(n int) gin.HandlerFunc {
	ct := []string{"text/html; charset=utf-8"}
	return func(c *gin.Context) {
		renders.Add(1)
		buf := bufPool.Get().(*bytes.Buffer)
		page(buf, n)
		c.Writer.Header()["Content-Type"] = ct
		c.Status(http.StatusOK)
		_, _ = c.Writer.Write(buf.Bytes())
		bufPool.Put(buf)
	}
}

// uniqueQuery gives every miss iteration, across runs and goroutines, a
// query no earlier request had, so each is a true miss.
var uniqueQuery atomic.Uint64

// request is one client's request, reused across its iterations.
func request(path string, header ...string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// want is what a sanity check expects of one response.
type want struct {
	status int
	bodyN  int
	xCache string // "" when the response is not gincache's
	header map[string]string
}

// check serves one request outside the timed loop and fails the benchmark
// when the response is not what the case claims to measure.
func check(b *testing.B, h http.Handler, req *http.Request, w want) {
	b.Helper()
	dw := newDiscardWriter()
	h.ServeHTTP(dw, req)
	if dw.status != w.status {
		b.Fatalf("%s: status %d; want %d", req.URL, dw.status, w.status)
	}
	if dw.n != w.bodyN {
		b.Fatalf("%s: body %d bytes; want %d", req.URL, dw.n, w.bodyN)
	}
	if got := dw.h.Get("X-Cache"); got != w.xCache {
		b.Fatalf("%s: X-Cache %q; want %q", req.URL, got, w.xCache)
	}
	for k, v := range w.header {
		if got := dw.h.Get(k); got != v {
			b.Fatalf("%s: %s %q; want %q", req.URL, k, got, v)
		}
	}
}

// run times h serving req, in the serial and the parallel variant, as
// sub-benchmarks run=serial and run=parallel. next, when set, prepares the
// request of each iteration (a unique query for misses); it runs inside the
// timed loop in every case that uses it, baseline included.
func run(b *testing.B, h http.Handler, newReq func() *http.Request, next func(*http.Request)) {
	b.Run("run=serial", func(b *testing.B) {
		b.ReportAllocs()
		w, req := newDiscardWriter(), newReq()
		for b.Loop() {
			if next != nil {
				next(req)
			}
			w.reset()
			h.ServeHTTP(w, req)
		}
	})
	b.Run("run=parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			w, req := newDiscardWriter(), newReq()
			for pb.Next() {
				if next != nil {
					next(req)
				}
				w.reset()
				h.ServeHTTP(w, req)
			}
		})
	})
}

// nextMiss sets a query no request had before.
func nextMiss(req *http.Request) {
	req.URL.RawQuery = "v=" + strconv.FormatUint(uniqueQuery.Add(1), 10)
}
