package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func init() { gin.SetMode(gin.TestMode) }

// shell is public, revalidated on every use, kept five minutes on the server.
var shell = gincache.Policy{Public: true, NoCache: true, MaxAge: 2 * time.Minute, ServerTTL: 5 * time.Minute}

// app is a gin engine whose caching routes report to m, registered on a
// pedantic registry (which checks Describe against Collect) served at
// /metrics.
type app struct {
	t       *testing.T
	r       *gin.Engine
	metrics *httptest.Server
	renders map[string]int // handler runs by route pattern
}

func newApp(t *testing.T, store gincache.Store, m *metrics.Metrics) *app {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	a := &app{t: t, r: gin.New(), renders: map[string]int{}}
	a.metrics = httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.PanicOnError}))
	t.Cleanup(a.metrics.Close)
	quiet := slog.New(slog.DiscardHandler) // the store faults are expected
	cache := gincache.New(store, gincache.WithObserver(m), gincache.WithLogger(quiet))
	page := func(c *gin.Context) {
		a.renders[c.FullPath()]++
		c.String(http.StatusOK, "hello")
	}
	a.r.GET("/users/:id", cache.Handler(shell), page)
	a.r.POST("/users/:id", cache.Handler(shell), func(c *gin.Context) { c.Status(http.StatusNoContent) })
	a.r.GET("/cookie", cache.Handler(shell), func(c *gin.Context) {
		a.renders[c.FullPath()]++
		c.SetCookie("session", "s3cr3t", 60, "/", "", false, true)
		c.String(http.StatusOK, "private")
	})
	a.r.NoRoute(cache.Handler(shell), page)
	return a
}

// do sends a request with header pairs and returns the response.
func (a *app) do(method, target string, header ...string) *httptest.ResponseRecorder {
	a.t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	a.r.ServeHTTP(w, req)
	return w
}

