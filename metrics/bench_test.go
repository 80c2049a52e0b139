package metrics_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/metrics"
)

// A hit is the event a cache sees most: after the first, it must cost a map
// load and an atomic add, and allocate nothing.
func BenchmarkObserveHit(b *testing.B) {
	m := metrics.New()
	ev := gincache.Event{Route: "/users/:id", Kind: gincache.EventHit}
	m.Observe(ev) // warm up: the series is made on first use
	b.ReportAllocs()
	for b.Loop() {
		m.Observe(ev)
	}
}

func BenchmarkObserveHitParallel(b *testing.B) {
	m := metrics.New()
	ev := gincache.Event{Route: "/users/:id", Kind: gincache.EventHit}
	m.Observe(ev)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Observe(ev)
		}
	})
}

func BenchmarkObserveStore(b *testing.B) {
	for _, bc := range []struct {
		name string
		err  error
	}{
		{"ok", nil},
		{"miss", gincache.ErrNotFound},
		{"error", errors.New("boom")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := metrics.New()
			m.ObserveStore("get", 50*time.Microsecond, bc.err)
			b.ReportAllocs()
			for b.Loop() {
				m.ObserveStore("get", 50*time.Microsecond, bc.err)
			}
		})
	}
}
