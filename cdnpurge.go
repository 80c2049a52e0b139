package gincache

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// CDNPurger is the application's client for its CDN's purge API, to which
// (*Cache).PurgeTags fans out: the CDN's copies carry the same tags
// (WithSurrogateKeys), so a purge here purges them there too.
type CDNPurger interface {
	// PurgeTags asks the CDN to drop every response tagged with any of
	// tags, written as SurrogateKey writes them. An error is retried.
	PurgeTags(ctx context.Context, tags []string) error
}

// CDNURLPurger is a CDNPurger that can also purge by URL, for
// (*Cache).PurgeURL. It is optional, found by type assertion.
type CDNURLPurger interface {
	CDNPurger
	// PurgeURLs asks the CDN to drop what it holds for urls, as PurgeURL
	// was given them. An error is retried.
	PurgeURLs(ctx context.Context, urls []string) error
}

// Defaults for the zero CDNPurge.
const (
	DefaultCDNPurgeAttempts   = 5
	DefaultCDNPurgeBackoff    = time.Second
	DefaultCDNPurgeMaxBackoff = time.Minute
	DefaultCDNPurgeTimeout    = 10 * time.Second
	DefaultCDNPurgeQueue      = 256
)

// CDNPurge configures the fan-out of purges to CDNs (WithCDNPurge). Purges
// are sent in the background, one at a time per purger and in order, so
// neither the purge that triggers them nor a request ever waits for a CDN;
// each is retried with exponential backoff, and one that keeps failing is
// given up, counted (Stats.CDNPurgeFailures) and logged. Close waits for
// the queue to drain.
type CDNPurge struct {
	// Purgers receive every tag purge (and URL purge, for a CDNURLPurger).
	// Each has a queue and a worker of its own, so a slow CDN does not hold
	// back another. Empty: no fan-out.
	Purgers []CDNPurger
	// Attempts is how many times a purge is tried before it is given up.
	// Zero means DefaultCDNPurgeAttempts.
	Attempts int
	// Backoff is the wait before the first retry, doubled before each
	// next one up to MaxBackoff. Zero means DefaultCDNPurgeBackoff.
	Backoff time.Duration
	// MaxBackoff bounds the wait between two attempts. Zero means
	// DefaultCDNPurgeMaxBackoff.
	MaxBackoff time.Duration
	// Timeout bounds one attempt. Zero means DefaultCDNPurgeTimeout.
	Timeout time.Duration
	// Queue is how many purges may wait for each purger; one more is
	// dropped, counted (Stats.CDNPurgeDrops) and logged, since a CDN that
	// far behind is down, and waiting would hold the purge that asked.
	// Zero means DefaultCDNPurgeQueue.
	Queue int
}

