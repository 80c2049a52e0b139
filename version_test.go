package gincache_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

// versioned is a Policy.Version whose answer the test changes.
type versioned struct {
	mu    sync.Mutex
	etag  string
	mod   time.Time
	err   error
	calls int
}

func (v *versioned) set(etag string, mod time.Time, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.etag, v.mod, v.err = etag, mod, err
}

func (v *versioned) version(*gin.Context) (string, time.Time, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls++
	return v.etag, v.mod, v.err
}

var lastWeek = time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC)

// TestVersionNotStored: on a route that stores nothing, a client whose
// validators match the current version gets a 304 and the handler never
// runs; other requests render, with the version's validators.
func TestVersionNotStored(t *testing.T) {
	for _, kind := range allStores {
		t.Run(kind.name, func(t *testing.T) {
			v := &versioned{etag: "v1", mod: lastWeek}
			e := newStoreEnv(t, kind, gincache.Policy{Public: true, NoCache: true, Vary: []string{"Accept-Language"}, Version: v.version},
				func(c *gin.Context) { c.String(200, "rendered at %d", time.Now().UnixNano()) })
			runAll(t, e.do("GET", "/page"), hasStatus(200), hasHeader("Etag", `"v1"`),
				hasHeader("Last-Modified", "Mon, 16 Nov 2026 12:00:00 GMT"), hasHeader("Cache-Status", "gincache; fwd=bypass"))
			e.wantRuns(1)
			for _, tt := range []struct {
				name string
				hdr  []string
			}{
				{"If-None-Match", []string{"If-None-Match", `"v1"`}},
				{"If-None-Match list, weak", []string{"If-None-Match", `"v0", W/"v1"`}},
				{"If-Modified-Since", []string{"If-Modified-Since", "Mon, 16 Nov 2026 12:00:00 GMT"}},
			} {
				t.Run(tt.name, func(t *testing.T) {
					runAll(t, e.do("GET", "/page", tt.hdr...), hasStatus(304), hasBody(""), hasHeader("Etag", `"v1"`),
						hasHeader("Cache-Status", "gincache; hit; detail=version"), hasHeader("X-Cache", "HIT from Client"),
						hasHeader("Cache-Control", "public, no-cache, max-age=0"), hasHeader("Vary", "Accept-Language"),
						noHeader("Last-Modified"), noHeader("Content-Type"))
					e.wantRuns(1)
				})
			}
			v.set("v2", lastWeek.Add(time.Hour), nil)
			runAll(t, e.do("GET", "/page", "If-None-Match", `"v1"`), hasStatus(200), hasHeader("Etag", `"v2"`))
			e.wantRuns(2)
			if got := e.cache.Stats().NotModified; got != 3 {
				t.Errorf("Stats.NotModified = %d; want 3", got)
			}
		})
	}
}

