package otel_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/metrics"
	gcotel "github.com/gincache/gincache/otel"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/otel/attribute"
)

// TestAgreement drives one traffic mix through one Cache observed by both
// the Prometheus Metrics and the OpenTelemetry Observer (WithObserver
// twice), and checks that the three counts of every outcome — Stats, the
// Prometheus series, the OTel instruments — are equal, and that the two
// exports count the same store calls.
func TestAgreement(t *testing.T) {
	a := newAgreementApp(t)

	// The shell: a miss, a hit, a 304, a hard reload, a POST's
	// invalidation, and the miss after it.
	first := a.get(t, "/users/1", http.StatusOK)
	a.get(t, "/users/1", http.StatusOK)
	a.get(t, "/users/1", http.StatusNotModified, "If-None-Match", first.Header().Get("ETag"))
	a.get(t, "/users/1", http.StatusOK, "Cache-Control", "no-cache")
	hasStatus(t, do(a.r, http.MethodPost, "/users/1"), http.StatusNoContent)
	a.get(t, "/users/1", http.StatusOK)
	a.get(t, "/cookie", http.StatusOK) // rendered with Set-Cookie: not stored

	// Concurrent misses for one key: one render, the others wait for it.
	for i := 0; a.cache.Stats().Collapsed == 0; i++ {
		if i == 10 {
			t.Fatal("no request was coalesced in 10 bursts")
		}
		a.burst(t, fmt.Sprintf("/report?burst=%d", i), 5)
	}

	// Stale while revalidating: served stale, refreshed in the background.
	a.get(t, "/report", http.StatusOK)
	a.clock.Advance(15 * time.Second)
	a.get(t, "/report", http.StatusOK)
	a.cache.Wait()
	a.get(t, "/report", http.StatusOK) // the refreshed entry

	// A SharedCache route: stored from its own max-age=1, revalidated with
	// its ETag once that has passed, the client's own 304 as well.
	a.get(t, "/shared", http.StatusOK)
	a.get(t, "/shared", http.StatusOK)
	a.get(t, "/shared", http.StatusNotModified, "If-None-Match", `"v1"`)
	a.clock.Advance(2 * time.Second)
	a.get(t, "/shared", http.StatusOK)
	a.clock.Advance(2 * time.Second)
	a.get(t, "/shared", http.StatusNotModified, "If-None-Match", `"v1"`)

	// The store fails: the get and the set, and a POST's invalidation.
	a.store.fail.Store(true)
	a.get(t, "/users/2", http.StatusOK)
	hasStatus(t, do(a.r, http.MethodPost, "/users/2"), http.StatusNoContent)
	a.store.fail.Store(false)

	a.cache.Wait()
	stats := a.cache.Stats()
	prom := a.prometheus(t)
	otel := tally(a.tel.collect(t))

	t.Logf("%-13s %6s %10s %6s", "outcome", "Stats", "Prometheus", "OTel")
	for kind := gincache.EventKind(0); kind.String() != "unknown"; kind++ {
		s, ok := statsOf(stats, kind)
		if !ok {
			t.Fatalf("EventKind %d (%s) has no Stats field in this test", kind, kind)
		}
		p, o := prom.events[kind], otel.events[kind]
		t.Logf("%-13s %6d %10d %6d", kind, s, p, o)
		if s == 0 {
			t.Errorf("%s: the traffic mix has none; it must have every outcome", kind)
		}
		if p != s || o != s {
			t.Errorf("%s: Stats %d, Prometheus %d, OTel %d; want them equal", kind, s, p, o)
		}
	}
	t.Logf("%-13s %6d %10d %6d", "store errors", stats.StoreErrors, prom.storeErrors, otel.storeErrors)
	if prom.storeErrors != stats.StoreErrors || otel.storeErrors != stats.StoreErrors {
		t.Errorf("store errors: Stats %d, Prometheus %d, OTel %d; want them equal", stats.StoreErrors, prom.storeErrors, otel.storeErrors)
	}
	t.Logf("%-13s %6s %10d %6d", "stored bytes", "", prom.storedBytes, otel.storedBytes)
	if prom.storedBytes != otel.storedBytes {
		t.Errorf("stored bytes: Prometheus %d, OTel %d; want them equal", prom.storedBytes, otel.storedBytes)
	}
	for _, call := range slices.Sorted(maps.Keys(prom.storeCalls)) {
		t.Logf("store %-13s %10d %6d", call, prom.storeCalls[call], otel.storeCalls[call])
	}
	if fmt.Sprint(prom.storeCalls) != fmt.Sprint(otel.storeCalls) {
		t.Errorf("store calls by op and result: Prometheus %v, OTel %v; want them equal", prom.storeCalls, otel.storeCalls)
	}
}

