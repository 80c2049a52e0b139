// Package metrics exports what a gincache.Cache does as Prometheus series.
//
// The root gincache package reports every outcome (a hit, a 304, a miss, a
// bypass and why, a response it would not store and why) and every store
// call through its small Observer interface, and knows nothing of
// Prometheus. This package is the Observer that turns those reports into
// counters and a latency histogram. It is a module of its own
// (github.com/gincache/gincache/metrics), so only applications that want
// Prometheus pull it in: the root module's go.mod does not mention it.
//
// # Quick start
//
//	m := metrics.New()
//	prometheus.MustRegister(m) // or reg.MustRegister(m) on your own registry
//	cache := gincache.New(memstore.New(), gincache.WithObserver(m))
//
//	r := gin.New()
//	r.GET("/metrics", gin.WrapH(promhttp.Handler())) // promhttp.HandlerFor(reg, …) for your own
//	r.GET("/users/:id", cache.Handler(policy), showUser)
//
// # Series
//
// With the default namespace "gincache":
//
//	gincache_requests_total{route, outcome}        hit, not_modified, miss, stale, collapsed, revalidated
//	gincache_bypass_total{route, reason}           request (client no-cache), authorization, range, method, policy
//	gincache_uncacheable_total{route, reason}      status, set-cookie, cache-control, vary, handler-error, streamed
//	gincache_stored_total{route}                   responses written to the store
//	gincache_stored_bytes_total{route}             their body bytes
//	gincache_store_errors_total{op}                failed store calls: get, set, …
//	gincache_store_duration_seconds{op, result}    store latency; result is ok, miss or error
//
// A request the store was not consulted for is counted in bypass_total and,
// when its handler rendered, also as a miss; requests_total by outcome thus
// adds up to the GET and HEAD requests on caching routes. A get that finds
// nothing (gincache.ErrNotFound) is result="miss", never an error.
//
// # Bounded labels
//
// Every label comes from a small fixed set, and route is the route pattern
// ("/users/:id", gin's FullPath), never the URL, so the number of series
// is bounded by the application's routes. Requests matched to no route (a
// NoRoute handler) are labelled "unmatched". As a guard against the
// application whose routes are themselves unbounded, the distinct route
// labels are capped (WithMaxRoutes, 1000 by default) and later routes are
// counted under "other".
//
// # Cost
//
// Observe and ObserveStore run on the request path. Each (route, outcome)
// is resolved to its counter once; after that an event costs one sync.Map
// load and one atomic add, and allocates nothing.
package metrics
