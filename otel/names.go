package otel

import "go.opentelemetry.io/otel/attribute"

// Span event names, in the style of the semantic conventions' "exception"
// event: the event is named for the namespace its attributes live in.
const (
	eventName      = "gincache"       // one outcome of a request on a caching route
	storeEventName = "gincache.store" // one store call
)

// Attribute keys, shared by the span events and the metric instruments.
// http.route is the semantic conventions' own key for the route template.
const (
	attrRoute          = attribute.Key("http.route")                // "/users/:id"; absent for a NoRoute request
	attrOutcome        = attribute.Key("gincache.outcome")          // gincache.EventKind.String(): hit, miss, stored, …
	attrReason         = attribute.Key("gincache.reason")           // why, for bypass and uncacheable
	attrStoredBodySize = attribute.Key("gincache.stored.body.size") // bytes, on a stored event
	attrStoreOp        = attribute.Key("gincache.store.operation")  // get, set, lock, unlock, delete, purge
	attrStoreResult    = attribute.Key("gincache.store.result")     // ok, miss, error
	attrStoreDuration  = attribute.Key("gincache.store.duration")   // seconds, on a store event
	attrErrorType      = attribute.Key("error.type")                // a failed store call's error: timeout, canceled or a Go type
)