// TestAgreementPurgeError: a failed Cache.Purge (or PurgeTags, PurgeURL)
// is a failed store call, returned to the caller and counted alike by
// Stats and both exports (observeStore counts every store call once).
func TestAgreementPurgeError(t *testing.T) {
	a := newAgreementApp(t)
	a.store.fail.Store(true)
	if err := a.cache.Purge(context.Background(), "k"); err == nil {
		t.Fatal("Purge on a failing store: got nil; want its error")
	}
	stats, prom, otel := a.cache.Stats(), a.prometheus(t), tally(a.tel.collect(t))
	if stats.StoreErrors != 1 || prom.storeErrors != 1 || otel.storeErrors != 1 {
		t.Errorf("store errors after a failed Purge: Stats %d, Prometheus %d, OTel %d; want 1, 1, 1",
			stats.StoreErrors, prom.storeErrors, otel.storeErrors)
	}
}

// agreementApp is one Cache, on a store that fails on demand and a clock
// moved by hand, with both observers, behind otelgin.
type agreementApp struct {
	clock *clock
	store *flakyStore
	cache *gincache.Cache
	reg   *prometheus.Registry
	tel   *telemetry
	r     *gin.Engine

	hold    atomic.Pointer[chan struct{}] // while set, /report renders wait on it
	started chan struct{}                 // a /report render began
}

func newAgreementApp(t *testing.T) *agreementApp {
	t.Helper()
	a := &agreementApp{clock: newClock(), tel: newTelemetry(t), reg: prometheus.NewPedanticRegistry(), started: make(chan struct{}, 64)}
	a.store = &flakyStore{Store: memstore.New(memstore.WithClock(a.clock.Now))}
	m := metrics.New()
	a.reg.MustRegister(m)
	a.cache = gincache.New(a.store,
		gincache.WithClock(a.clock.Now),
		gincache.WithObserver(m),
		gincache.WithObserver(gcotel.New(gcotel.WithMeterProvider(a.tel.mp))),
		gincache.WithLogger(slog.New(slog.DiscardHandler)), // the store faults are on purpose
	)
	a.r = gin.New()
	a.r.Use(otelgin.Middleware("agreement", otelgin.WithTracerProvider(a.tel.tp), otelgin.WithMeterProvider(a.tel.mp)))
	page := func(c *gin.Context) { c.String(http.StatusOK, "user "+c.Param("id")) }
	a.r.GET("/users/:id", a.cache.Handler(shell), page)
	a.r.POST("/users/:id", a.cache.Handler(shell), func(c *gin.Context) { c.Status(http.StatusNoContent) })
	a.r.GET("/cookie", a.cache.Handler(shell), func(c *gin.Context) {
		c.SetCookie("session", "s3cr3t", 60, "/", "", false, true)
		c.String(http.StatusOK, "private")
	})
	report := gincache.Policy{Public: true, MaxAge: 10 * time.Second, ServerTTL: 10 * time.Second, StaleWhileRevalidate: 30 * time.Second}
	a.r.GET("/report", a.cache.Handler(report), func(c *gin.Context) {
		if hold := a.hold.Load(); hold != nil {
			a.started <- struct{}{}
			<-*hold
		}
		c.String(http.StatusOK, "report at %s", a.clock.Now().Format(time.RFC3339))
	})
	a.r.GET("/shared", a.cache.Handler(gincache.Policy{SharedCache: true, ServerTTL: time.Hour}), func(c *gin.Context) {
		c.Header("Cache-Control", "max-age=1")
		c.Header("ETag", `"v1"`)
		if c.GetHeader("If-None-Match") == `"v1"` {
			c.Status(http.StatusNotModified)
			return
		}
		c.String(http.StatusOK, "shared v1")
	})
	return a
}

// get sends a GET and checks its status.
func (a *agreementApp) get(t *testing.T, target string, status int, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	w := do(a.r, http.MethodGet, target, header...)
	hasStatus(t, w, status)
	return w
}

// burst sends n concurrent GETs for target: the first renders, held until
// the others have looked the key up, so that they wait for its render.
func (a *agreementApp) burst(t *testing.T, target string, n int) {
	t.Helper()
	hold := make(chan struct{})
	a.hold.Store(&hold)
	gets := a.store.gets.Load()
	var wg sync.WaitGroup
	wg.Go(func() { a.get(t, target, http.StatusOK) })
	<-a.started
	for range n - 1 {
		wg.Go(func() { a.get(t, target, http.StatusOK) })
	}
	for a.store.gets.Load() < gets+int64(n) {
		runtime.Gosched() // each waiter joins the render right after its get
	}
	for range 100 {
		runtime.Gosched()
	}
	a.hold.Store(nil)
	close(hold)
	wg.Wait()
	for len(a.started) > 0 { // a late request rendered on its own
		<-a.started
	}
}

