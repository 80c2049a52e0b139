package main

import (
	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/example/app"
	"github.com/gincache/gincache/metrics"
	gcotel "github.com/gincache/gincache/otel"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// observed says what to attach to the example app.
type observed struct {
	logf       func(format string, args ...any)
	purgeToken string
	// metrics serves Prometheus series at /metrics.
	metrics bool
	// tp and mp, when set, trace every request (otelgin) and give the
	// cache's outcomes to OpenTelemetry: events on the request's span and
	// the instruments of package otel.
	tp trace.TracerProvider
	mp metric.MeterProvider
}

// newRouter builds the example app (package app) on store, with both
// observers side by side when both are asked for: gincache.WithObserver
// may be given more than once.
func newRouter(store gincache.Store, o observed) *gin.Engine {
	opts := []gincache.Option{app.Compression}
	var use []gin.HandlerFunc
	var reg *prometheus.Registry
	if o.metrics {
		m := metrics.New()
		reg = prometheus.NewRegistry()
		reg.MustRegister(m, collectors.NewGoCollector())
		opts = append(opts, gincache.WithObserver(m))
	}
	if o.tp != nil && o.mp != nil {
		opts = append(opts, gincache.WithObserver(gcotel.New(gcotel.WithMeterProvider(o.mp))))
		// Before the routes, so that each route's span covers its caching.
		use = append(use, otelgin.Middleware("gincache-example", otelgin.WithTracerProvider(o.tp), otelgin.WithMeterProvider(o.mp)))
	}
	r := app.New(gincache.New(store, opts...), o.logf, o.purgeToken, use...)
	if reg != nil {
		r.GET("/metrics", gincache.NoStore(), gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	}
	return r
}
