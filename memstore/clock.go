package memstore

import (
	"sync"
	"time"

	"github.com/maypok86/otter/v2"
)

// coarseResolution is how far behind the time the store reads may lag.
//
// otter reads its clock on every Get to see whether the entry has expired,
// and reading the precise time costs ~40 ns on a virtual machine — as much
// as the hash lookup. gincache decides freshness itself, from the entry's
// StoredAt and its own clock, so the store's expiry only has to reclaim
// memory: a clock that lags by a tenth of a second is plenty. Each TTL is
// lengthened by the lag, so that an entry never leaves the store before its
// TTL ends; it may stay up to twice the lag longer, invisible to a
// request only because gincache sees it is too old.
const coarseResolution = 100 * time.Millisecond

// coarse is the clock every store of the process shares (WithClock
// replaces it): one goroutine, woken ten times a second, for all of them.
var coarse = sync.OnceValue(func() *otter.CoarseClock { return otter.NewCoarseClock(coarseResolution) })
