// Command floor is the whole-stack floor for wrk.sh: a Gin server that
// answers GET / with precomputed bytes and headers, and does nothing else.
//
// To compare like with like it serves exactly what the example's / sends on
// a hit: at start it fetches -from once (which must answer X-Cache "HIT from
// Server"), keeps the body and every header but Date (net/http adds its own),
// and replays them on every request. Its middleware mirrors the example's
// (gin.Recovery and a request log that computes its line and, as with the
// example's -quiet, drops it), so the difference in req/s is gincache's.
//
// With -app it also builds the example's whole application beside it (its
// templates, its assets' digests, a Cache on an empty memstore)
// and keeps it alive without routing to it. The process then carries the
// example's live heap, which sets how often the garbage collector runs and
// how much each run marks: against that floor, the difference is gincache's
// work a request, not the size of the app around it.
//
// With -lookup (which implies -app) the handler also looks its key up in a
// memstore holding the page, as a cache must before it can answer, and
// then writes the same precomputed bytes: the least a cache's hit can be,
// so that what the example costs beyond it is gincache's decision tree
// and replay, not the lookup every cache pays.
//
//	floor -addr 127.0.0.1:18081 -from http://127.0.0.1:18080/
//	floor -app -addr 127.0.0.1:18082 -from http://127.0.0.1:18080/
//	floor -lookup -addr 127.0.0.1:18083 -from http://127.0.0.1:18080/
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"time"
	"unsafe"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/example/app"
	"github.com/gincache/gincache/memstore"
)

// quietLog is the floor's request log: discarded, as the example's with
// -quiet. It is a variable, as the example's logger is (chosen by a flag): a
// no-op literal passed straight to requestLog let the compiler inline it and
// drop the boxing of the log line's nine arguments, five allocations a
// request the example pays, which made the floor cheaper than the same work.
var quietLog = func(string, ...any) {}

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "address to listen on")
	from := flag.String("from", "http://127.0.0.1:8080/", "URL whose cached response is served")
	accept := flag.String("accept", "", "Accept-Encoding to fetch it with: the floor then serves that coding's bytes")
	withApp := flag.Bool("app", false, "also build the example's application and keep it alive, for the same live heap")
	lookup := flag.Bool("lookup", false, "also look the request's key up in a memstore before answering (implies -app; -addr must then be the host:port clients send as Host)")
	flag.Parse()
	*withApp = *withApp || *lookup

	header, body, err := fetch(*from, *accept)
	if err != nil {
		log.Fatalf("floor: %v", err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), requestLog(quietLog))
	var st *memstore.Store
	if *lookup {
		st = memstore.New()
	}
	r.GET("/", func(c *gin.Context) {
		if st != nil && !found(c.Request, st) {
			c.AbortWithStatus(http.StatusNotFound)
			return
		}
		h := c.Writer.Header()
		for k, v := range header {
			h[k] = v
		}
		c.Status(http.StatusOK)
		_, _ = c.Writer.Write(body)
	})
	if st != nil {
		e := &gincache.Entry{Status: http.StatusOK, Header: header, Body: body, StoredAt: time.Now()}
		e.Prepare()
		if err := st.Set(context.Background(), string(appendKey(nil, *addr, "/")), e, 24*time.Hour); err != nil {
			log.Fatalf("floor: %v", err)
		}
	}
	var ballast *gin.Engine
	if *withApp {
		ballast = app.New(gincache.New(memstore.New()), quietLog, "")
	}
	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(os.Stderr, "floor on http://%s: %d bytes, %d header fields from %s (the example's app beside it: %t; a memstore lookup: %t)\n",
		*addr, len(body), len(header), *from, *withApp, *lookup)
	err = srv.ListenAndServe()
	runtime.KeepAlive(ballast)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// found looks the request's key up in st: its host and path, appended in
// a stack buffer (no allocation; gincache borrows a pooled buffer and also
// normalises both, which this floor leaves out).
func found(r *http.Request, st *memstore.Store) bool {
	var buf [128]byte
	k := appendKey(buf[:0], r.Host, r.URL.Path)
	_, err := st.Get(r.Context(), unsafe.String(unsafe.SliceData(k), len(k)))
	return err == nil
}

func appendKey(b []byte, host, path string) []byte { return append(append(b, host...), path...) }

// fetch gets url once and returns the header to replay and the body. It
// insists on a gincache hit, so the floor serves the hit's bytes.
func fetch(url, accept string) (http.Header, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	if accept != "" {
		req.Header.Set("Accept-Encoding", accept)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}} // the bytes as sent
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Cache") != "HIT from Server" {
		return nil, nil, fmt.Errorf("%s: status %d, X-Cache %q; want 200 and a hit (request it once first)",
			url, resp.StatusCode, resp.Header.Get("X-Cache"))
	}
	h := resp.Header.Clone()
	h.Del("Date")
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	return h, body, nil
}

// requestLog is the example's request log: the line is computed on every
// request and handed to logf, which -quiet makes a no-op.
func requestLog(logf func(format string, args ...any)) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		logf("%s %s %d %q inm=%q cc=%q", c.Request.Method, c.Request.URL.RequestURI(), c.Writer.Status(),
			c.Writer.Header().Get("X-Cache"), c.GetHeader("If-None-Match"), c.GetHeader("Cache-Control"))
	}
}
