package gincache_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

// staleEnv serves "v1", "v2"… under a policy fresh for 60 s, served stale
// while revalidating for 30 s more, and instead of an error for 300 s.
func staleEnv(t *testing.T, fail func(version int64, c *gin.Context) bool) (*env, *atomic.Int64) {
	t.Helper()
	var version atomic.Int64
	p := gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute,
		StaleWhileRevalidate: 30 * time.Second, StaleIfError: 5 * time.Minute}
	e := newEnv(t, p, func(c *gin.Context) {
		v := version.Add(1)
		if fail != nil && fail(v, c) {
			return
		}
		c.String(200, "v%d", v)
	})
	return e, &version
}

// TestStaleWhileRevalidate (RFC 5861, RFC 5861 §3).
func TestStaleWhileRevalidate(t *testing.T) {
	e, _ := staleEnv(t, nil)
	runAll(t, e.do(http.MethodGet, "/page"), hasBody("v1"),
		hasHeader("Cache-Control", "public, max-age=60, stale-while-revalidate=30, stale-if-error=300"))

	e.clock.Advance(61 * time.Second)
	runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasBody("v1"), hasHeader("Age", "61"),
		hasHeader("Cache-Status", "gincache; hit; ttl=-1; detail=stale-while-revalidate"), hasHeader("X-Cache", "HIT from Server"))
	e.cache.Wait()
	e.wantRuns(2)
	runAll(t, e.do(http.MethodGet, "/page"), hasBody("v2"), hasHeader("Age", "0"), hasHeader("Cache-Status", "gincache; hit; ttl=60"))
	e.wantRuns(2)
	if s := e.cache.Stats(); s.Stale != 1 {
		t.Errorf("Stats().Stale = %d; want 1", s.Stale)
	}
}

// TestStaleWhileRevalidateRefreshesOnce: many requests in the stale window
// start exactly one background refresh.
func TestStaleWhileRevalidateRefreshesOnce(t *testing.T) {
	release := make(chan struct{})
	e, _ := staleEnv(t, func(v int64, c *gin.Context) bool {
		if v > 1 {
			<-release // hold the refresh until every stale request is answered
		}
		return false
	})
	e.do(http.MethodGet, "/page")
	e.clock.Advance(70 * time.Second)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			runAll(t, e.do(http.MethodGet, "/page"), hasBody("v1"),
				hasHeader("Cache-Status", "gincache; hit; ttl=-10; detail=stale-while-revalidate"))
		})
	}
	wg.Wait()
	close(release)
	e.cache.Wait()
	e.wantRuns(2)
	runAll(t, e.do(http.MethodGet, "/page"), hasBody("v2"), hasHeader("X-Cache", "HIT from Server"))
}

// TestStaleWhileRevalidateFailedRefresh: a refresh that fails or panics
// leaves the stale entry, which the next request serves again.
func TestStaleWhileRevalidateFailedRefresh(t *testing.T) {
	for _, fail := range []struct {
		name string
		fn   func(int64, *gin.Context) bool
	}{
		{"500", func(v int64, c *gin.Context) bool { c.String(500, "down"); return v > 1 }},
		{"panic", func(v int64, c *gin.Context) bool {
			if v > 1 {
				panic("refresh fails")
			}
			return false
		}},
	} {
		t.Run(fail.name, func(t *testing.T) {
			e, _ := staleEnv(t, func(v int64, c *gin.Context) bool {
				if v == 1 {
					return false
				}
				return fail.fn(v, c)
			})
			e.do(http.MethodGet, "/page")
			e.clock.Advance(61 * time.Second)
			runAll(t, e.do(http.MethodGet, "/page"), hasBody("v1"))
			e.cache.Wait()
			runAll(t, e.do(http.MethodGet, "/page"), hasBody("v1"), hasHeader("Cache-Status", "gincache; hit; ttl=-1; detail=stale-while-revalidate"))
			e.cache.Wait()
			e.wantRuns(3)
		})
	}
}

