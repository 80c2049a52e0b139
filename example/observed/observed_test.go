package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func init() { gin.SetMode(gin.TestMode) }

func get(h http.Handler, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	return w
}

// With both flags, one request reaches both observers: a Prometheus series
// at /metrics, an OTel counter, and events on the request's span.
func TestObservedApp(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	r := newRouter(memstore.New(), observed{logf: t.Logf, metrics: true, tp: tp, mp: mp})

	get(r, "/about") // a miss
	get(r, "/about") // a hit

	if body := get(r, "/metrics").Body.String(); !strings.Contains(body, `gincache_requests_total{outcome="hit",route="/about"} 1`) {
		t.Errorf("/metrics has no hit for /about:\n%s", body)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var hits int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "gincache.requests" {
				for _, dp := range sum.DataPoints {
					if v, _ := dp.Attributes.Value("gincache.outcome"); v.AsString() == "hit" {
						hits += dp.Value
					}
				}
			}
		}
	}
	if hits != 1 {
		t.Errorf("gincache.requests{hit} = %d; want 1", hits)
	}
	ended := spans.Ended()
	if len(ended) < 2 {
		t.Fatalf("ended spans = %d; want one per request", len(ended))
	}
	var outcomes []string
	for _, ev := range ended[1].Events() {
		for _, a := range ev.Attributes {
			if a.Key == "gincache.outcome" {
				outcomes = append(outcomes, a.Value.AsString())
			}
		}
	}
	if strings.Join(outcomes, ",") != "hit" {
		t.Errorf("the second request's span has outcomes %q; want [hit]", outcomes)
	}
}

// Without flags it is the plain example, and every route, /metrics
// included, has a caching policy.
func TestEveryRouteHasAPolicy(t *testing.T) {
	for _, o := range []observed{{logf: t.Logf}, {logf: t.Logf, metrics: true}} {
		report, err := gincache.Audit(newRouter(memstore.New(), o))
		if err != nil {
			t.Fatal(err)
		}
		for _, rr := range report.Missing() {
			t.Errorf("metrics %t: %s %s has no caching policy", o.metrics, rr.Method, rr.Path)
		}
		if got := get(newRouter(memstore.New(), o), "/metrics").Code; got != map[bool]int{true: 200, false: 404}[o.metrics] {
			t.Errorf("metrics %t: GET /metrics = %d", o.metrics, got)
		}
	}
}
