package memstore

import "time"

// DefaultMaxBytes is the bound on the total weight of the entries a Store
// holds when WithMaxBytes is not given: enough for a few thousand typical
// pages without surprising a small container.
const DefaultMaxBytes int64 = 64 << 20

// Option configures a Store built by New.
type Option interface {
	apply(*config)
}

// config holds what the options set; New validates it once.
type config struct {
	maxBytes int64
	now      func() time.Time // nil means otter's own clock
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithMaxBytes bounds the approximate memory the store's entries take, in
// bytes (see the package documentation for how an entry is weighed). The
// default is DefaultMaxBytes. New panics if n is not positive: a store that
// may hold nothing is a configuration mistake, not a way to turn caching off.
func WithMaxBytes(n int64) Option {
	return optionFunc(func(c *config) { c.maxBytes = n })
}

// WithClock makes the store read the time from now instead of the system
// clock, so tests can expire entries by moving a fake clock forward rather
// than sleeping. With it, expired entries stay invisible to Get as usual but
// their memory is reclaimed during later writes rather than by a background
// sweep once a second. New panics if now is nil.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now == nil {
			panic("memstore: WithClock(nil)")
		}
		c.now = now
	})
}
