package otel_test

import (
	"context"
	"testing"
	"time"

	"github.com/gincache/gincache"
	gcotel "github.com/gincache/gincache/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// A hit is the event a cache sees most. Without a recording span it costs a
// map load and the SDK's add; on a sampled span, the event as well.
func BenchmarkObserveHit(b *testing.B) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	obs := gcotel.New(gcotel.WithMeterProvider(mp))
	ev := gincache.Event{Route: "/users/:id", Kind: gincache.EventHit}
	b.Run("no span", func(b *testing.B) {
		ctx := context.Background()
		obs.ObserveContext(ctx, ev)
		b.ReportAllocs()
		for b.Loop() {
			obs.ObserveContext(ctx, ev)
		}
	})
	b.Run("span", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithRawSpanLimits(sdktrace.SpanLimits{EventCountLimit: 1, AttributeCountLimit: -1, AttributePerEventCountLimit: -1, AttributeValueLengthLimit: -1, LinkCountLimit: -1, AttributePerLinkCountLimit: -1}))
		ctx, span := tp.Tracer("bench").Start(context.Background(), "request")
		defer span.End()
		b.ReportAllocs()
		for b.Loop() {
			obs.ObserveContext(ctx, ev)
		}
	})
}

func BenchmarkObserveStore(b *testing.B) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	obs := gcotel.New(gcotel.WithMeterProvider(mp))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		obs.ObserveStoreContext(ctx, "get", 50*time.Microsecond, gincache.ErrNotFound)
	}
}
