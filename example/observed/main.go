// Command observed is the example app (package app) with its cache
// observed: Prometheus series at /metrics (-metrics) and OpenTelemetry
// traces and metrics (-otel), written to stderr by the SDK's stdout
// exporters so it runs without a collector. It is a module of its own, so
// neither Prometheus nor OpenTelemetry reaches the example's module or the
// library's.
//
//	go run . -metrics                 # from example/observed: /metrics on 127.0.0.1:8080
//	go run . -metrics -otel -quiet    # and each request's span, with its gincache events, on stderr
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/example/app"
	"github.com/gincache/gincache/example/internal/storeflag"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	quiet := flag.Bool("quiet", false, "do not log requests")
	purgeToken := flag.String("purge-token", os.Getenv("GINCACHE_PURGE_TOKEN"), "bearer token for POST /admin/purge; empty: the endpoint refuses everyone")
	redisSpec := flag.String("redis", "", storeflag.Usage)
	withMetrics := flag.Bool("metrics", false, "serve Prometheus series at /metrics")
	withOTel := flag.Bool("otel", false, "trace requests and export OpenTelemetry spans and metrics to stderr")
	flag.Parse()

	gin.SetMode(gin.ReleaseMode)
	store, name, err := storeflag.Open(*redisSpec)
	if err != nil {
		log.Fatal(err)
	}
	o := observed{logf: log.Printf, purgeToken: *purgeToken, metrics: *withMetrics}
	if *quiet {
		o.logf = func(string, ...any) {}
	}
	shutdown := func(context.Context) error { return nil }
	if *withOTel {
		tp, mp, err := stdoutProviders()
		if err != nil {
			log.Fatal(err)
		}
		o.tp, o.mp = tp, mp
		shutdown = func(ctx context.Context) error { return errors.Join(tp.Shutdown(ctx), mp.Shutdown(ctx)) }
	}
	router := newRouter(store, o)
	srv := &http.Server{Addr: *addr, Handler: router, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(os.Stderr, "gincache example (observed: metrics %t, otel %t) on http://%s, store: %s\n\nRoutes and their caching policies:\n",
		*withMetrics, *withOTel, *addr, name)
	if report, err := gincache.Audit(router); err != nil {
		log.Print(err)
	} else {
		_, _ = report.WriteTo(os.Stderr)
	}
	fmt.Fprintf(os.Stderr, "\n%s", app.TryIt(*addr))
	if *withMetrics {
		fmt.Fprintf(os.Stderr, "  curl -s http://%s/metrics | grep '^gincache_requests_total'   # hits, misses, 304s… per route pattern\n", *addr)
	}

	// On Ctrl-C, stop serving and flush what the exporters hold.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := shutdown(sctx); err != nil {
		log.Print(err)
	}
}

// stdoutProviders are SDK providers that write spans as they end and
// metrics every 30 s to stderr: the smallest runnable setup. A deployment
// uses the OTLP exporters instead, with the same providers.
func stdoutProviders() (*sdktrace.TracerProvider, *sdkmetric.MeterProvider, error) {
	se, err := stdouttrace.New(stdouttrace.WithWriter(os.Stderr), stdouttrace.WithPrettyPrint())
	if err != nil {
		return nil, nil, err
	}
	me, err := stdoutmetric.New(stdoutmetric.WithWriter(os.Stderr), stdoutmetric.WithPrettyPrint())
	if err != nil {
		return nil, nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(se))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(me, sdkmetric.WithInterval(30*time.Second))))
	return tp, mp, nil
}