// WithCDNPurge makes (*Cache).PurgeTags and PurgeURL, and so PurgeHandler,
// fan out to the application's CDN purgers once the store's purge has
// succeeded (before it, a CDN could fetch the page again from a store
// still holding it). The invalidation after an unsafe request does not fan
// out: it would let any client that can write make the application purge
// its CDN. It panics on a nil purger or a negative setting. Stop the
// workers with Close.
func WithCDNPurge(cfg CDNPurge) Option {
	for _, p := range cfg.Purgers {
		if p == nil {
			panic("gincache: WithCDNPurge: nil purger")
		}
	}
	if cfg.Attempts < 0 || cfg.Backoff < 0 || cfg.MaxBackoff < 0 || cfg.Timeout < 0 || cfg.Queue < 0 {
		panic("gincache: WithCDNPurge: negative setting")
	}
	cfg.Attempts = cmpOr(cfg.Attempts, DefaultCDNPurgeAttempts)
	cfg.Backoff = cmpOr(cfg.Backoff, DefaultCDNPurgeBackoff)
	cfg.MaxBackoff = max(cmpOr(cfg.MaxBackoff, DefaultCDNPurgeMaxBackoff), cfg.Backoff)
	cfg.Timeout = cmpOr(cfg.Timeout, DefaultCDNPurgeTimeout)
	cfg.Queue = cmpOr(cfg.Queue, DefaultCDNPurgeQueue)
	return optionFunc(func(c *config) { c.cdnPurge = cfg })
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// cdnJob is one purge for the CDN: tags or URLs.
type cdnJob struct {
	tags, urls []string
}

// cdnQueue is one purger's queue and worker.
type cdnQueue struct {
	p    CDNPurger
	jobs chan cdnJob
}

// cdnFanout is the Cache's fan-out to its CDN purgers.
type cdnFanout struct {
	cfg    CDNPurge
	queues []*cdnQueue
	log    errorLog
	stop   context.CancelFunc // cuts the attempts and backoffs in progress short (Close)
	done   sync.WaitGroup     // the workers

	mu     sync.RWMutex // guards closed against the sends that race with Close
	closed bool

	sent, retries, failures, drops atomic.Uint64
}

// startCDN starts a worker per purger; nil when there are none.
func startCDN(cfg CDNPurge, logger *slog.Logger) *cdnFanout {
	if len(cfg.Purgers) == 0 {
		return nil
	}
	f := &cdnFanout{cfg: cfg, log: errorLog{logger: logger, every: errorLogInterval, msg: "gincache: CDN purge failed"}}
	ctx, stop := context.WithCancel(context.Background())
	f.stop = stop
	for _, p := range cfg.Purgers {
		q := &cdnQueue{p: p, jobs: make(chan cdnJob, cfg.Queue)}
		f.queues = append(f.queues, q)
		f.done.Add(1)
		go func() {
			defer f.done.Done()
			for j := range q.jobs {
				f.run(ctx, q.p, j)
			}
		}()
	}
	return f
}

// enqueue hands j to every purger's worker without waiting; a full queue
// drops it.
func (f *cdnFanout) enqueue(j cdnJob) {
	if f == nil || len(j.tags) == 0 && len(j.urls) == 0 {
		return
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		f.drops.Add(1)
		f.log.report(time.Now(), "cdn-purge", "", errCDNClosed)
		return
	}
	for _, q := range f.queues {
		if _, ok := q.p.(CDNURLPurger); len(j.tags) == 0 && !ok {
			continue
		}
		select {
		case q.jobs <- j:
			continue
		default:
		}
		f.drops.Add(1)
		f.log.report(time.Now(), "cdn-purge", "", errCDNQueue)
	}
}

var (
	errCDNQueue  = errors.New("gincache: CDN purge queue full; purge dropped")
	errCDNClosed = errors.New("gincache: the Cache is closed; CDN purge dropped")
)

// run tries j against p until it succeeds, Attempts run out or the fan-out
// is closed.
func (f *cdnFanout) run(ctx context.Context, p CDNPurger, j cdnJob) {
	wait := f.cfg.Backoff
	var err error
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
		if len(j.tags) > 0 {
			err = p.PurgeTags(actx, j.tags)
		} else {
			err = p.(CDNURLPurger).PurgeURLs(actx, j.urls)
		}
		cancel()
		if err == nil {
			f.sent.Add(1)
			return
		}
		if attempt >= f.cfg.Attempts || ctx.Err() != nil {
			break
		}
		f.retries.Add(1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		wait = min(2*wait, f.cfg.MaxBackoff)
	}
	f.failures.Add(1)
	key := "tags"
	if len(j.tags) == 0 {
		key = "urls"
	}
	f.log.logger.Warn("gincache: CDN purge given up", key, append(j.tags, j.urls...), "attempts", f.cfg.Attempts, "err", err)
}

// close stops taking purges and waits for the queued ones until ctx is
// done, then cuts the rest short.
func (f *cdnFanout) close(ctx context.Context) error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	if !f.closed {
		f.closed = true
		for _, q := range f.queues {
			close(q.jobs)
		}
	}
	f.mu.Unlock()
	drained := make(chan struct{})
	go func() { f.done.Wait(); close(drained) }()
	select {
	case <-drained:
		f.stop()
		return nil
	case <-ctx.Done():
		f.stop() // the attempts and waits in progress end; what is queued is given up
		<-drained
		return ctx.Err()
	}
}

// fanOutTags sends tags, as the application named them, to the CDNs.
func (c *Cache) fanOutTags(tags []string) {
	if c.cdn == nil || len(tags) == 0 {
		return
	}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		if k := SurrogateKey(t); k != "" {
			keys = append(keys, k)
		}
	}
	c.cdn.enqueue(cdnJob{tags: keys})
}

// fanOutURL sends a purged URL to the CDNs that purge by URL.
func (c *Cache) fanOutURL(rawURL string) {
	if c.cdn != nil {
		c.cdn.enqueue(cdnJob{urls: []string{rawURL}})
	}
}

// Close stops the Cache's background work for a graceful shutdown: it
// waits, until ctx is done, for the queued CDN purges (WithCDNPurge) to be
// sent or given up, then for the background refreshes (Wait). A purge after
// Close still purges the store, but no longer reaches the CDNs; it is
// counted as dropped. It returns ctx's error when the queue did not drain
// in time, the purges left being given up.
func (c *Cache) Close(ctx context.Context) error {
	err := c.cdn.close(ctx)
	c.Wait()
	return err
}

// withCDN adds the fan-out's counters to s.
func (s Stats) withCDN(f *cdnFanout) Stats {
	if f != nil {
		s.CDNPurges, s.CDNPurgeRetries = f.sent.Load(), f.retries.Load()
		s.CDNPurgeFailures, s.CDNPurgeDrops = f.failures.Load(), f.drops.Load()
	}
	return s
}
