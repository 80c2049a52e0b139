package gincache

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Cache is the server side of gincache: a Store plus the configuration every
// route shares. Create one per application (or per store) with New, then
// give each route a policy with Handler. A Cache is safe for concurrent use.
type Cache struct {
	store Store
	cfg   config
	log   errorLog
	stats counters
}

// New returns a Cache that keeps responses in store. It panics on a nil
// store: a route that should store nothing says so with ServerTTL 0.
func New(store Store, opts ...Option) *Cache {
	if store == nil {
		panic("gincache: New: nil Store")
	}
	c := &Cache{store: store, cfg: defaultConfig()}
	for _, o := range opts {
		o.apply(&c.cfg)
	}
	c.log = errorLog{logger: c.cfg.logger, every: errorLogInterval}
	return c
}

// Stats counts what the Cache did since it was created.
type Stats struct {
	Hits        uint64 // full responses served from the store
	NotModified uint64 // 304s, from the store or after a render
	Misses      uint64 // GET and HEAD requests the handler rendered
	Stored      uint64 // responses written to the store
	Uncacheable uint64 // rendered responses not stored (status, cookie, size…)
	StoreErrors uint64 // store calls that failed or timed out; each was a miss
}

type counters struct {
	hits, notModified, misses, stored, uncacheable, storeErrors atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (c *Cache) Stats() Stats {
	return Stats{
		Hits:        c.stats.hits.Load(),
		NotModified: c.stats.notModified.Load(),
		Misses:      c.stats.misses.Load(),
		Stored:      c.stats.stored.Load(),
		Uncacheable: c.stats.uncacheable.Load(),
		StoreErrors: c.stats.storeErrors.Load(),
	}
}

// get looks key up within the store deadline (RFC-CHECKLIST L6). Any error
// but ErrNotFound is a store fault: logged, counted, and still a miss.
func (c *Cache) get(ctx context.Context, key string) (*Entry, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	e, err := c.store.Get(ctx, key)
	switch {
	case err == nil && e == nil:
		return nil, ErrNotFound
	case err != nil && !errors.Is(err, ErrNotFound):
		c.fault("get", key, err)
	}
	return e, err
}

// set stores e. It runs on a context detached from the request's
// cancellation, so a client that hangs up as its page renders does not
// waste the render, but still within the store deadline.
func (c *Cache) set(ctx context.Context, key string, e *Entry, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.timeout)
	defer cancel()
	err := c.store.Set(ctx, key, e, ttl)
	if err != nil {
		c.fault("set", key, err)
	}
	return err
}

func (c *Cache) fault(op, key string, err error) {
	c.stats.storeErrors.Add(1)
	c.log.report(c.cfg.now(), op, key, err)
}
