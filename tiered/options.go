package tiered

import (
	"fmt"
	"time"

	"github.com/gincache/gincache"
)

// DefaultLocalTTL is how long a copy stays in the local tier when
// WithLocalTTL is not given. With a bus it bounds staleness only when a
// message was lost (a replica reconnecting; Stats.Coherent is false
// meanwhile); without one it bounds every update on another replica. So it
// is short: long enough that a hot page is served from memory thousands of
// times, short enough that no one notices an outdated copy.
const DefaultLocalTTL = 2 * time.Second

// Option configures a Store built by New.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config holds what the options set; New validates it once.
type config struct {
	localTTL time.Duration
	timeout  time.Duration
	bus      Bus // nil: no invalidation messages
	clock    func() time.Time
}

func defaultConfig() config {
	return config{localTTL: DefaultLocalTTL, timeout: gincache.DefaultStoreTimeout, clock: time.Now}
}

// WithLocalTTL sets how long a copy stays in the local tier: at most d, and
// never longer than the TTL the entry was stored with. The default is
// DefaultLocalTTL. It bounds how long a replica may serve its copy of a page
// that another replica has rendered again or purged, when it missed the
// message (or has no bus).
// New panics if d is not positive: a local tier that keeps nothing is a
// plain remote store, so use the remote store alone.
func WithLocalTTL(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			panic(fmt.Sprintf("tiered: WithLocalTTL(%v): the local TTL must be positive", d))
		}
		c.localTTL = d
	})
}

// WithBus makes the Store publish every Set, SetTagged, Delete and PurgeTags
// on bus and listen on it for those of the other replicas, so their local
// copies are dropped as soon as the message arrives rather than when their
// local TTL runs out. New starts two goroutines, one to listen and one to
// announce this replica's stores; Close stops them. Without a bus, the
// local TTL alone bounds staleness. New panics on a nil bus.
func WithBus(bus Bus) Option {
	return optionFunc(func(c *config) {
		if bus == nil {
			panic("tiered: WithBus(nil)")
		}
		c.bus = bus
	})
}

// WithTimeout bounds each call to a tier that does not bound its own calls
// (one that is not gincache.Bounded), and each Publish on the bus. The
// default is gincache.DefaultStoreTimeout. With memstore and redisstore,
// which are both Bounded, it only bounds Publish. New panics if d is not
// positive.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			panic(fmt.Sprintf("tiered: WithTimeout(%v): the timeout must be positive", d))
		}
		c.timeout = d
	})
}

// WithClock sets the clock on which Stats tells since when the local tier is
// coherent (Stats.CoherentFrom), so a test can move it. The local tier's
// copies expire on the local store's own clock (memstore.WithClock); give
// both the same one. The default is time.Now. New panics on nil.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now == nil {
			panic("tiered: WithClock(nil)")
		}
		c.clock = now
	})
}
