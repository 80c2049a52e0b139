// Command example serves a small Gin application whose routes re-create the
// two blog posts gincache grew from: an app shell cached on both sides, a JSON
// list that is never cached, and a private per-user page (package app).
//
//	go run ./example                                   # on 127.0.0.1:8080, in-memory store
//	go run ./example -redis redis://127.0.0.1:6379/0   # one cache shared by every replica
//	go run ./example -redis 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003   # a Redis Cluster
//
// It needs nothing but the root module: GET /debug/cache shows the cache's
// counters. The same app with Prometheus and OpenTelemetry is
// example/observed, a module of its own.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/example/app"
	"github.com/gincache/gincache/example/internal/storeflag"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	quiet := flag.Bool("quiet", false, "do not log requests")
	purgeToken := flag.String("purge-token", os.Getenv("GINCACHE_PURGE_TOKEN"), "bearer token for POST /admin/purge; empty: the endpoint refuses everyone")
	redisSpec := flag.String("redis", "", storeflag.Usage)
	compress := flag.Bool("compress", true, "compress pages once when storing them (br, gzip), served by Accept-Encoding")
	flag.Parse()

	gin.SetMode(gin.ReleaseMode)
	store, name, err := storeflag.Open(*redisSpec)
	if err != nil {
		log.Fatal(err)
	}
	var opts []gincache.Option
	if *compress {
		opts = append(opts, app.Compression)
	}
	cache := gincache.New(store, opts...)
	logf := log.Printf
	if *quiet {
		logf = func(string, ...any) {}
	}
	router := app.New(cache, logf, *purgeToken)
	srv := &http.Server{
		Addr:              *addr,
		Handler:           router,
		ReadHeaderTimeout: 5 * time.Second,
	}
	fmt.Fprintf(os.Stderr, "gincache example on http://%s, store: %s\n\nRoutes and their caching policies:\n", *addr, name)
	if report, err := gincache.Audit(router); err != nil {
		log.Print(err)
	} else {
		_, _ = report.WriteTo(os.Stderr)
	}
	fmt.Fprintf(os.Stderr, "\n%s", app.TryIt(*addr))
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
