package gincache

import (
	"net/http"
	"time"
)

// Entry is one stored response. Stores must treat it as immutable once Set:
// the middleware replays its Header and Body to many requests at once without
// copying them.
type Entry struct {
	// Status is the HTTP status code the handler answered with.
	Status int
	// Header holds what the cached handler chain set, minus hop-by-hop fields,
	// Set-Cookie and Date, and including the ETag, Last-Modified and
	// Content-Length the middleware settled on, so a hit replays it as it is.
	// Headers set by middleware outside the cached route are not in it.
	Header http.Header
	// Body is the whole response body.
	Body []byte
	// ETag is the entity-tag, quoted (RFC 9110 §8.8.3), e.g. "\"9f86d081884c7d65\"".
	ETag string
	// LastModified is the representation's modification time, at a precision
	// of one second; the zero time means unknown.
	LastModified time.Time
	// StoredAt is when the response was rendered; Age is computed from it, so
	// every replica reading a shared store reports the same Age.
	StoredAt time.Time
	// Lifetime is how long the response is fresh in the store when its
	// handler said so (StoreFor), travelling with the entry so that every
	// replica serves it for as long; zero, as for every other entry, means
	// the route's Policy.ServerTTL. It is never negative.
	Lifetime time.Duration
}
