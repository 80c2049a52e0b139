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
	// Codings are the representation in other content-codings, kept with
	// the entry when the cache compresses what it stores (WithCompression),
	// so that a hit for any coding is one store read and no compression
	// work. Body, ETag and Header's Content-Encoding are then the first
	// coding the cache chose (gzip, which every client that compresses
	// takes). Nil for every other entry.
	Codings []Coding

	hit *prepared // Header as a replay writes it (prepared.go); nil: iterate Header
}

// Coding is a stored response's representation in one more content-coding
// (RFC 9110 §8.4.1), with the strong ETag that coding is sent with.
type Coding struct {
	// Name is the content-coding: "br", "zstd", "gzip", or "identity".
	Name string
	// ETag is the coding's entity-tag, quoted. The codings of one entry
	// have distinct tags (RFC 9110 §8.8.3), each derived from the identity
	// content and the coding's name, so every replica agrees on them
	// whatever bytes its compressor produced.
	ETag string
	// Size is the length of the body in this coding, known without Body.
	Size int
	// Body is the body in this coding. It is nil when the body is decoded
	// from the entry's Body each time it is sent: identity, which few
	// clients ask for, is not kept twice.
	Body []byte
}