// counts are one export's numbers, summed over routes and reasons.
type counts struct {
	events      map[gincache.EventKind]uint64
	storeErrors uint64
	storedBytes uint64
	storeCalls  map[string]uint64 // "op/result"
}

// prometheus gathers the registry into counts.
func (a *agreementApp) prometheus(t *testing.T) counts {
	t.Helper()
	families, err := a.reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	c := counts{events: map[gincache.EventKind]uint64{}, storeCalls: map[string]uint64{}}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			v := uint64(m.GetCounter().GetValue())
			switch f.GetName() {
			case "gincache_requests_total":
				c.events[kindNamed(t, labels["outcome"])] += v
			case "gincache_bypass_total":
				c.events[gincache.EventBypass] += v
			case "gincache_uncacheable_total":
				c.events[gincache.EventUncacheable] += v
			case "gincache_stored_total":
				c.events[gincache.EventStored] += v
			case "gincache_stored_bytes_total":
				c.storedBytes += v
			case "gincache_store_errors_total":
				c.storeErrors += v
			case "gincache_store_duration_seconds":
				c.storeCalls[labels["op"]+"/"+labels["result"]] += m.GetHistogram().GetSampleCount()
			default:
				t.Errorf("unexpected family %s", f.GetName())
			}
		}
	}
	return c
}

// tally sums the OTel points into counts.
func tally(points []point) counts {
	c := counts{events: map[gincache.EventKind]uint64{}, storeCalls: map[string]uint64{}}
	for _, p := range points {
		get := func(k string) string { v, _ := p.attrs.Value(attribute.Key(k)); return v.AsString() }
		v := uint64(p.value)
		switch p.name {
		case "gincache.requests":
			c.events[kindNamedOrUnknown(get("gincache.outcome"))] += v
		case "gincache.bypasses":
			c.events[gincache.EventBypass] += v
		case "gincache.uncacheable":
			c.events[gincache.EventUncacheable] += v
		case "gincache.stored.responses":
			c.events[gincache.EventStored] += v
		case "gincache.stored.body.size":
			c.storedBytes += v
		case "gincache.store.errors":
			c.storeErrors += v
		case "gincache.store.operation.duration":
			c.storeCalls[get("gincache.store.operation")+"/"+get("gincache.store.result")] += v
		}
	}
	return c
}

// statsOf is the Stats field of kind.
func statsOf(s gincache.Stats, kind gincache.EventKind) (uint64, bool) {
	switch kind {
	case gincache.EventHit:
		return s.Hits, true
	case gincache.EventNotModified:
		return s.NotModified, true
	case gincache.EventMiss:
		return s.Misses, true
	case gincache.EventStale:
		return s.Stale, true
	case gincache.EventCollapsed:
		return s.Collapsed, true
	case gincache.EventBypass:
		return s.Bypassed, true
	case gincache.EventUncacheable:
		return s.Uncacheable, true
	case gincache.EventStored:
		return s.Stored, true
	case gincache.EventRevalidated:
		return s.Revalidated, true
	}
	return 0, false
}

func kindNamed(t *testing.T, name string) gincache.EventKind {
	t.Helper()
	k := kindNamedOrUnknown(name)
	if k.String() == "unknown" {
		t.Errorf("unknown outcome %q", name)
	}
	return k
}

func kindNamedOrUnknown(name string) gincache.EventKind {
	k := gincache.EventKind(0)
	for ; k.String() != "unknown" && k.String() != name; k++ {
	}
	return k
}

// flakyStore is a real store (a Tagger, as memstore is) that fails every
// call while fail is set, and counts its gets.
type flakyStore struct {
	gincache.Store
	fail atomic.Bool
	gets atomic.Int64
}

var errFlaky = errors.New("flaky store: connection refused")

func (s *flakyStore) err() error {
	if s.fail.Load() {
		return errFlaky
	}
	return nil
}

func (s *flakyStore) Get(ctx context.Context, key string) (*gincache.Entry, error) {
	defer s.gets.Add(1)
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.Get(ctx, key)
}

func (s *flakyStore) Set(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.Set(ctx, key, e, ttl)
}

func (s *flakyStore) Delete(ctx context.Context, keys ...string) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.Delete(ctx, keys...)
}

func (s *flakyStore) SetTagged(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration, tags []string) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.(gincache.Tagger).SetTagged(ctx, key, e, ttl, tags)
}

func (s *flakyStore) PurgeTags(ctx context.Context, tags ...string) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.(gincache.Tagger).PurgeTags(ctx, tags...)
}

var _ gincache.Tagger = (*flakyStore)(nil)

// clock is a time source moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
