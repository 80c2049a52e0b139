package metrics

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gincache/gincache"
	"github.com/prometheus/client_golang/prometheus"
)

// Route labels that are not route patterns.
const (
	// RouteUnmatched labels requests gin matched to no route (a NoRoute
	// handler), whose pattern is empty.
	RouteUnmatched = "unmatched"
	// RouteOther labels the routes seen after the route cap was reached
	// (see WithMaxRoutes).
	RouteOther = "other"
)

// Results of a store call, the result label of the latency histogram.
const (
	resultOK    = "ok"
	resultMiss  = "miss" // ErrNotFound from a get: an ordinary miss
	resultError = "error"
)

// Metrics turns what a gincache.Cache observes into Prometheus series. It is
// a gincache.Observer, for gincache.WithObserver, and a prometheus.Collector,
// for a registry's Register. Build it with New; it is safe for concurrent use.
type Metrics struct {
	requests    *prometheus.CounterVec   // route, outcome
	bypass      *prometheus.CounterVec   // route, reason
	uncacheable *prometheus.CounterVec   // route, reason
	stored      *prometheus.CounterVec   // route
	storedBytes *prometheus.CounterVec   // route
	storeErrors *prometheus.CounterVec   // op
	storeTime   *prometheus.HistogramVec // op, result

	maxRoutes int

	// series caches the counters of each (route, kind, reason) seen, so an
	// event costs a map load and an atomic add. Folded routes are never
	// keys: what they would add is unbounded.
	series sync.Map // eventKey → *eventSeries
	// stores caches the series of each (op, result) seen.
	stores sync.Map // storeKey → *storeSeries

	mu     sync.Mutex                 // guards routes and folded, and serializes series creation
	routes map[string]struct{}        // the route patterns given their own label
	folded map[foldedKey]*eventSeries // the series of route="other"
}

var (
	_ gincache.Observer    = (*Metrics)(nil)
	_ prometheus.Collector = (*Metrics)(nil)
)

// eventKey names the series an event lands in, before the route is labelled.
type eventKey struct {
	route  string
	kind   gincache.EventKind
	reason string
}

// foldedKey is an eventKey of a route folded into "other".
type foldedKey struct {
	kind   gincache.EventKind
	reason string
}

// eventSeries is what one (route, kind, reason) adds to.
type eventSeries struct {
	count prometheus.Counter
	bytes prometheus.Counter // stored_bytes_total, for EventStored only
}

type storeKey struct {
	op     string
	result string
}

type storeSeries struct {
	took   prometheus.Observer
	errors prometheus.Counter // for result="error" only
}

// New returns Metrics with no series yet; each appears when first observed.
// It panics on invalid options.
func New(opts ...Option) *Metrics {
	cfg := config{namespace: "gincache", buckets: DefaultBuckets, maxRoutes: DefaultMaxRoutes}
	for _, o := range opts {
		o.apply(&cfg)
	}
	if cfg.maxRoutes <= 0 {
		panic(fmt.Sprintf("metrics: WithMaxRoutes(%d): the cap must be positive", cfg.maxRoutes))
	}
	if len(cfg.buckets) == 0 {
		cfg.buckets = DefaultBuckets
	}
	for i := 1; i < len(cfg.buckets); i++ {
		if !(cfg.buckets[i] > cfg.buckets[i-1]) {
			panic(fmt.Sprintf("metrics: WithBuckets(%v): bounds must be strictly increasing", cfg.buckets))
		}
	}
	ns := cfg.namespace
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help}, labels)
	}
	return &Metrics{
		requests: counter("requests_total",
			"Requests on caching routes by outcome: hit, not_modified, miss, stale, collapsed, revalidated.",
			"route", "outcome"),
		bypass: counter("bypass_total",
			"Requests for which the store was not consulted, by reason: request (client no-cache), authorization, range, method, policy.",
			"route", "reason"),
		uncacheable: counter("uncacheable_total",
			"Rendered responses that were not stored, by reason: status, set-cookie, cache-control, vary, handler-error, streamed, ...",
			"route", "reason"),
		stored: counter("stored_total",
			"Responses written to the store.",
			"route"),
		storedBytes: counter("stored_bytes_total",
			"Body bytes written to the store.",
			"route"),
		storeErrors: counter("store_errors_total",
			"Failed store calls by operation; a get that finds nothing is a miss, not an error.",
			"op"),
		storeTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns,
			Name:      "store_duration_seconds",
			Help:      "Store call latency by operation and result: ok, miss (a get that found nothing), error.",
			Buckets:   cfg.buckets,
		}, []string{"op", "result"}),
		maxRoutes: cfg.maxRoutes,
		routes:    make(map[string]struct{}),
		folded:    make(map[foldedKey]*eventSeries),
	}
}

