package bench

import (
	"net/http"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/redisstore"
	"github.com/redis/go-redis/v9"
)

// policy is every cached route's: public, a minute for clients, an hour in
// the store, so no entry expires during a run.
var policy = gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Hour}

// pagePath is the route of the page of one size; sizes get different paths
// (and so different keys) because they may share a store.
func pagePath(size string) string { return "/page-" + size }

// cachedEngine is a gin.New() engine with one route: the gincache policy in
// front of the rendering handler.
func cachedEngine(store gincache.Store, path string, n int) *gin.Engine {
	r := gin.New()
	r.GET(path, gincache.New(store).Handler(policy), renderHandler(n))
	return r
}

// prime serves path once, so the store holds it, and returns the response
// header of the first hit.
func prime(b *testing.B, h http.Handler, path string, n int) http.Header {
	b.Helper()
	w := newDiscardWriter()
	h.ServeHTTP(w, request(path))
	if w.status != http.StatusOK || w.h.Get("X-Cache") != "MISS" {
		b.Fatalf("%s: priming: status %d, X-Cache %q; want 200, MISS", path, w.status, w.h.Get("X-Cache"))
	}
	before := renders.Load()
	w = newDiscardWriter()
	h.ServeHTTP(w, request(path))
	if w.status != http.StatusOK || w.n != n || w.h.Get("X-Cache") != "HIT from Server" || renders.Load() != before {
		b.Fatalf("%s: after priming: status %d, %d bytes, X-Cache %q, %d renders; want 200, %d bytes, a hit, none",
			path, w.status, w.n, w.h.Get("X-Cache"), renders.Load()-before, n)
	}
	return w.h.Clone()
}

// hits runs a hit case on h (primed) and reports any render that happened
// while it ran: a hit benchmark that rendered was not all hits (a store
// timeout under load, say), which the figures must not hide.
func hits(b *testing.B, h http.Handler, path string, n int) {
	b.Helper()
	check(b, h, request(path), want{status: http.StatusOK, bodyN: n, xCache: "HIT from Server"})
	before := renders.Load()
	run(b, h, func() *http.Request { return request(path) }, nil)
	if d := renders.Load() - before; d > 0 {
		b.Logf("WARNING: %d renders during a hit case (store errors or timeouts)", d)
	}
}

// oneCommandPerHit checks, outside the timed loop and where the backend
// counts commands, that a hit costs exactly one Redis command (issue 6).
func oneCommandPerHit(b *testing.B, be *redisBackend, h http.Handler, path string) {
	b.Helper()
	if be.commands == nil {
		return
	}
	const n = 100
	before := be.commands()
	w, req := newDiscardWriter(), request(path)
	for range n {
		w.reset()
		h.ServeHTTP(w, req)
	}
	if got := be.commands() - before; got != n {
		b.Fatalf("%s: %d Redis commands for %d hits; want one each", path, got, n)
	}
}

// BenchmarkGincacheHit is a stored 1 KiB or 32 KiB page replayed by gincache
// from memstore, a real Redis and miniredis.
func BenchmarkGincacheHit(b *testing.B) {
	b.Run("store=memstore", func(b *testing.B) {
		for _, sz := range sizes {
			b.Run("body="+sz.name, func(b *testing.B) {
				path := pagePath(sz.name)
				h := cachedEngine(memstore.New(), path, sz.n)
				prime(b, h, path, sz.n)
				hits(b, h, path, sz.n)
			})
		}
	})
	for _, be := range backends(b) {
		b.Run("store="+be.name, func(b *testing.B) {
			for _, sz := range sizes {
				b.Run("body="+sz.name, func(b *testing.B) {
					path := pagePath(sz.name)
					h := cachedEngine(redisstore.New(be.client, redisstore.WithPrefix(be.prefix)), path, sz.n)
					prime(b, h, path, sz.n)
					oneCommandPerHit(b, be, h, path)
					hits(b, h, path, sz.n)
				})
			}
		})
		if be.name != "redis" {
			continue
		}
		// The client's own timeouts bound each call (WithClientDeadlines):
		// no context deadline, no timer, per hit.
		b.Run("store=redis-client-deadlines", func(b *testing.B) {
			client := redis.NewClient(&redis.Options{Addr: be.addr, ContextTimeoutEnabled: true,
				ReadTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond, MaxRetries: -1})
			b.Cleanup(func() { client.Close() })
			for _, sz := range sizes {
				b.Run("body="+sz.name, func(b *testing.B) {
					path := pagePath(sz.name)
					h := cachedEngine(redisstore.New(client, redisstore.WithPrefix(be.prefix+"cd:"), redisstore.WithClientDeadlines()), path, sz.n)
					prime(b, h, path, sz.n)
					hits(b, h, path, sz.n)
				})
			}
		})
	}
}

// BenchmarkGincacheMiss is a true miss on memstore: every iteration asks for
// a query no request had, so the handler renders, the response is buffered,
// hashed and stored. memstore bounds itself by bytes (64 MiB by default) and
// evicts as it fills. BenchmarkBare is the same handler, requests and queries
// without the cache: the miss target's baseline.
func BenchmarkGincacheMiss(b *testing.B) {
	b.Run("store=memstore", func(b *testing.B) {
		for _, sz := range sizes {
			b.Run("body="+sz.name, func(b *testing.B) {
				path := pagePath(sz.name)
				h := cachedEngine(memstore.New(), path, sz.n)
				req := request(path)
				nextMiss(req)
				check(b, h, req, want{status: http.StatusOK, bodyN: sz.n, xCache: "MISS",
					header: map[string]string{"Cache-Status": "gincache; fwd=uri-miss; stored"}})
				run(b, h, func() *http.Request { return request(path) }, nextMiss)
			})
		}
	})
}

// BenchmarkBare is the rendering handler alone on gin, with the same unique
// queries as BenchmarkGincacheMiss.
func BenchmarkBare(b *testing.B) {
	b.Run("store=none", func(b *testing.B) {
		for _, sz := range sizes {
			b.Run("body="+sz.name, func(b *testing.B) {
				path := pagePath(sz.name)
				h := gin.New()
				h.GET(path, renderHandler(sz.n))
				req := request(path)
				nextMiss(req)
				check(b, h, req, want{status: http.StatusOK, bodyN: sz.n})
				run(b, h, func() *http.Request { return request(path) }, nextMiss)
			})
		}
	})
}

// BenchmarkGincache304 is a revalidation answered from memstore: the
// request's If-None-Match matches the stored ETag, so a 304 with no body.
func BenchmarkGincache304(b *testing.B) {
	b.Run("store=memstore", func(b *testing.B) {
		for _, sz := range sizes {
			b.Run("body="+sz.name, func(b *testing.B) {
				path := pagePath(sz.name)
				h := cachedEngine(memstore.New(), path, sz.n)
				etag := prime(b, h, path, sz.n).Get("Etag")
				newReq := func() *http.Request { return request(path, "If-None-Match", etag) }
				check(b, h, newReq(), want{status: http.StatusNotModified, bodyN: 0, xCache: "HIT from Client",
					header: map[string]string{"Etag": etag}})
				run(b, h, newReq, nil)
			})
		}
	})
}