// TestVersionStored: a stored entry of another version than the current
// one is not served but rendered again, so a change made elsewhere shows at
// once; the version's ETag is the same on every replica.
func TestVersionStored(t *testing.T) {
	for _, kind := range allStores {
		t.Run(kind.name, func(t *testing.T) {
			v := &versioned{etag: `"rev-1"`}
			n := 0
			e := newStoreEnv(t, kind, gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Hour, Version: v.version},
				func(c *gin.Context) { n++; c.String(200, "render %d", n) })
			runAll(t, e.do("GET", "/page"), hasBody("render 1"), hasHeader("Etag", `"rev-1"`), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
			runAll(t, e.do("GET", "/page"), hasBody("render 1"), hasHeader("X-Cache", "HIT from Server"))
			runAll(t, e.do("GET", "/page", "If-None-Match", `"rev-1"`), hasStatus(304), hasHeader("Cache-Status", "gincache; hit; detail=version"))
			e.wantRuns(1)

			v.set(`"rev-2"`, time.Time{}, nil) // changed elsewhere
			runAll(t, e.do("GET", "/page", "If-None-Match", `"rev-1"`), hasStatus(200), hasBody("render 2"), hasHeader("Etag", `"rev-2"`),
				hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored; detail=version"))
			runAll(t, e.do("GET", "/page"), hasBody("render 2"), hasHeader("X-Cache", "HIT from Server"))
			e.wantRuns(2)
			if got := e.entry("/page").ETag; got != `"rev-2"` {
				t.Errorf("stored ETag = %q; want the version's", got)
			}
		})
	}
}

// TestVersionSameOnEveryReplica: two replicas rendering different bytes
// send the same strong ETag, the version's.
func TestVersionSameOnEveryReplica(t *testing.T) {
	v := &versioned{etag: "42"}
	var etags []string
	for i := range 2 {
		e := newStoreEnv(t, onMemstore, gincache.Policy{Public: true, ServerTTL: time.Minute, Version: v.version},
			func(c *gin.Context) { c.String(200, "replica %d", i) })
		etags = append(etags, e.do("GET", "/page").Header().Get("Etag"))
	}
	if etags[0] != `"42"` || etags[1] != etags[0] {
		t.Errorf("ETags = %q; want \"42\" from both replicas", etags)
	}
}

// TestVersionModTimeOnly: a version with only a time validates with
// If-Modified-Since and sends no ETag.
func TestVersionModTimeOnly(t *testing.T) {
	v := &versioned{mod: lastWeek.Add(500 * time.Millisecond)}
	e := newStoreEnv(t, onMemstore, gincache.Policy{Public: true, ServerTTL: time.Minute, Version: v.version}, page("x"))
	runAll(t, e.do("GET", "/page"), noHeader("Etag"), hasHeader("Last-Modified", "Mon, 16 Nov 2026 12:00:00 GMT"))
	runAll(t, e.do("GET", "/page", "If-Modified-Since", "Mon, 16 Nov 2026 12:00:00 GMT"), hasStatus(304))
	runAll(t, e.do("GET", "/page"), hasStatus(200), hasHeader("X-Cache", "HIT from Server"))
	v.set("", lastWeek.Add(time.Minute), nil)
	runAll(t, e.do("GET", "/page"), hasStatus(200), hasHeader("X-Cache", "MISS"), hasHeader("Last-Modified", "Mon, 16 Nov 2026 12:01:00 GMT"))
	e.wantRuns(2)
}

// TestVersionError: a failing Version serves the request as if the policy
// had none (fail open), counted and logged.
func TestVersionError(t *testing.T) {
	for _, kind := range allStores {
		t.Run(kind.name, func(t *testing.T) {
			v := &versioned{err: errors.New("db down")}
			e := newStoreEnv(t, kind, gincache.Policy{Public: true, ServerTTL: time.Minute, Version: v.version}, page("x"))
			w := e.do("GET", "/page")
			runAll(t, w, hasStatus(200), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
			if !strings.HasPrefix(w.Header().Get("Etag"), `"`) || w.Header().Get("Etag") == `""` {
				t.Errorf("ETag = %q; want the body's", w.Header().Get("Etag"))
			}
			runAll(t, e.do("GET", "/page"), hasStatus(200), hasHeader("X-Cache", "HIT from Server"))
			e.wantRuns(1)
			if got := e.cache.Stats().VersionErrors; got != 2 {
				t.Errorf("Stats.VersionErrors = %d; want 2", got)
			}
		})
	}
}

// TestVersionBackgroundRefresh: a refresh in the stale-while-revalidate
// window stores its render under the version of the time it ran.
func TestVersionBackgroundRefresh(t *testing.T) {
	for _, kind := range allStores {
		t.Run(kind.name, func(t *testing.T) {
			v := &versioned{etag: "a"}
			var mu sync.Mutex
			n := 0
			e := newStoreEnv(t, kind, gincache.Policy{Public: true, ServerTTL: time.Minute, StaleWhileRevalidate: time.Minute, Version: v.version},
				func(c *gin.Context) { mu.Lock(); n++; k := n; mu.Unlock(); c.String(200, "render %d", k) })
			runAll(t, e.do("GET", "/page"), hasBody("render 1"))
			e.clock.Advance(90 * time.Second)
			runAll(t, e.do("GET", "/page"), hasBody("render 1"), hasHeader("Cache-Status", "gincache; hit; ttl=-30; detail=stale-while-revalidate"))
			e.cache.Wait()
			e.wantRuns(2)
			if got := e.entry("/page"); string(got.Body) != "render 2" || got.ETag != `"a"` {
				t.Errorf("refreshed entry = %q with ETag %s; want render 2 with the version's \"a\"", got.Body, got.ETag)
			}
			// Stale and of another version: rendered at once, not served stale.
			e.clock.Advance(90 * time.Second)
			v.set("b", time.Time{}, nil)
			runAll(t, e.do("GET", "/page"), hasBody("render 3"), hasHeader("Etag", `"b"`))
			e.cache.Wait()
			e.wantRuns(3)
		})
	}
}

// TestNotModified: a handler that computes its version midway answers 304
// (GET, HEAD) or 412 (other methods) when the request's validators match,
// and otherwise sends the validators with its full response.
func TestNotModified(t *testing.T) {
	tests := []struct {
		name   string
		method string
		hdr    []string
		checks []check
		rest   bool // the handler went on to render
	}{
		{"no validators", "GET", nil, []check{hasStatus(200), hasHeader("Etag", `"v7"`), hasHeader("Last-Modified", "Mon, 16 Nov 2026 12:00:00 GMT")}, true},
		{"If-None-Match", "GET", []string{"If-None-Match", `"v7"`}, []check{hasStatus(304), hasHeader("Etag", `"v7"`), hasBody(""), noHeader("Content-Type")}, false},
		{"If-None-Match *", "HEAD", []string{"If-None-Match", `*`}, []check{hasStatus(304)}, false},
		{"If-None-Match other", "GET", []string{"If-None-Match", `"v6"`, "If-Modified-Since", "Mon, 16 Nov 2026 12:00:00 GMT"}, []check{hasStatus(200)}, true},
		{"If-Modified-Since", "GET", []string{"If-Modified-Since", "Mon, 16 Nov 2026 12:00:00 GMT"}, []check{hasStatus(304)}, false},
		{"If-Modified-Since earlier", "GET", []string{"If-Modified-Since", "Mon, 16 Nov 2026 11:59:59 GMT"}, []check{hasStatus(200)}, true},
		{"PUT If-None-Match", "PUT", []string{"If-None-Match", `"v7"`}, []check{hasStatus(412)}, false},
		{"PUT If-Modified-Since is ignored", "PUT", []string{"If-Modified-Since", "Mon, 16 Nov 2026 12:00:00 GMT"}, []check{hasStatus(200)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rest := false
			e := &env{t: t}
			e.r = gin.New()
			e.r.Handle(tt.method, "/page", func(c *gin.Context) {
				e.runs.Add(1)
				if gincache.NotModified(c, "v7", lastWeek.Add(time.Second/2)) {
					return
				}
				rest = true
				c.String(200, "full")
			})
			runAll(t, e.do(tt.method, "/page", tt.hdr...), tt.checks...)
			if rest != tt.rest {
				t.Errorf("the handler went on: %v; want %v", rest, tt.rest)
			}
			e.wantRuns(1)
		})
	}
}

// TestNotModifiedOnCachedRoute: a handler's 304 is not stored and carries
// the policy's Cache-Control; the full response is stored with the
// handler's validators.
func TestNotModifiedOnCachedRoute(t *testing.T) {
	for _, kind := range allStores {
		t.Run(kind.name, func(t *testing.T) {
			e := newStoreEnv(t, kind, gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Minute, IgnoreRequestNoCache: true},
				func(c *gin.Context) {
					if gincache.NotModified(c, "v7", time.Time{}) {
						return
					}
					c.String(200, "full")
				})
			runAll(t, e.do("GET", "/page", "If-None-Match", `"v7"`), hasStatus(304), hasHeader("Etag", `"v7"`),
				hasHeader("Cache-Control", "public, no-cache, max-age=0"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=status"))
			e.wantEntries(0)
			runAll(t, e.do("GET", "/page"), hasStatus(200), hasHeader("Etag", `"v7"`), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
			runAll(t, e.do("GET", "/page", "If-None-Match", `"v7"`), hasStatus(304), hasHeader("X-Cache", "HIT from Client"))
			e.wantRuns(2)
			e.wantEntries(1)
		})
	}
}

// A Version on a SharedCache policy panics at registration.
func TestVersionValidate(t *testing.T) {
	v := &versioned{}
	err := gincache.Policy{SharedCache: true, ServerTTL: time.Minute, Version: v.version}.Validate()
	if err == nil || !strings.Contains(err.Error(), "gincache: Version") {
		t.Errorf("Validate() = %v; want a gincache: Version error", err)
	}
	_ = http.StatusOK
}
