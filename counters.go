package gincache

import (
	"sync/atomic"
	"unsafe"
)

// counters are the Stats, by EventKind, and the store faults.
//
// Every request adds to one of them, so a single atomic word per kind is
// written by every core at once: on a hit, that cache line moves between
// cores each time (BENCHMARKS.md, "Round 6": the parallel memstore hit
// 0.89–0.94× once striped). The event counts are therefore striped: each
// request adds to the stripe its gin.Context picks, and Stats sums the
// stripes. gin takes its Contexts from a sync.Pool, which keeps them per P,
// so requests on different cores mostly write different stripes; two that
// share one are still counted exactly, only more slowly.
type counters struct {
	_             [128]byte // the Cache's fields before stripe 0 stay off its lines
	stripes       [numStripes]stripe
	storeErrors   atomic.Uint64 // rare: a fault, not every request
	versionErrors atomic.Uint64
}

const (
	stripeBits = 4
	numStripes = 1 << stripeBits
)

// stripe is one set of event counts, followed by 128 bytes that no one
// writes: wherever the Cache is allocated, the counts of two stripes never
// share a cache line, nor a pair of adjacent ones (which Intel CPUs fetch
// together).
type stripe struct {
	events [numEventKinds]atomic.Uint64
	_      [128]byte
}

// add counts one event of kind for the request whose context is at ctx.
func (c *counters) add(ctx unsafe.Pointer, kind EventKind) {
	c.stripes[stripeOf(uintptr(ctx))].events[kind].Add(1)
}

// stripeOf spreads addresses over the stripes (Fibonacci hashing: the
// multiplication moves every bit of the address into the top ones, which
// pick the stripe).
func stripeOf(p uintptr) int {
	return int(uint64(p) * 0x9E3779B97F4A7C15 >> (64 - stripeBits))
}

// events sums kind over the stripes.
func (c *counters) events(kind EventKind) uint64 {
	var n uint64
	for i := range c.stripes {
		n += c.stripes[i].events[kind].Load()
	}
	return n
}
