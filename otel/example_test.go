package otel_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	gcotel "github.com/gincache/gincache/otel"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// An application traces its requests with otelgin and hands the cache an
// Observer: each request's span gets the cache's events, and the meter
// provider the cache's counters. Here both SDK providers keep what they get
// in memory; an application gives them exporters (OTLP, stdout…) instead,
// or installs them globally and calls New with no options.
func Example() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))

	cache := gincache.New(memstore.New(), gincache.WithObserver(gcotel.New(gcotel.WithMeterProvider(mp))))
	r := gin.New()
	r.Use(otelgin.Middleware("shop", otelgin.WithTracerProvider(tp))) // before the routes
	r.GET("/users/:id", cache.Handler(gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: 5 * time.Minute}),
		func(c *gin.Context) { c.String(http.StatusOK, "user "+c.Param("id")) })

	for range 2 { // a miss, then a hit
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/users/1", nil))
	}
	for _, s := range spans.Ended() {
		fmt.Println(s.Name())
		for _, ev := range s.Events() {
			fmt.Print("  ", ev.Name)
			for _, a := range ev.Attributes {
				if a.Key != "gincache.store.duration" { // depends on the clock
					fmt.Printf(" %s=%s", a.Key, a.Value.String())
				}
			}
			fmt.Println()
		}
	}

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	var counters []string
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
			for _, dp := range sum.DataPoints {
				counters = append(counters, fmt.Sprint(m.Name, " ", dp.Attributes.Encoded(attribute.DefaultEncoder()), " ", dp.Value))
			}
		}
	}
	slices.Sort(counters)
	fmt.Println(strings.Join(counters, "\n"))
	// Output:
	// GET /users/:id
	//   gincache.store gincache.store.operation=get gincache.store.result=miss
	//   gincache gincache.outcome=miss http.route=/users/:id
	//   gincache.store gincache.store.operation=set gincache.store.result=ok
	//   gincache gincache.outcome=stored http.route=/users/:id gincache.stored.body.size=6
	// GET /users/:id
	//   gincache.store gincache.store.operation=get gincache.store.result=ok
	//   gincache gincache.outcome=hit http.route=/users/:id
	// gincache.requests gincache.outcome=hit,http.route=/users/:id 1
	// gincache.requests gincache.outcome=miss,http.route=/users/:id 1
	// gincache.stored.body.size http.route=/users/:id 6
	// gincache.stored.responses http.route=/users/:id 1
}
