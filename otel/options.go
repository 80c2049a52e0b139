package otel

import "go.opentelemetry.io/otel/metric"

// Option configures an Observer built by New.
type Option interface {
	apply(*config)
}

type config struct {
	meterProvider metric.MeterProvider
	buckets       []float64
	noSpanEvents  bool
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// DefaultBuckets are the store duration histogram's bucket boundaries, in
// seconds: the metrics package's, from 0.1 ms (a memory store) to 1 s (a
// networked store in trouble), so the two exports bucket alike.
var DefaultBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

// WithMeterProvider makes the instruments from mp. Nil, the default, means
// the global provider (otel.GetMeterProvider), which records nothing until
// the application installs an SDK provider with otel.SetMeterProvider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.meterProvider = mp })
}

// WithBuckets sets the store duration histogram's bucket boundaries, in
// seconds, as advice to the SDK (a View may override it). They must be
// strictly increasing; New panics otherwise. None, the default, means
// DefaultBuckets.
func WithBuckets(b ...float64) Option {
	return optionFunc(func(c *config) { c.buckets = b })
}

// WithoutSpanEvents keeps the metrics but adds no events to the request's
// span, for an application that traces its requests but finds one event per
// outcome and store call too much. There is no tracer option: the span is
// the request's own, started by otelgin (or any middleware that puts a span
// in the request's context) from whatever provider it was given.
func WithoutSpanEvents() Option {
	return optionFunc(func(c *config) { c.noSpanEvents = true })
}