// scrape fetches /metrics and returns its gincache samples, minus the
// latency histogram's buckets and sums, which depend on the clock.
func (a *app) scrape() string {
	a.t.Helper()
	res, err := http.Get(a.metrics.URL)
	if err != nil {
		a.t.Fatalf("GET /metrics: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatalf("reading /metrics: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		a.t.Fatalf("GET /metrics: status %d; want 200\n%s", res.StatusCode, body)
	}
	var lines []string
	for line := range strings.Lines(string(body)) {
		switch {
		case !strings.HasPrefix(line, "gincache_"),
			strings.HasPrefix(line, "gincache_store_duration_seconds_bucket"),
			strings.HasPrefix(line, "gincache_store_duration_seconds_sum"):
			continue
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "")
}

// wantSeries fails t unless got holds exactly the lines of want, in order.
func wantSeries(t *testing.T, got string, want ...string) {
	t.Helper()
	if w := strings.Join(want, "\n") + "\n"; got != w {
		t.Errorf("scraped series:\n%s\nwant:\n%s", got, w)
	}
}

func hasStatus(t *testing.T, w *httptest.ResponseRecorder, want int) {
	t.Helper()
	if w.Code != want {
		t.Errorf("status = %d; want %d", w.Code, want)
	}
}

func TestScrape(t *testing.T) {
	m := metrics.New()
	a := newApp(t, memstore.New(), m)

	first := a.do(http.MethodGet, "/users/42") // miss, stored
	hasStatus(t, first, http.StatusOK)
	hasStatus(t, a.do(http.MethodGet, "/users/42"), http.StatusOK)                                                       // hit
	hasStatus(t, a.do(http.MethodGet, "/users/42", "If-None-Match", first.Header().Get("ETag")), http.StatusNotModified) // 304
	hasStatus(t, a.do(http.MethodGet, "/users/42", "Cache-Control", "no-cache"), http.StatusOK)                          // bypass, miss, stored
	hasStatus(t, a.do(http.MethodPost, "/users/42"), http.StatusNoContent)                                               // bypass
	hasStatus(t, a.do(http.MethodGet, "/cookie"), http.StatusOK)                                                         // miss, uncacheable
	hasStatus(t, a.do(http.MethodGet, "/no/such/page?id=1"), http.StatusOK)                                              // NoRoute: miss, stored

	wantSeries(t, a.scrape(),
		`gincache_bypass_total{reason="method",route="/users/:id"} 1`,
		`gincache_bypass_total{reason="request",route="/users/:id"} 1`,
		`gincache_requests_total{outcome="hit",route="/users/:id"} 1`,
		`gincache_requests_total{outcome="miss",route="/cookie"} 1`,
		`gincache_requests_total{outcome="miss",route="/users/:id"} 2`,
		`gincache_requests_total{outcome="miss",route="unmatched"} 1`,
		`gincache_requests_total{outcome="not_modified",route="/users/:id"} 1`,
		`gincache_store_duration_seconds_count{op="get",result="miss"} 3`,
		`gincache_store_duration_seconds_count{op="get",result="ok"} 2`,
		`gincache_store_duration_seconds_count{op="purge",result="ok"} 1`, // the POST's invalidation
		`gincache_store_duration_seconds_count{op="set",result="ok"} 3`,
		`gincache_stored_bytes_total{route="/users/:id"} 10`,
		`gincache_stored_bytes_total{route="unmatched"} 5`,
		`gincache_stored_total{route="/users/:id"} 2`,
		`gincache_stored_total{route="unmatched"} 1`,
		`gincache_uncacheable_total{reason="set-cookie",route="/cookie"} 1`,
	)
	if got := a.renders["/users/:id"]; got != 2 {
		t.Errorf("/users/:id rendered %d times; want 2", got)
	}
	if got := a.renders["/cookie"]; got != 1 {
		t.Errorf("/cookie rendered %d times; want 1", got)
	}
}

// failingStore is a real store whose Get and Set fail.
type failingStore struct {
	gincache.Store
	err error
}

func (s failingStore) Get(context.Context, string) (*gincache.Entry, error) { return nil, s.err }

func (s failingStore) Set(context.Context, string, *gincache.Entry, time.Duration) error {
	return s.err
}

func TestStoreErrors(t *testing.T) {
	m := metrics.New()
	a := newApp(t, failingStore{memstore.New(), errors.New("connection refused")}, m)

	hasStatus(t, a.do(http.MethodGet, "/users/42"), http.StatusOK) // fails open
	hasStatus(t, a.do(http.MethodGet, "/users/42"), http.StatusOK)

	wantSeries(t, a.scrape(),
		`gincache_requests_total{outcome="miss",route="/users/:id"} 2`,
		`gincache_store_duration_seconds_count{op="get",result="error"} 2`,
		`gincache_store_duration_seconds_count{op="set",result="error"} 2`,
		`gincache_store_errors_total{op="get"} 2`,
		`gincache_store_errors_total{op="set"} 2`,
	)
	if got := a.renders["/users/:id"]; got != 2 {
		t.Errorf("/users/:id rendered %d times; want 2", got)
	}
}

func TestObserveStore(t *testing.T) {
	tests := []struct {
		name   string
		op     string
		err    error
		result string // the histogram's result label
		errors int    // store_errors_total{op}
	}{
		{"get found", "get", nil, "ok", 0},
		{"get not found is a miss", "get", gincache.ErrNotFound, "miss", 0},
		{"get wrapped not found is a miss", "get", fmt.Errorf("redisstore: %w", gincache.ErrNotFound), "miss", 0},
		{"get failed", "get", context.DeadlineExceeded, "error", 1},
		{"set ok", "set", nil, "ok", 0},
		{"not found is an error but on a get", "delete", gincache.ErrNotFound, "error", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New()
			m.ObserveStore(tt.op, 3*time.Millisecond, tt.err)
			if got := testutil.CollectAndCount(m, "gincache_store_duration_seconds"); got != 1 {
				t.Errorf("histogram series = %d; want 1", got)
			}
			want := fmt.Sprintf(`
# HELP gincache_store_duration_seconds Store call latency by operation and result: ok, miss (a get that found nothing), error.
# TYPE gincache_store_duration_seconds histogram
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="0.0001"} 0
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="0.00025"} 0
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="0.0005"} 0
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="0.001"} 0
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="0.0025"} 0
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="0.005"} 1
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="0.01"} 1
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="0.025"} 1
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="0.05"} 1
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="0.1"} 1
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="0.25"} 1
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="0.5"} 1
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="1"} 1
gincache_store_duration_seconds_bucket{op=%[1]q,result=%[2]q,le="+Inf"} 1
gincache_store_duration_seconds_sum{op=%[1]q,result=%[2]q} 0.003
gincache_store_duration_seconds_count{op=%[1]q,result=%[2]q} 1
`, tt.op, tt.result)
			if err := testutil.CollectAndCompare(m, strings.NewReader(want), "gincache_store_duration_seconds"); err != nil {
				t.Error(err)
			}
			if got := testutil.CollectAndCount(m, "gincache_store_errors_total"); got != tt.errors {
				t.Errorf("store_errors_total series = %d; want %d", got, tt.errors)
			}
		})
	}
}

func TestRouteCap(t *testing.T) {
	m := metrics.New(metrics.WithMaxRoutes(2))
	for _, route := range []string{"/a", "/b", "/c", "/d", "/a", "", "/c"} {
		m.Observe(gincache.Event{Route: route, Kind: gincache.EventHit})
	}
	m.Observe(gincache.Event{Route: "/e", Kind: gincache.EventStored, Bytes: 100})
	m.Observe(gincache.Event{Route: "/b", Kind: gincache.EventStored, Bytes: 7})
	want := `
# HELP gincache_requests_total Requests on caching routes by outcome: hit, not_modified, miss, stale, collapsed, revalidated.
# TYPE gincache_requests_total counter
gincache_requests_total{outcome="hit",route="/a"} 2
gincache_requests_total{outcome="hit",route="/b"} 1
gincache_requests_total{outcome="hit",route="other"} 3
gincache_requests_total{outcome="hit",route="unmatched"} 1
# HELP gincache_stored_bytes_total Body bytes written to the store.
# TYPE gincache_stored_bytes_total counter
gincache_stored_bytes_total{route="/b"} 7
gincache_stored_bytes_total{route="other"} 100
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(want), "gincache_requests_total", "gincache_stored_bytes_total"); err != nil {
		t.Error(err)
	}
}

// Folded routes must not grow anything: a map of them would be the very
// explosion the cap is there to stop.
func TestRouteCapFoldedRoutesDoNotAllocate(t *testing.T) {
	m := metrics.New(metrics.WithMaxRoutes(1))
	m.Observe(gincache.Event{Route: "/kept", Kind: gincache.EventHit})
	routes := make([]string, 1000)
	for i := range routes {
		routes[i] = fmt.Sprintf("/folded/%d", i)
	}
	m.Observe(gincache.Event{Route: routes[0], Kind: gincache.EventHit}) // makes route="other"
	i := 0
	allocs := testing.AllocsPerRun(len(routes), func() {
		m.Observe(gincache.Event{Route: routes[i%len(routes)], Kind: gincache.EventHit})
		i++
	})
	if allocs != 0 {
		t.Errorf("allocs per folded event = %v; want 0", allocs)
	}
}

func TestConcurrentObserve(t *testing.T) {
	m := metrics.New(metrics.WithMaxRoutes(5))
	const goroutines, events = 8, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range events {
				m.Observe(gincache.Event{Route: fmt.Sprintf("/r/%d", (g+i)%10), Kind: gincache.EventMiss})
				m.ObserveStore("get", time.Millisecond, gincache.ErrNotFound)
			}
		})
	}
	wg.Wait()
	if got := testutil.CollectAndCount(m, "gincache_requests_total"); got != 6 {
		t.Errorf("requests_total series = %d; want 6 (5 routes and other)", got)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, f := range families {
		if f.GetName() == "gincache_requests_total" {
			for _, s := range f.GetMetric() {
				total += s.GetCounter().GetValue()
			}
		}
	}
	if total != goroutines*events {
		t.Errorf("requests_total sums to %v; want %d", total, goroutines*events)
	}
}

func TestNamespace(t *testing.T) {
	m := metrics.New(metrics.WithNamespace("shop"))
	m.Observe(gincache.Event{Route: "/", Kind: gincache.EventHit})
	want := `
# HELP shop_requests_total Requests on caching routes by outcome: hit, not_modified, miss, stale, collapsed, revalidated.
# TYPE shop_requests_total counter
shop_requests_total{outcome="hit",route="/"} 1
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(want), "shop_requests_total"); err != nil {
		t.Error(err)
	}
}

