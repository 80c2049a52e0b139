// Command example serves a small Gin application whose routes re-create the
// two blog posts gincache grew from: an app shell cached on both sides, a JSON
// list that is never cached, and a private per-user page.
//
//	go run ./example                                   # on 127.0.0.1:8080, in-memory store
//	go run ./example -redis redis://127.0.0.1:6379/0   # one cache shared by every replica
//	go run ./example -redis 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003   # a Redis Cluster
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
	"github.com/gincache/gincache/example/internal/storeflag"
	"github.com/gincache/gincache/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	quiet := flag.Bool("quiet", false, "do not log requests")
	purgeToken := flag.String("purge-token", os.Getenv("GINCACHE_PURGE_TOKEN"), "bearer token for POST /admin/purge; empty: the endpoint refuses everyone")
	redisSpec := flag.String("redis", "", storeflag.Usage)
	flag.Parse()

	gin.SetMode(gin.ReleaseMode)
	store, name, err := storeflag.Open(*redisSpec)
	if err != nil {
		log.Fatal(err)
	}
	// Prometheus metrics per route pattern, served at /metrics.
	reg := prometheus.NewRegistry()
	m := metrics.New()
	reg.MustRegister(m, collectors.NewGoCollector())
	cache := gincache.New(store, gincache.WithObserver(m))
	logf := log.Printf
	if *quiet {
		logf = func(string, ...any) {}
	}
	router := newRouter(cache, logf, *purgeToken)
	router.GET("/metrics", gincache.NoStore(), gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
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
	fmt.Fprintf(os.Stderr, "\n%s", tryIt(*addr))
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// tryIt is the walk-through printed at start.
func tryIt(addr string) string {
	u := "http://" + addr
	return fmt.Sprintf(`Try:
  curl -si %[1]s/ | grep -iE '^(HTTP|x-cache|cache-status|etag|cache-control|age)'    # MISS: rendered and stored
  curl -si %[1]s/ | grep -iE '^(HTTP|x-cache|cache-status|age)'                        # HIT from Server: the handler did not run
  curl -si -H "If-None-Match: $(curl -s -o /dev/null -D - %[1]s/ | awk 'tolower($1)=="etag:"{print $2}' | tr -d '\r')" %[1]s/ | grep -iE '^(HTTP|x-cache)'   # 304 HIT from Client
  curl -si -H 'Cache-Control: no-cache' %[1]s/ | grep -iE '^(HTTP|x-cache|cache-status)'  # hard refresh: rendered again
  curl -s %[1]s/api/items; curl -s -d item=new %[1]s/api/items; curl -s %[1]s/api/items   # NoStore: the new item shows at once
  curl -si -b user=alice %[1]s/me | grep -iE '^(HTTP|x-cache|cache-control)|Hello'        # private, stored per user
  curl -s %[1]s/api/notes; curl -s -d note=hi %[1]s/api/notes; curl -si %[1]s/api/notes | grep -iE '^x-cache|hi'   # cached, dropped by the POST
  for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%%{http_code} ' %[1]s/report & done; wait; echo   # 5 at once: one render (Cache-Status: collapsed)
  curl -s %[1]s/metrics | grep '^gincache_requests_total'   # hits, misses, 304s… per route pattern
  curl -si %[1]s/users/42 | grep -i x-cache; curl -s -X POST -H "Authorization: Bearer $GINCACHE_PURGE_TOKEN" '%[1]s/admin/purge?tag=user:42'   # purge by tag
`, u)
}
