package memstore

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/gincache/gincache"
)

// entryOverhead approximates what an entry costs beyond its bytes: the otter
// node, the Entry struct, the header map and its slices.
const entryOverhead = 256

// Store is an in-memory gincache.Store bounded by bytes. It is safe for
// concurrent use. Build it with New; the zero value is not usable.
type Store struct {
	cache    *otter.Cache[string, item]
	maxBytes int64
	index    tagIndex
}

var (
	_ gincache.Store  = (*Store)(nil)
	_ gincache.Tagger = (*Store)(nil)
)

// item is what otter holds: the entry with the TTL it was stored for, which
// the expiry calculator reads, its weight, computed once in Set, and its
// tags, nil for an untagged entry.
type item struct {
	entry  *gincache.Entry
	ttl    time.Duration
	weight uint32
	tags   *tagged
}

// New returns an empty store. It panics on invalid options, so a bad
// configuration fails at start-up rather than while serving.
func New(opts ...Option) *Store {
	cfg := config{maxBytes: DefaultMaxBytes}
	for _, o := range opts {
		o.apply(&cfg)
	}
	if cfg.maxBytes <= 0 {
		panic("memstore: WithMaxBytes needs a positive size")
	}
	s := &Store{maxBytes: cfg.maxBytes}
	var pad time.Duration // the coarse clock's lag (clock.go)
	if cfg.now == nil {
		pad = coarseResolution
	}
	o := &otter.Options[string, item]{
		MaximumWeight: uint64(cfg.maxBytes),
		Weigher:       func(_ string, it item) uint32 { return it.weight },
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, item]) time.Duration {
			return min(e.Value.ttl, math.MaxInt64-pad) + pad
		}),
		// Atomic, so the index is current when a deletion returns: a
		// purge right after an eviction finds nothing stale. forget only
		// takes the index's lock, never calls the cache.
		OnAtomicDeletion: func(e otter.DeletionEvent[string, item]) {
			if e.Value.tags != nil {
				s.index.forget(e.Key, e.Value.tags)
			}
		},
	}
	if cfg.now != nil {
		o.Clock = clock{now: cfg.now}
	} else {
		o.Clock = coarse()
	}
	s.cache = otter.Must(o)
	return s
}

// Get returns the entry stored under key, the same pointer that was Set, or
// gincache.ErrNotFound once it has expired or been evicted. It never blocks.
// Without WithClock, expiry is read from a clock that lags by up to a tenth
// of a second (clock.go), so an entry is found for at most 0.2 s past its
// TTL, never less than its TTL.
func (s *Store) Get(_ context.Context, key string) (*gincache.Entry, error) {
	it, ok := s.cache.GetIfPresent(key)
	if !ok {
		return nil, gincache.ErrNotFound
	}
	return it.entry, nil
}

// Set stores e under key for ttl, keeping the pointer: e must not be modified
// afterwards. A ttl of zero or less, or an entry heavier than the store's
// bound, stores nothing and removes what key held before, so an outdated page
// is never left behind by a newer one that could not be kept.
func (s *Store) Set(_ context.Context, key string, e *gincache.Entry, ttl time.Duration) error {
	return s.set(key, e, ttl, nil)
}

// set is Set and SetTagged: t is nil for an untagged entry.
func (s *Store) set(key string, e *gincache.Entry, ttl time.Duration, t *tagged) error {
	if e == nil {
		return errors.New("memstore: Set of a nil entry")
	}
	w := weigh(key, e)
	if t != nil {
		for _, tag := range t.tags {
			w += int64(tagWeight + len(tag))
		}
	}
	if ttl <= 0 || w > s.maxBytes || w > math.MaxUint32 {
		s.cache.Invalidate(key)
		return nil
	}
	if t != nil {
		// Indexed before it is stored, so that its deletion, which may
		// come at once, finds what to remove.
		s.index.add(key, t)
	}
	s.cache.Set(key, item{entry: e, ttl: ttl, weight: uint32(w), tags: t})
	return nil
}

// Delete removes the entries under keys; missing keys are ignored.
func (s *Store) Delete(_ context.Context, keys ...string) error {
	for _, k := range keys {
		s.cache.Invalidate(k)
	}
	return nil
}

// Len reports how many entries the store holds, as otter estimates it: entries
// that expired but have not been swept yet may still be counted. It lets tests
// of the middleware check what was stored without reaching into the store.
func (s *Store) Len() int {
	return s.cache.EstimatedSize()
}

// weigh approximates the memory e takes under key, in bytes.
func weigh(key string, e *gincache.Entry) int64 {
	n := int64(entryOverhead + len(key) + len(e.Body) + len(e.ETag))
	for k, vs := range e.Header {
		n += int64(len(k))
		for _, v := range vs {
			n += int64(len(v))
		}
	}
	for _, c := range e.Codings {
		n += int64(len(c.Name) + len(c.ETag) + len(c.Body))
	}
	return n
}

// clock adapts an injected time function to otter's Clock. It delivers no
// ticks, so otter runs no background sweep for it (see WithClock).
type clock struct {
	now func() time.Time
}

func (c clock) NowNano() int64 { return c.now().UnixNano() }

func (c clock) Tick(time.Duration) <-chan time.Time { return nil }
