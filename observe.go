package gincache

import (
	"context"
	"errors"
	"time"
	"unsafe"

	"github.com/gin-gonic/gin"
)

// Observer receives what the middleware does, for metrics (the metrics
// package turns it into Prometheus series). Its methods run on the request
// path: they must be fast, safe for concurrent use, and must not keep ev.
type Observer interface {
	// Observe reports one outcome for a request on a caching route.
	Observe(ev Event)
	// ObserveStore reports one store call ("get", "set", "delete",
	// "purge", "lock", "unlock"), how long it took and how it ended;
	// ErrNotFound on a get is a miss, not a failure.
	ObserveStore(op string, took time.Duration, err error)
}

// Event is one outcome of a request on a caching route.
type Event struct {
	// Route is the route's pattern (gin's FullPath, e.g. "/users/:id"),
	// never the raw URL, so a metric labelled with it stays bounded.
	Route string
	Kind  EventKind
	// Reason says why, for EventBypass ("request", "authorization",
	// "range", "method") and EventUncacheable ("status", "set-cookie",
	// "streamed", …).
	Reason string
	// Bytes is the stored body's size, for EventStored.
	Bytes int
}

// EventKind names an outcome.
type EventKind int

const (
	EventHit         EventKind = iota // a fresh response from the store
	EventNotModified                  // a 304, from the store or after a render
	EventMiss                         // the handler rendered (GET or HEAD)
	EventStale                        // a stale response, while revalidating or instead of an error
	EventCollapsed                    // answered by a concurrent request's render
	EventBypass                       // the store was not consulted (see Reason)
	EventUncacheable                  // rendered but not stored (see Reason)
	EventStored                       // written to the store (see Bytes)
	EventRevalidated                  // a stored response the handler validated with a 304 (SharedCache)

	numEventKinds = iota
)

var eventNames = [numEventKinds]string{"hit", "not_modified", "miss", "stale", "collapsed", "bypass", "uncacheable", "stored", "revalidated"}

// String returns the kind's name, as the metrics package labels it.
func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "unknown"
}

// ContextObserver is an Observer that also wants the request's context with
// each outcome and store call, to find what the context carries (the active
// span of a trace, as otelgin starts it). When an Observer given to
// WithObserver implements it, the Cache calls these methods instead of
// Observe and ObserveStore. The context must not be kept.
type ContextObserver interface {
	Observer
	ObserveContext(ctx context.Context, ev Event)
	ObserveStoreContext(ctx context.Context, op string, took time.Duration, err error)
}

// WithObserver sends the middleware's outcomes and store calls to o. Given
// more than once, every observer gets every outcome (Prometheus and
// OpenTelemetry side by side). Nil, the default, observes nothing.
func WithObserver(o Observer) Option {
	return optionFunc(func(c *config) {
		switch {
		case o == nil:
		case c.observer == nil:
			c.observer = toContextObserver(o)
		default:
			c.observer = fanOut{c.observer, toContextObserver(o)}
		}
	})
}

// toContextObserver gives o the context methods, which a plain Observer
// ignores.
func toContextObserver(o Observer) ContextObserver {
	if co, ok := o.(ContextObserver); ok {
		return co
	}
	return plainObserver{o}
}

type plainObserver struct{ Observer }

func (p plainObserver) ObserveContext(_ context.Context, ev Event) { p.Observe(ev) }
func (p plainObserver) ObserveStoreContext(_ context.Context, op string, took time.Duration, err error) {
	p.ObserveStore(op, took, err)
}

// fanOut is two observers as one.
type fanOut [2]ContextObserver

func (f fanOut) Observe(ev Event) { f[0].Observe(ev); f[1].Observe(ev) }
func (f fanOut) ObserveStore(op string, took time.Duration, err error) {
	f[0].ObserveStore(op, took, err)
	f[1].ObserveStore(op, took, err)
}
func (f fanOut) ObserveContext(ctx context.Context, ev Event) {
	f[0].ObserveContext(ctx, ev)
	f[1].ObserveContext(ctx, ev)
}
func (f fanOut) ObserveStoreContext(ctx context.Context, op string, took time.Duration, err error) {
	f[0].ObserveStoreContext(ctx, op, took, err)
	f[1].ObserveStoreContext(ctx, op, took, err)
}

// observe records an outcome for gc's route: the one place every outcome
// goes, so Stats, the Observer (Prometheus, OpenTelemetry) and anything
// built on them agree.
func (c *Cache) observe(gc *gin.Context, kind EventKind, reason string, bytes int) {
	c.stats.add(unsafe.Pointer(gc), kind)
	if c.cfg.observer != nil {
		c.cfg.observer.ObserveContext(gc.Request.Context(), Event{Route: gc.FullPath(), Kind: kind, Reason: reason, Bytes: bytes})
	}
}

// observeStore records a store call made with ctx that started at start:
// the one place store calls are counted (a failure in Stats.StoreErrors)
// and reported, so Stats and the Observer agree on every operation.
func (c *Cache) observeStore(ctx context.Context, op string, start time.Time, err error) {
	if err != nil && !errors.Is(err, ErrNotFound) {
		c.stats.storeErrors.Add(1)
	}
	if c.cfg.observer != nil {
		c.cfg.observer.ObserveStoreContext(ctx, op, time.Since(start), err)
	}
}
