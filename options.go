package gincache

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Defaults for the zero configuration.
const (
	// DefaultMaxBodySize is the largest body kept in the store; a larger
	// response streams through to the client unstored.
	DefaultMaxBodySize = 1 << 20
	// DefaultStoreTimeout bounds every store call, so a slow store delays a
	// request by at most this much before it is served by the handler.
	DefaultStoreTimeout = 100 * time.Millisecond
	// DefaultCoalesceTimeout bounds how long a request waits for another
	// request's (or replica's) render of the same page before it renders
	// for itself.
	DefaultCoalesceTimeout = 5 * time.Second
	// DefaultRefreshTimeout bounds a background refresh.
	DefaultRefreshTimeout = 30 * time.Second
)

// Option configures a Cache. The zero configuration is useful on its own:
// no key prefix, 1 MiB bodies, 100 ms store calls, warnings to slog.Default,
// only 200 responses stored, and a client's no-cache honoured.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	prefix         string
	maxBody        int
	timeout        time.Duration
	logger         *slog.Logger
	statuses       map[int]bool
	honourNoCache  bool
	now            func() time.Time
	observer       ContextObserver
	coalesceWait   time.Duration
	refreshTimeout time.Duration
	scheme         func(*http.Request) string // nil: the connection's (TLS or not)
}

func defaultConfig() config {
	return config{
		maxBody:        DefaultMaxBodySize,
		timeout:        DefaultStoreTimeout,
		logger:         slog.Default(),
		statuses:       map[int]bool{http.StatusOK: true},
		honourNoCache:  true,
		coalesceWait:   DefaultCoalesceTimeout,
		refreshTimeout: DefaultRefreshTimeout,
		now:            time.Now,
	}
}

// WithKeyPrefix puts prefix before every key the Cache builds, so several
// applications (or versions of one) can share a store without sharing entries.
func WithKeyPrefix(prefix string) Option {
	return optionFunc(func(c *config) { c.prefix = prefix })
}

// WithMaxBodySize sets the largest body kept in the store. A response that
// grows past it is streamed to the client as it is written and not stored.
// Zero or less keeps the default, DefaultMaxBodySize.
func WithMaxBodySize(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	})
}

// WithStoreTimeout bounds each store call. When it expires the request is
// served as a miss. Zero or less keeps the default, DefaultStoreTimeout.
func WithStoreTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.timeout = d
		}
	})
}

// WithLogger sets where store errors are reported (at most one line every
// few seconds, with a count of those left out). Nil keeps slog.Default.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.logger = l
		}
	})
}

// WithStatuses sets the response statuses that are cacheable: stored, given
// the policy's Cache-Control and validators. The default is 200 alone; add
// e.g. 404 or 410 for negative caching, or 301. A status outside the set is
// passed through with the handler's own headers. Partial content (206),
// 304 and informational statuses are refused with a panic.
func WithStatuses(codes ...int) Option {
	m := make(map[int]bool, len(codes))
	for _, code := range codes {
		if code < 200 || code > 599 || code == http.StatusPartialContent || code == http.StatusNotModified {
			panic(fmt.Sprintf("gincache: WithStatuses: status %d cannot be stored", code))
		}
		m[code] = true
	}
	return optionFunc(func(c *config) { c.statuses = m })
}

// WithRequestNoCache says whether a client's "Cache-Control: no-cache" (or
// "Pragma: no-cache"), which browsers send on a hard reload, makes the
// middleware re-render and refresh the store. The default is true, as RFC 9111
// §5.2.1.4 asks; false protects every route of the Cache from re-rendering on
// demand. Policy.IgnoreRequestNoCache does the same for one route.
func WithRequestNoCache(honour bool) Option {
	return optionFunc(func(c *config) { c.honourNoCache = honour })
}

// WithCoalesceTimeout bounds how long concurrent misses for one key wait for
// the request that renders it (in this process, or on another replica when
// the store is a Locker) before rendering for themselves; it is also how long
// a replica's render lock lasts. Zero or less keeps DefaultCoalesceTimeout.
func WithCoalesceTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.coalesceWait = d
		}
	})
}

// WithRefreshTimeout bounds a background refresh (stale-while-revalidate).
// Zero or less keeps DefaultRefreshTimeout.
func WithRefreshTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.refreshTimeout = d
		}
	})
}

// WithClock sets the source of the current time, for tests. Nil keeps time.Now.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now = now
		}
	})
}

// WithScheme names the source of a request's scheme, which every key holds
// (RFC 9111 §2: the target URI): an http-to-https redirect stored for a
// plain-HTTP request must never reach an HTTPS client. Without it the scheme
// is the connection's: https when the request came over TLS. Behind a proxy
// that terminates TLS, return what the proxy says, from a header it always
// overwrites (never one a client can set past it), e.g.
//
//	gincache.WithScheme(func(r *http.Request) string { return r.Header.Get("X-Forwarded-Proto") })
//
// Any answer but "https" (in any case) counts as http, so no client can
// multiply the keys of a page by inventing schemes.
func WithScheme(scheme func(r *http.Request) string) Option {
	return optionFunc(func(c *config) { c.scheme = scheme })
}

// https reports whether r is to be keyed as an https request.
func (c *config) https(r *http.Request) bool {
	if c.scheme == nil {
		return r.TLS != nil
	}
	return strings.EqualFold(c.scheme(r), "https")
}
