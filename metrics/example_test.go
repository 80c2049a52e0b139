package metrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// An application registers the Metrics on its registry, hands them to the
// cache, and serves the registry at /metrics.
func Example() {
	m := metrics.New()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	cache := gincache.New(memstore.New(), gincache.WithObserver(m))

	r := gin.New()
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	r.GET("/users/:id", cache.Handler(gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: 5 * time.Minute}),
		func(c *gin.Context) { c.String(http.StatusOK, "user "+c.Param("id")) })

	get := func(path string) string {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w.Body.String()
	}
	get("/users/1") // a miss, stored
	get("/users/1") // a hit
	get("/users/2") // another miss, under the same route label
	for line := range strings.Lines(get("/metrics")) {
		if strings.HasPrefix(line, "gincache_requests_total") || strings.HasPrefix(line, "gincache_stored") {
			fmt.Print(line)
		}
	}
	// Output:
	// gincache_requests_total{outcome="hit",route="/users/:id"} 1
	// gincache_requests_total{outcome="miss",route="/users/:id"} 2
	// gincache_stored_bytes_total{route="/users/:id"} 12
	// gincache_stored_total{route="/users/:id"} 2
}

// Beyond the route cap, new routes share the label "other", so a runaway
// number of routes cannot blow up the number of series.
func ExampleWithMaxRoutes() {
	m := metrics.New(metrics.WithMaxRoutes(1))
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	for _, route := range []string{"/a", "/b", "/c", ""} {
		m.Observe(gincache.Event{Route: route, Kind: gincache.EventMiss})
	}
	families, _ := reg.Gather()
	for _, f := range families {
		for _, s := range f.GetMetric() {
			fmt.Println(f.GetName(), s.GetLabel()[1].GetValue(), s.GetCounter().GetValue())
		}
	}
	// Output:
	// gincache_requests_total /a 1
	// gincache_requests_total other 2
	// gincache_requests_total unmatched 1
}
