// Command proxy is a caching reverse proxy: a Gin engine whose only route
// hands every request to an httputil.ReverseProxy behind a gincache
// SharedCache policy, so what is stored, for how long and for whom comes from
// the upstream's own Cache-Control, Expires, Vary and validators (RFC 9111),
// as in Varnish or nginx.
//
//	go run ./example/proxy -upstream http://127.0.0.1:9000                 # on 127.0.0.1:8081, in-memory store
//	go run ./example/proxy -upstream http://127.0.0.1:9000 -redis redis://127.0.0.1:6379/0
//
// The defaults are what an operator would run: responses kept up to an
// hour (-keep), and a response without an explicit lifetime but with a
// Last-Modified fresh for 10 % of its age (-heuristic 0.1, the fraction RFC
// 9111 §4.2.2 suggests; Squid's refresh_pattern ships 20 %, Varnish a fixed
// 120 s), so static files behind an origin that sends no Cache-Control are
// not fetched on every request. Set -heuristic 0 to store only what the
// upstream says may be stored for a time. CDN-Cache-Control (RFC 9213) is
// obeyed and kept at the proxy unless -forward-cdn-cache-control. Text
// responses are compressed once when stored (br and gzip, -compress; an
// upstream's no-transform is respected) and an upstream's own gzip is kept
// once for every client, decoded for those that do not take it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/example/internal/storeflag"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	upstream := flag.String("upstream", "", "URL of the service to cache, e.g. http://127.0.0.1:9000 (required)")
	redisSpec := flag.String("redis", "", storeflag.Usage)
	keep := flag.Duration("keep", defaultKeep, "longest a response is kept, fresh or stale (stale ones with a validator wait to be revalidated)")
	heuristic := flag.Float64("heuristic", defaultHeuristic, "heuristic lifetime for responses without one, as a fraction of the time since Last-Modified (RFC 9111 §4.2.2); 0: none")
	forwardCDN := flag.Bool("forward-cdn-cache-control", false, "send the upstream's CDN-Cache-Control on to clients (a CDN in front of this proxy); by default the proxy, the edge it targets, keeps it (RFC 9213)")
	compress := flag.Bool("compress", true, "compress text responses once when storing them (br, gzip), served by Accept-Encoding")
	quiet := flag.Bool("quiet", false, "do not log requests")
	flag.Parse()

	target, err := url.Parse(*upstream)
	if err != nil || target.Scheme == "" || target.Host == "" {
		fmt.Fprintln(os.Stderr, "proxy: -upstream must be an absolute URL such as http://127.0.0.1:9000")
		os.Exit(2)
	}
	gin.SetMode(gin.ReleaseMode)
	store, name, err := storeflag.Open(*redisSpec)
	if err != nil {
		log.Fatal(err)
	}
	logf := log.Printf
	if *quiet {
		logf = func(string, ...any) {}
	}
	var opts []gincache.Option
	if *compress {
		opts = append(opts, gincache.WithCompression(gincache.Compression{}))
	}
	cache := gincache.New(store, opts...)
	policy := proxyPolicy(*keep, *heuristic, *forwardCDN)
	srv := &http.Server{
		Addr:              *addr,
		Handler:           newProxy(cache, policy, target, logf, gincache.DefaultMaxBodySize),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute, // keep-alive connections of clients gone quiet are closed
	}
	fmt.Fprintf(os.Stderr, "gincache proxy on http://%s for %s, store: %s\n", *addr, target, name)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