// TestStaleIfError (RFC 5861, RFC 5861 §4): past the revalidation
// window, a failed render is replaced by the stale response.
func TestStaleIfError(t *testing.T) {
	tests := []struct {
		name   string
		fail   func(*gin.Context)
		status int
	}{
		{"500", func(c *gin.Context) { c.String(500, "boom") }, 500},
		{"502", func(c *gin.Context) { c.String(502, "bad gateway") }, 502},
		{"503", func(c *gin.Context) { c.String(503, "busy") }, 503},
		{"504", func(c *gin.Context) { c.String(504, "slow") }, 504},
		{"panic", func(c *gin.Context) { panic("boom") }, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := staleEnv(t, func(v int64, c *gin.Context) bool {
				if v > 1 {
					tt.fail(c)
					return true
				}
				return false
			})
			e.do(http.MethodGet, "/page")
			e.clock.Advance(2 * time.Minute) // past ServerTTL + StaleWhileRevalidate
			runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasBody("v1"), hasHeader("Age", "120"),
				hasHeader("Cache-Status", fmt.Sprintf("gincache; fwd=stale; fwd-status=%d; detail=stale-if-error", tt.status)),
				hasHeader("X-Cache", "HIT from Server"))
			e.wantRuns(2)
		})
	}
	t.Run("a 404 is not an error to hide", func(t *testing.T) {
		e, _ := staleEnv(t, func(v int64, c *gin.Context) bool {
			if v > 1 {
				c.String(404, "gone")
				return true
			}
			return false
		})
		e.do(http.MethodGet, "/page")
		e.clock.Advance(2 * time.Minute)
		runAll(t, e.do(http.MethodGet, "/page"), hasStatus(404), hasBody("gone"))
	})
	t.Run("a success replaces the stale entry", func(t *testing.T) {
		e, _ := staleEnv(t, nil)
		e.do(http.MethodGet, "/page")
		e.clock.Advance(2 * time.Minute)
		runAll(t, e.do(http.MethodGet, "/page"), hasBody("v2"), hasHeader("Cache-Status", "gincache; fwd=stale; stored"))
		runAll(t, e.do(http.MethodGet, "/page"), hasBody("v2"), hasHeader("X-Cache", "HIT from Server"))
	})
	t.Run("past the window the error goes through", func(t *testing.T) {
		e, _ := staleEnv(t, func(v int64, c *gin.Context) bool {
			if v > 1 {
				c.String(503, "busy")
				return true
			}
			return false
		})
		e.do(http.MethodGet, "/page")
		e.clock.Advance(7 * time.Minute)
		runAll(t, e.do(http.MethodGet, "/page"), hasStatus(503), hasBody("busy"))
	})
}

// TestStaleWhileRevalidateHeadRefreshesTheGet: a HEAD in the stale window
// starts a refresh that renders and stores what a GET gets. A handler that
// writes no body for HEAD (http.ServeContent here) must not leave an empty
// page, with the full page's Content-Length, for every GET after it.
func TestStaleWhileRevalidateHeadRefreshesTheGet(t *testing.T) {
	var version atomic.Int64
	page := strings.Repeat("x", 1000)
	p := gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute, StaleWhileRevalidate: 30 * time.Second}
	e := newEnv(t, p, func(c *gin.Context) {
		v := version.Add(1)
		c.Header("Content-Type", "text/plain")
		http.ServeContent(c.Writer, c.Request, "", time.Time{}, strings.NewReader(fmt.Sprintf("v%d%s", v, page)))
	})
	runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasBody("v1"+page))
	e.clock.Advance(61 * time.Second)
	runAll(t, e.do(http.MethodHead, "/page"), hasStatus(200), hasBody(""),
		hasHeader("Cache-Status", "gincache; hit; ttl=-1; detail=stale-while-revalidate"))
	e.cache.Wait()
	e.wantRuns(2)
	runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasBody("v2"+page),
		hasHeader("Content-Length", "1002"), hasHeader("Cache-Status", "gincache; hit; ttl=60"))
	if got := e.stored("/page"); len(got.Body) != 1002 {
		t.Errorf("stored body is %d bytes; want 1002", len(got.Body))
	}
}