func TestNewPanics(t *testing.T) {
	tests := []struct {
		name string
		opt  metrics.Option
	}{
		{"zero route cap", metrics.WithMaxRoutes(0)},
		{"decreasing buckets", metrics.WithBuckets(0.1, 0.01)},
		{"repeated bucket", metrics.WithBuckets(0.1, 0.1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				v := recover()
				if s, _ := v.(string); !strings.HasPrefix(s, "metrics: ") {
					t.Errorf("panic = %v; want one starting with %q", v, "metrics: ")
				}
			}()
			metrics.New(tt.opt)
		})
	}
}

func TestBuckets(t *testing.T) {
	m := metrics.New(metrics.WithBuckets(0.001, 0.01))
	m.ObserveStore("get", 5*time.Millisecond, nil)
	want := `
# HELP gincache_store_duration_seconds Store call latency by operation and result: ok, miss (a get that found nothing), error.
# TYPE gincache_store_duration_seconds histogram
gincache_store_duration_seconds_bucket{op="get",result="ok",le="0.001"} 0
gincache_store_duration_seconds_bucket{op="get",result="ok",le="0.01"} 1
gincache_store_duration_seconds_bucket{op="get",result="ok",le="+Inf"} 1
gincache_store_duration_seconds_sum{op="get",result="ok"} 0.005
gincache_store_duration_seconds_count{op="get",result="ok"} 1
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(want), "gincache_store_duration_seconds"); err != nil {
		t.Error(err)
	}
}
