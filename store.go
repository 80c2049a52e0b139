package gincache

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is what a Store returns from Get when it holds nothing under the
// key, or only an expired or undecodable entry. Check it with errors.Is: the
// middleware treats it as an ordinary miss, and every other error as a store
// fault (a miss too, but logged and counted).
var ErrNotFound = errors.New("gincache: entry not found")

// Store keeps rendered responses between requests, shared by every route of
// a Cache (and, for a networked store, by every replica).
//
// It is deliberately small: the middleware needs nothing else on its request
// path. Every call gets a context with a deadline; a store must return when it
// expires. Entries handed to Set and returned by Get are shared and must not be
// modified by anyone once stored.
type Store interface {
	// Get returns the entry stored under key, or ErrNotFound.
	Get(ctx context.Context, key string) (*Entry, error)
	// Set stores e under key for ttl, replacing any earlier entry.
	// A ttl of zero or less stores nothing.
	Set(ctx context.Context, key string, e *Entry, ttl time.Duration) error
	// Delete removes the entries under keys. Missing keys are not an error.
	Delete(ctx context.Context, keys ...string) error
}