// Observe counts one outcome. It is on the request path: once an event's
// (route, kind, reason) has been seen, it costs a map load and an atomic
// add, and allocates nothing.
func (m *Metrics) Observe(ev gincache.Event) {
	s, ok := m.series.Load(eventKey{ev.Route, ev.Kind, ev.Reason})
	if !ok {
		s = m.newSeries(eventKey{ev.Route, ev.Kind, ev.Reason})
	}
	es := s.(*eventSeries)
	es.count.Inc()
	if es.bytes != nil && ev.Bytes > 0 {
		es.bytes.Add(float64(ev.Bytes))
	}
}

// newSeries finds or makes the series for an event seen for the first time.
// An event of a route folded into "other" comes here every time, since its
// route is never cached: it pays for the lock, which only an application
// past the route cap does.
func (m *Metrics) newSeries(k eventKey) *eventSeries {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.series.Load(k); ok { // made while we waited for the lock
		return s.(*eventSeries)
	}
	route := k.route
	switch _, seen := m.routes[route]; {
	case route == "":
		route = RouteUnmatched
	case seen:
	case len(m.routes) < m.maxRoutes:
		m.routes[route] = struct{}{}
	default:
		fk := foldedKey{k.kind, k.reason}
		s := m.folded[fk]
		if s == nil {
			s = m.makeSeries(RouteOther, k.kind, k.reason)
			m.folded[fk] = s
		}
		return s
	}
	s := m.makeSeries(route, k.kind, k.reason)
	m.series.Store(k, s)
	return s
}

// makeSeries returns the counters an event of kind adds to under the
// route label.
func (m *Metrics) makeSeries(route string, kind gincache.EventKind, reason string) *eventSeries {
	switch kind {
	case gincache.EventBypass:
		return &eventSeries{count: m.bypass.WithLabelValues(route, reason)}
	case gincache.EventUncacheable:
		return &eventSeries{count: m.uncacheable.WithLabelValues(route, reason)}
	case gincache.EventStored:
		return &eventSeries{count: m.stored.WithLabelValues(route), bytes: m.storedBytes.WithLabelValues(route)}
	default:
		// hit, not_modified, miss, stale, collapsed, revalidated; a kind added later
		// is counted under its own name rather than lost.
		return &eventSeries{count: m.requests.WithLabelValues(route, kind.String())}
	}
}

// ObserveStore records one store call's latency and, when it failed, counts
// the error. gincache.ErrNotFound from a get is a miss, not an error.
func (m *Metrics) ObserveStore(op string, took time.Duration, err error) {
	result := resultOK
	switch {
	case err == nil:
	case op == "get" && errors.Is(err, gincache.ErrNotFound):
		result = resultMiss
	default:
		result = resultError
	}
	k := storeKey{op, result}
	s, ok := m.stores.Load(k)
	if !ok {
		s = m.newStoreSeries(k)
	}
	ss := s.(*storeSeries)
	ss.took.Observe(took.Seconds())
	if ss.errors != nil {
		ss.errors.Inc()
	}
}

func (m *Metrics) newStoreSeries(k storeKey) *storeSeries {
	ss := &storeSeries{took: m.storeTime.WithLabelValues(k.op, k.result)}
	if k.result == resultError {
		ss.errors = m.storeErrors.WithLabelValues(k.op)
	}
	s, _ := m.stores.LoadOrStore(k, ss)
	return s.(*storeSeries)
}

// Describe sends the descriptors of every series m exports.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect sends the current value of every series m has seen.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}

func (m *Metrics) collectors() [7]prometheus.Collector {
	return [...]prometheus.Collector{m.requests, m.bypass, m.uncacheable, m.stored, m.storedBytes, m.storeErrors, m.storeTime}
}
