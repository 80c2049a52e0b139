package gincache

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Cache is the server side of gincache: a Store plus the configuration every
// route shares. Create one per application (or per store) with New, then
// give each route a policy with Handler. A Cache is safe for concurrent use.
type Cache struct {
	store      Store
	cfg        config
	log        errorLog
	versionLog errorLog // Policy.Version's errors
	stats      counters
	flights    flights                            // renders in progress, for coalescing
	background sync.WaitGroup                     // background refreshes
	chains     atomic.Pointer[map[chainKey]chain] // routes' chains, for Default; copied on write
	chainsMu   sync.Mutex                         // serialises writers of chains
	bounded    bool                               // the store bounds its own calls (Bounded)
	borrow     bool                               // the store's Get keeps no key (KeyBorrower)
	cdn        *cdnFanout                         // WithCDNPurge's workers; nil: none (cdnpurge.go)
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
	c.versionLog = errorLog{logger: c.cfg.logger, every: errorLogInterval, msg: "gincache: Policy.Version failed; serving as if it had no version"}
	_, c.bounded = store.(Bounded)
	_, c.borrow = store.(KeyBorrower)
	c.cdn = startCDN(c.cfg.cdnPurge, c.cfg.logger)
	return c
}

// Stats counts what the Cache did since it was created. Each counter is the
// number of events of one kind the Observer receives (see EventKind): one
// request can count twice, e.g. a 304 answered from a concurrent request's
// render is Collapsed and NotModified.
type Stats struct {
	Hits        uint64 // full responses served fresh from the store (EventHit)
	NotModified uint64 // 304s, from the store or after a render (EventNotModified)
	Misses      uint64 // GET and HEAD requests the handler rendered (EventMiss)
	Collapsed   uint64 // requests answered by another request's render (EventCollapsed)
	Stale       uint64 // stale responses served, while revalidating or instead of an error (EventStale)
	Revalidated uint64 // stored responses the handler validated with a 304, then served (EventRevalidated)
	Bypassed    uint64 // requests the store was not consulted for (EventBypass)
	Stored      uint64 // responses written to the store (EventStored)
	Uncacheable uint64 // rendered responses not stored: status, cookie, size… (EventUncacheable)
	StoreErrors uint64 // store calls that failed or timed out: lookups (each a miss), stores, locks, deletes and purges
	// VersionErrors counts the calls of a Policy.Version that failed; each
	// request was served as if the policy had no Version (fail open).
	VersionErrors uint64
	// CDNPurges counts the purges sent to a CDN purger (WithCDNPurge), one
	// per purger; CDNPurgeRetries the failed attempts that were retried,
	// CDNPurgeFailures the purges given up after their last attempt, and
	// CDNPurgeDrops those never sent, their queue full or the Cache closed.
	CDNPurges, CDNPurgeRetries, CDNPurgeFailures, CDNPurgeDrops uint64
}

// Stats returns a snapshot of the counters.
func (c *Cache) Stats() Stats {
	ev := c.stats.events
	return Stats{
		Hits:        ev(EventHit),
		NotModified: ev(EventNotModified),
		Misses:      ev(EventMiss),
		Collapsed:   ev(EventCollapsed),
		Stale:       ev(EventStale),
		Revalidated: ev(EventRevalidated),
		Bypassed:    ev(EventBypass),
		Stored:      ev(EventStored),
		Uncacheable: ev(EventUncacheable),
		StoreErrors: c.stats.storeErrors.Load(),

		VersionErrors: c.stats.versionErrors.Load(),
	}.withCDN(c.cdn)
}

// get looks key up within the store deadline (every store call has a deadline). Any error
// but ErrNotFound is a store fault: logged, counted, and still a miss.
func (c *Cache) get(ctx context.Context, key string) (*Entry, error) {
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	start := c.latencyStart()
	e, err := c.store.Get(ctx, key)
	c.observeStore(ctx, "get", start, err)
	switch {
	case err == nil && e == nil:
		return nil, ErrNotFound
	case err != nil && !errors.Is(err, ErrNotFound):
		c.fault("get", key, err)
	}
	return e, err
}

// set stores e, with its tags when the store keeps them. It runs on a
// context detached from the request's cancellation, so a client that hangs
// up as its page renders does not waste the render, but still within the
// store deadline.
func (c *Cache) set(ctx context.Context, key string, e *Entry, ttl time.Duration, tags []string) error {
	ctx, cancel := c.deadline(context.WithoutCancel(ctx))
	defer cancel()
	var err error
	start := c.latencyStart()
	if tg, ok := c.store.(Tagger); ok {
		err = tg.SetTagged(ctx, key, e, ttl, tags)
	} else {
		err = c.store.Set(ctx, key, e, ttl)
	}
	c.observeStore(ctx, "set", start, err)
	if err != nil {
		c.fault("set", key, err)
	}
	return err
}

// tryLock takes the cross-replica render lock for key, for at most ttl.
func (c *Cache) tryLock(ctx context.Context, lk Locker, key string, ttl time.Duration) (string, bool, error) {
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	start := c.latencyStart()
	token, ok, err := lk.TryLock(ctx, key, ttl)
	c.observeStore(ctx, "lock", start, err)
	if err != nil {
		c.fault("lock", key, err)
	}
	return token, ok, err
}

// unlock releases the render lock, detached from the request like set.
func (c *Cache) unlock(ctx context.Context, key, token string) {
	lk, ok := c.store.(Locker)
	if !ok {
		return
	}
	ctx, cancel := c.deadline(context.WithoutCancel(ctx))
	defer cancel()
	start := c.latencyStart()
	err := lk.Unlock(ctx, key, token)
	c.observeStore(ctx, "unlock", start, err)
	if err != nil {
		c.fault("unlock", key, err)
	}
}

// delete removes keys from the store, observed. The caller decides what a
// failure means (a purge returns it, a dropped variant is a fault).
func (c *Cache) delete(ctx context.Context, keys ...string) error {
	start := c.latencyStart()
	err := c.store.Delete(ctx, keys...)
	c.observeStore(ctx, "delete", start, err)
	return err
}

// purgeTags drops the entries of tags, observed.
func (c *Cache) purgeTags(ctx context.Context, tg Tagger, tags ...string) error {
	start := c.latencyStart()
	err := tg.PurgeTags(ctx, tags...)
	c.observeStore(ctx, "purge", start, err)
	return err
}

// Wait blocks until the background refreshes under way have finished, for a
// graceful shutdown (and for tests).
func (c *Cache) Wait() {
	c.background.Wait()
}

// deadline bounds a store call by the store timeout (every store call has a deadline),
// unless the store bounds its own calls (Bounded), where a second timer
// would only cost.
func (c *Cache) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.bounded {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.cfg.timeout)
}

// latencyStart is the wall clock for store latencies, read only when
// observed (the injected cfg.now is for ages and expiry, not latencies).
func (c *Cache) latencyStart() time.Time {
	if c.cfg.observer == nil {
		return time.Time{}
	}
	return time.Now()
}

// fault logs a store failure the middleware absorbed (observeStore counted
// it), at a sane rate.
func (c *Cache) fault(op, key string, err error) {
	c.log.report(c.cfg.now(), op, strings.Clone(key), err) // a hit's key may be borrowed

}
