package redisstore

import (
	"fmt"
	"log/slog"
	"time"
)

// Option configures a Store; pass options to New.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	prefix     string
	timeout    time.Duration
	threshold  int
	backoff    time.Duration
	maxBackoff time.Duration
	logger     *slog.Logger // nil: slog.Default() when logging
	now        func() time.Time
	// clientDeadlines: the client's own timeouts bound every call
	// (WithClientDeadlines), so a call gets no context deadline of ours.
	clientDeadlines bool
}

func defaultConfig() config {
	return config{
		prefix:     "gincache:",
		timeout:    100 * time.Millisecond,
		threshold:  5,
		backoff:    time.Second,
		maxBackoff: 30 * time.Second,
		now:        time.Now,
	}
}

// validate panics on a configuration that cannot work, so a mistake shows
// when the store is built, never while serving.
func (c *config) validate() {
	switch {
	case c.timeout <= 0:
		panic(fmt.Sprintf("redisstore: WithTimeout(%v): timeout must be positive", c.timeout))
	case c.threshold < 1:
		panic(fmt.Sprintf("redisstore: WithBreaker: %d failures; want at least 1", c.threshold))
	case c.backoff <= 0 || c.maxBackoff < c.backoff:
		panic(fmt.Sprintf("redisstore: WithBreaker: back-off %v up to %v; want 0 < back-off <= max", c.backoff, c.maxBackoff))
	}
}

// WithPrefix sets the prefix of every Redis key the store uses, so several
// applications can share one Redis and an operator can find the cache's keys.
// The default is "gincache:"; an empty prefix is allowed.
func WithPrefix(prefix string) Option {
	return optionFunc(func(c *config) { c.prefix = prefix })
}

// WithTimeout sets the deadline of every call to Redis, counted from the
// call and never later than the caller's own deadline. Keep it small: a cache
// that answers slower than the handler renders is worth nothing. The default
// is 100ms; New panics on a timeout that is not positive.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.timeout = d })
}

// WithBreaker sets the circuit breaker: after failures consecutive failed
// calls the store is skipped (calls return ErrUnavailable) for backoff, then
// one probe call is let through; each failed probe doubles the back-off, up to
// maxBackoff. The defaults are 5, 1s and 30s. New panics unless failures >= 1
// and 0 < backoff <= maxBackoff.
func WithBreaker(failures int, backoff, maxBackoff time.Duration) Option {
	return optionFunc(func(c *config) {
		c.threshold, c.backoff, c.maxBackoff = failures, backoff, maxBackoff
	})
}

// WithLogger sets where failures, breaker openings and recovery are logged.
// Nil, the default, means slog.Default() at the time of logging; to log
// nothing pass slog.New(slog.DiscardHandler).
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = l })
}

// withClock replaces time.Now for the breaker and the log limiter, so tests
// skip a back-off instead of sleeping through it.
func withClock(now func() time.Time) Option {
	return optionFunc(func(c *config) { c.now = now })
}

// WithClientDeadlines says the go-redis client's own timeouts bound every
// call, so the store adds no context deadline of its own to gets, sets and
// locks: on a hit that saves a timer and five allocations. New checks the
// client: ReadTimeout and WriteTimeout must be set and no longer than the
// store's timeout (WithTimeout, 100ms by default), and MaxRetries must be -1
// (a retried call could otherwise take several timeouts); it panics if they
// are not. A purge keeps its own deadlines either way.
//
//	client := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 100 * time.Millisecond,
//		WriteTimeout: 100 * time.Millisecond, MaxRetries: -1, ContextTimeoutEnabled: true})
//	store := redisstore.New(client, redisstore.WithClientDeadlines())
func WithClientDeadlines() Option {
	return optionFunc(func(c *config) { c.clientDeadlines = true })
}
