package otel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gincache/gincache"
	otelapi "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the Observer's meter: the
// module's import path, as OpenTelemetry asks of instrumentation libraries.
const ScopeName = "github.com/gincache/gincache/otel"

// Results of a store call, as the gincache.store.result attribute has them:
// the metrics package's result label, value for value.
const (
	resultOK    = "ok"
	resultMiss  = "miss" // ErrNotFound from a get: an ordinary miss
	resultError = "error"
)

// maxCachedSeries bounds the attribute sets an Observer keeps ready. Route
// patterns are few; past the bound (an application whose routes are
// themselves unbounded) events still count, at the price of building their
// attributes each time, and the SDK's cardinality limit folds the series.
const maxCachedSeries = 10000

// Observer turns what a gincache.Cache observes into OpenTelemetry metrics
// and into events on the request's span. It is a gincache.ContextObserver,
// for gincache.WithObserver; build it with New. It is safe for concurrent
// use.
type Observer struct {
	requests    metric.Int64Counter // gincache.outcome, http.route
	bypasses    metric.Int64Counter // gincache.reason, http.route
	uncacheable metric.Int64Counter // gincache.reason, http.route
	stored      metric.Int64Counter // http.route
	storedBytes metric.Int64Counter // http.route
	storeErrors metric.Int64Counter // gincache.store.operation
	storeTime   metric.Float64Histogram

	spanEvents bool

	// series and stores keep each (route, kind, reason) and (op, result)
	// seen with its instrument and attributes made once, so an event costs
	// a map load and an add; cached counts them against maxCachedSeries.
	series sync.Map // eventKey → *eventSeries
	stores sync.Map // storeKey → *storeSeries
	cached atomic.Int64
}

var _ gincache.ContextObserver = (*Observer)(nil)

type eventKey struct {
	route  string
	kind   gincache.EventKind
	reason string
}

// eventSeries is what one (route, kind, reason) adds to.
type eventSeries struct {
	count metric.Int64Counter
	bytes metric.Int64Counter // gincache.stored.body.size, for EventStored only
	opts  []metric.AddOption  // the measurement's attribute set
	attrs []attribute.KeyValue
}

type storeKey struct {
	op     string
	result string
}

type storeSeries struct {
	record []metric.RecordOption
	errors []metric.AddOption // for result "error" only
	attrs  []attribute.KeyValue
}

// New returns an Observer whose instruments come from the meter provider
// (WithMeterProvider, the global one by default). It panics on invalid
// options and if the provider refuses an instrument, which only a broken
// provider does.
func New(opts ...Option) *Observer {
	var cfg config
	for _, o := range opts {
		o.apply(&cfg)
	}
	if cfg.meterProvider == nil {
		cfg.meterProvider = otelapi.GetMeterProvider()
	}
	if len(cfg.buckets) == 0 {
		cfg.buckets = DefaultBuckets
	}
	for i := 1; i < len(cfg.buckets); i++ {
		if !(cfg.buckets[i] > cfg.buckets[i-1]) {
			panic(fmt.Sprintf("otel: WithBuckets(%v): bounds must be strictly increasing", cfg.buckets))
		}
	}
	m := cfg.meterProvider.Meter(ScopeName)
	var errs []error
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	o := &Observer{
		requests: counter("gincache.requests", "{request}",
			"Requests on caching routes by outcome: hit, not_modified, miss, stale, collapsed, revalidated."),
		bypasses: counter("gincache.bypasses", "{request}",
			"Requests for which the store was not consulted, by reason: request (client no-cache), authorization, range, method, policy."),
		uncacheable: counter("gincache.uncacheable", "{response}",
			"Rendered responses that were not stored, by reason: status, set-cookie, cache-control, vary, handler-error, streamed, ..."),
		stored: counter("gincache.stored.responses", "{response}",
			"Responses written to the store."),
		storedBytes: counter("gincache.stored.body.size", "By",
			"Body bytes written to the store."),
		storeErrors: counter("gincache.store.errors", "{error}",
			"Failed store calls by operation; a get that finds nothing is a miss, not an error."),
		spanEvents: !cfg.noSpanEvents,
	}
	var err error
	o.storeTime, err = m.Float64Histogram("gincache.store.operation.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Store call duration by operation and result: ok, miss (a get that found nothing), error."),
		metric.WithExplicitBucketBoundaries(cfg.buckets...))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		panic("otel: New: " + err.Error())
	}
	return o
}

// Observe counts one outcome without a request context: no span event.
func (o *Observer) Observe(ev gincache.Event) { o.ObserveContext(context.Background(), ev) }

