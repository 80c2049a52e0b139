package otel_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func init() { gin.SetMode(gin.TestMode) }

// telemetry is an in-memory OpenTelemetry SDK: what a test's requests
// measured and which spans they ended, read without an exporter.
type telemetry struct {
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	tel.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	t.Cleanup(func() {
		_ = tel.mp.Shutdown(context.Background())
		_ = tel.tp.Shutdown(context.Background())
	})
	return tel
}

// point is one gincache data point: a counter's sum, a histogram's count.
type point struct {
	name  string
	attrs attribute.Set
	value int64
}

// collect reads the gincache data points through the ManualReader. Other
// instruments (otelgin's http.server.*) are left out.
func (tel *telemetry) collect(t *testing.T) []point {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	var points []point
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if !strings.HasPrefix(m.Name, "gincache.") {
				continue
			}
			switch data := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range data.DataPoints {
					points = append(points, point{m.Name, dp.Attributes, dp.Value})
				}
			case metricdata.Histogram[float64]:
				for _, dp := range data.DataPoints {
					points = append(points, point{m.Name, dp.Attributes, int64(dp.Count)})
				}
			default:
				t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	return points
}

// points is collect as "name{k=v,…}" → value.
func (tel *telemetry) points(t *testing.T) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	for _, p := range tel.collect(t) {
		got[p.name+"{"+p.attrs.Encoded(attribute.DefaultEncoder())+"}"] += p.value
	}
	return got
}

// events returns the events of the ended spans, one line each: the event's
// name and its attributes but the store duration, which depends on the clock.
func (tel *telemetry) events() [][]string {
	var all [][]string
	for _, s := range tel.spans.Ended() {
		var lines []string
		for _, ev := range s.Events() {
			var kv []string
			for _, a := range ev.Attributes {
				if a.Key == "gincache.store.duration" {
					if a.Value.AsFloat64() < 0 {
						kv = append(kv, "negative duration")
					}
					continue
				}
				kv = append(kv, fmt.Sprintf("%s=%s", a.Key, a.Value.String()))
			}
			sort.Strings(kv)
			lines = append(lines, ev.Name+" "+strings.Join(kv, " "))
		}
		all = append(all, lines)
	}
	return all
}

// do sends a request with header pairs through h.
func do(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func hasStatus(t *testing.T, w *httptest.ResponseRecorder, want int) {
	t.Helper()
	if w.Code != want {
		t.Errorf("status = %d; want %d", w.Code, want)
	}
}
