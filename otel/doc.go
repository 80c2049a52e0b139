// Package otel exports what a gincache.Cache does to OpenTelemetry: the
// metrics package's series as OTel instruments, and an event on the
// request's span for every outcome and store call.
//
// It is a module of its own (github.com/gincache/gincache/otel), so the
// root module never requires OpenTelemetry. The Observer is a
// gincache.ContextObserver: the Cache hands it the request's context, where
// otelgin (or any tracing middleware) put the request's span. Give the
// Cache both this Observer and the Prometheus one (gincache.WithObserver
// twice) and both see every outcome.
//
// # Quick start
//
//	obs := otel.New() // the global meter provider; otel.WithMeterProvider(mp) for another
//	cache := gincache.New(memstore.New(), gincache.WithObserver(obs))
//
//	r := gin.New()
//	r.Use(otelgin.Middleware("shop")) // before the routes: it starts the span the events go on
//	r.GET("/users/:id", cache.Handler(policy), showUser)
//
// The package name is the directory's; import it under another name
// (gcotel, say) next to go.opentelemetry.io/otel.
//
// # Span events
//
// On the span in the request's context, when it is recording:
//
//	gincache        one outcome; a request has one or more (a miss that is stored is "miss" then "stored")
//	  gincache.outcome           hit, not_modified, miss, stale, collapsed, bypass, uncacheable, stored, revalidated
//	  http.route                 the route pattern ("/users/:id"); absent for a NoRoute request
//	  gincache.reason            why, for bypass and uncacheable (request, authorization, set-cookie, …)
//	  gincache.stored.body.size  the stored body's bytes, for stored
//	gincache.store  one store call
//	  gincache.store.operation   get, set, lock, unlock, delete, purge
//	  gincache.store.result      ok, miss (a get that found nothing), error
//	  gincache.store.duration    seconds
//	  error.type                 for an error: timeout (the store deadline), canceled, or the error's Go type
//
// A background refresh (stale-while-revalidate) runs after the request's
// span has ended; its outcomes are counted but add no events.
//
// # Instruments
//
// From the meter named ScopeName, each the counterpart of a metrics
// package series (last column), with the same counts:
//
//	gincache.requests                   counter {request}   gincache.outcome, http.route   requests_total
//	gincache.bypasses                   counter {request}   gincache.reason, http.route    bypass_total
//	gincache.uncacheable                counter {response}  gincache.reason, http.route    uncacheable_total
//	gincache.stored.responses           counter {response}  http.route                     stored_total
//	gincache.stored.body.size           counter By          http.route                     stored_bytes_total
//	gincache.store.errors               counter {error}     gincache.store.operation       store_errors_total
//	gincache.store.operation.duration   histogram s         gincache.store.operation, gincache.store.result
//
// gincache.requests has the outcomes hit, not_modified, miss, stale,
// collapsed and revalidated; bypass, uncacheable and stored have their own
// instruments, as in Prometheus. A route is its pattern, never the URL, so
// the series are bounded by the application's routes; past that the SDK's
// cardinality limit applies (there is no "other" route as in the metrics
// package).
//
// # Cost
//
// Each (route, outcome, reason) and (operation, result) gets its attribute
// set once; after that a measurement is a map load and an SDK add, and
// allocates nothing (bench_test.go). A span event is built only when the
// span is recording.
package otel