// ObserveStore records one store call without a request context.
func (o *Observer) ObserveStore(op string, took time.Duration, err error) {
	o.ObserveStoreContext(context.Background(), op, took, err)
}

// ObserveContext counts one outcome and, when ctx carries a recording span
// (the one otelgin started for the request), adds a "gincache" event to it.
func (o *Observer) ObserveContext(ctx context.Context, ev gincache.Event) {
	k := eventKey{ev.Route, ev.Kind, ev.Reason}
	s := o.eventSeries(k)
	s.count.Add(ctx, 1, s.opts...)
	if s.bytes != nil && ev.Bytes > 0 {
		s.bytes.Add(ctx, int64(ev.Bytes), s.opts...)
	}
	if !o.spanEvents {
		return
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		attrs := s.attrs
		if ev.Kind == gincache.EventStored {
			attrs = append(attrs[:len(attrs):len(attrs)], attrStoredBodySize.Int(ev.Bytes))
		}
		span.AddEvent(eventName, trace.WithAttributes(attrs...))
	}
}

// ObserveStoreContext records one store call's duration, counts it when it
// failed, and adds a "gincache.store" event to ctx's recording span.
// gincache.ErrNotFound from a get is a miss, not an error.
func (o *Observer) ObserveStoreContext(ctx context.Context, op string, took time.Duration, err error) {
	result := resultOK
	switch {
	case err == nil:
	case op == "get" && errors.Is(err, gincache.ErrNotFound):
		result = resultMiss
	default:
		result = resultError
	}
	s := o.storeSeries(storeKey{op, result})
	o.storeTime.Record(ctx, took.Seconds(), s.record...)
	if s.errors != nil {
		o.storeErrors.Add(ctx, 1, s.errors...)
	}
	if !o.spanEvents {
		return
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		attrs := append(s.attrs[:len(s.attrs):len(s.attrs)], attrStoreDuration.Float64(took.Seconds()))
		if result == resultError {
			attrs = append(attrs, attrErrorType.String(errorType(err)))
		}
		span.AddEvent(storeEventName, trace.WithAttributes(attrs...))
	}
}

// eventSeries finds or makes the series of k.
func (o *Observer) eventSeries(k eventKey) *eventSeries {
	if s, ok := o.series.Load(k); ok {
		return s.(*eventSeries)
	}
	s := o.makeEventSeries(k)
	if o.cached.Load() >= maxCachedSeries {
		return s
	}
	if prev, loaded := o.series.LoadOrStore(k, s); loaded {
		return prev.(*eventSeries)
	}
	o.cached.Add(1)
	return s
}

func (o *Observer) makeEventSeries(k eventKey) *eventSeries {
	var route []attribute.KeyValue
	if k.route != "" { // a NoRoute handler's request has no route (semantic conventions: omit http.route)
		route = []attribute.KeyValue{attrRoute.String(k.route)}
	}
	s := &eventSeries{}
	var metricAttrs []attribute.KeyValue
	switch k.kind {
	case gincache.EventBypass:
		s.count = o.bypasses
		metricAttrs = append(route, attrReason.String(k.reason))
	case gincache.EventUncacheable:
		s.count = o.uncacheable
		metricAttrs = append(route, attrReason.String(k.reason))
	case gincache.EventStored:
		s.count, s.bytes = o.stored, o.storedBytes
		metricAttrs = route
	default:
		// hit, not_modified, miss, stale, collapsed, revalidated; a kind
		// added later is counted under its own name rather than lost.
		s.count = o.requests
		metricAttrs = append(route, attrOutcome.String(k.kind.String()))
	}
	s.opts = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(metricAttrs...))}
	s.attrs = append([]attribute.KeyValue{attrOutcome.String(k.kind.String())}, route...)
	if k.reason != "" {
		s.attrs = append(s.attrs, attrReason.String(k.reason))
	}
	return s
}

// storeSeries finds or makes the series of k; ops and results are a small
// fixed set, so every one is kept.
func (o *Observer) storeSeries(k storeKey) *storeSeries {
	if s, ok := o.stores.Load(k); ok {
		return s.(*storeSeries)
	}
	s := &storeSeries{
		record: []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attrStoreOp.String(k.op), attrStoreResult.String(k.result)))},
		attrs:  []attribute.KeyValue{attrStoreOp.String(k.op), attrStoreResult.String(k.result)},
	}
	if k.result == resultError {
		s.errors = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attrStoreOp.String(k.op)))}
	}
	prev, _ := o.stores.LoadOrStore(k, s)
	return prev.(*storeSeries)
}

// errorType is a failed store call's error.type: "timeout" for the store
// deadline, "canceled", or the error's Go type, a small set either way.
func errorType(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return fmt.Sprintf("%T", err)
}
