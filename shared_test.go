package gincache_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// Tests of Policy.SharedCache: gincache as an RFC 9111 shared cache in front
// of a handler that says itself how its responses may be cached.

// origin is a handler standing in for an upstream server: it answers with
// the status, header and body it is given, answers 304 when the request's
// If-None-Match holds its ETag or, without one, its If-Modified-Since is its
// Last-Modified (as a real origin would), and records what it was sent.
type origin struct {
	mu     sync.Mutex
	status int
	header http.Header
	body   string
	delay  time.Duration // the clock moves on this much while it answers
	clock  *clock
	seen   []http.Header
	notMod http.Header               // the header of its 304s; nil: as header
	bodyOf func(*gin.Context) string // the body for a request; nil: body
}

func newOrigin(c *clock, status int, body string, hdr ...string) *origin {
	o := &origin{status: status, body: body, header: http.Header{}, clock: c}
	o.set(hdr...)
	return o
}

// set replaces the response header with name and value pairs.
func (o *origin) set(hdr ...string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.header = http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		o.header.Add(hdr[i], hdr[i+1])
	}
}

func (o *origin) handle(c *gin.Context) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, c.Request.Header.Clone())
	if o.delay > 0 {
		o.clock.Advance(o.delay)
	}
	h := c.Writer.Header()
	etag, lm := o.header.Get("Etag"), o.header.Get("Last-Modified")
	inm, ims := c.Request.Header.Get("If-None-Match"), c.Request.Header.Get("If-Modified-Since")
	if etag != "" && inm == etag || inm == "" && lm != "" && ims == lm {
		src := o.header
		if o.notMod != nil {
			src = o.notMod
		}
		for k, v := range src {
			if k != "Content-Type" && k != "Content-Length" {
				h[k] = v
			}
		}
		c.Status(http.StatusNotModified)
		return
	}
	for k, v := range o.header {
		h[k] = v
	}
	body := o.body
	if o.bodyOf != nil {
		body = o.bodyOf(c)
	}
	c.String(o.status, body)
}

// last is the request header of the origin's last request.
func (o *origin) last(t *testing.T) http.Header {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.seen) == 0 {
		t.Fatal("the origin saw no request")
	}
	return o.seen[len(o.seen)-1]
}

// sharedPolicy keeps responses for up to a day.
var sharedPolicy = gincache.Policy{SharedCache: true, ServerTTL: 24 * time.Hour}

// newShared is an env whose /page is a SharedCache route in front of an origin.
func newShared(t *testing.T, p gincache.Policy, status int, body string, hdr ...string) (*env, *origin) {
	t.Helper()
	var o *origin
	e := newEnv(t, p, func(c *gin.Context) { o.handle(c) })
	o = newOrigin(e.clock, status, body, hdr...)
	return e, o
}

func httpDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// play runs steps (see gincache_test.go) against e in order.
func (e *env) play(steps []step) {
	e.t.Helper()
	for i, s := range steps {
		e.clock.Advance(s.advance)
		method := s.method
		if method == "" {
			method = http.MethodGet
		}
		w := e.do(method, "/page", s.hdr...)
		if got := e.runs.Load(); got != s.runs {
			e.t.Errorf("step %d: handler ran %d times; want %d (Cache-Status %q)", i, got, s.runs, w.Header().Get("Cache-Status"))
		}
		for _, c := range s.checks {
			c(e.t, w)
		}
	}
}

// TestSharedFreshness: the stored lifetime comes from the response, in the
// order of RFC 9111 §4.2.1, less the Age it arrived with (§4.2.3).
func TestSharedFreshness(t *testing.T) {
	now := newClock().Now()
	tests := []struct {
		name   string
		policy gincache.Policy
		status int // default 200
		hdr    []string
		steps  []step
	}{
		{
			name: "§5.2.2.10 s-maxage before max-age",
			hdr:  []string{"Cache-Control", "max-age=10, s-maxage=60"},
			steps: []step{
				{runs: 1, checks: []check{hasHeader("X-Cache", "MISS")}},
				{advance: 30 * time.Second, runs: 1, checks: []check{hasHeader("Age", "30"), hasHeader("Cache-Status", "gincache; hit; ttl=30")}},
				{advance: 31 * time.Second, runs: 2},
			},
		},
		{
			name: "§5.2.2.1 max-age",
			hdr:  []string{"Cache-Control", "max-age=60"},
			steps: []step{
				{runs: 1},
				{advance: 59 * time.Second, runs: 1, checks: []check{hasHeader("X-Cache", "HIT from Server"), hasHeader("Age", "59")}},
				{advance: time.Second, runs: 2, checks: []check{hasHeader("X-Cache", "MISS")}},
			},
		},
		{
			name: "§5.3 Expires minus Date",
			hdr:  []string{"Date", httpDate(now), "Expires", httpDate(now.Add(time.Minute))},
			steps: []step{
				{runs: 1},
				{advance: 59 * time.Second, runs: 1},
				{advance: time.Second, runs: 2},
			},
		},
		{
			name: "§5.3 an invalid Expires such as 0 is already expired",
			hdr:  []string{"Expires", "0"},
			steps: []step{
				{runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=stale")}},
				{runs: 2},
			},
		},
		{
			name: "RFC 9110 §5.6.7 an Expires with two spaces is not a date: stale",
			hdr:  []string{"Date", httpDate(now), "Expires", "Tue, 24  Nov 2026 12:00:00 GMT"}, // the clock's next day
			steps: []step{
				{runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=stale")}},
				{runs: 2},
			},
		},
		{
			name: "RFC 9110 §5.6.7 an Expires with a one-digit hour is not a date: stale",
			hdr:  []string{"Date", httpDate(now), "Expires", "Tue, 24 Nov 2026 9:00:00 GMT"},
			steps: []step{
				{runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=stale")}},
				{runs: 2},
			},
		},
		{
			name: "§4.2.1 max-age beats Expires",
			hdr:  []string{"Cache-Control", "max-age=10", "Date", httpDate(now), "Expires", httpDate(now.Add(time.Hour))},
			steps: []step{
				{runs: 1},
				{advance: 11 * time.Second, runs: 2},
			},
		},
		{
			name: "§4.2.3 the upstream's Age counts",
			hdr:  []string{"Cache-Control", "max-age=60", "Age", "50"},
			steps: []step{
				{runs: 1},
				{advance: 5 * time.Second, runs: 1, checks: []check{hasHeader("Age", "55"), hasHeader("Cache-Status", "gincache; hit; ttl=5")}},
				{advance: 5 * time.Second, runs: 2},
			},
		},
		{
			name: "§4.2.1 an invalid max-age is stale",
			hdr:  []string{"Cache-Control", "max-age=ten"},
			steps: []step{
				{runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=stale")}},
				{runs: 2},
			},
		},
		{
			name: "§4.2.1 conflicting max-age duplicates are stale",
			hdr:  []string{"Cache-Control", "max-age=60", "Cache-Control", "max-age=5"},
			steps: []step{
				{runs: 1},
				{runs: 2},
			},
		},
		{
			name: "§5.2 a quoted max-age counts",
			hdr:  []string{"Cache-Control", `max-age="60"`},
			steps: []step{
				{runs: 1},
				{advance: 30 * time.Second, runs: 1},
			},
		},
		{
			name: "§5.2.2.5 no-store is not stored",
			hdr:  []string{"Cache-Control", "no-store, max-age=60"},
			steps: []step{
				{runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=cache-control")}},
				{runs: 2},
			},
		},
		{
			name: "§5.2.2.7 private is not stored by a shared cache",
			hdr:  []string{"Cache-Control", "private, max-age=60"},
			steps: []step{
				{runs: 1, checks: []check{hasHeader("Cache-Control", "private, max-age=60")}},
				{runs: 2},
			},
		},
		{
			name: "§4.2.2 no heuristic lifetime unless the policy asks",
			hdr:  []string{"Date", httpDate(now), "Last-Modified", httpDate(now.Add(-1000 * time.Second))},
			steps: []step{
				{runs: 1},
				{advance: time.Second, runs: 2}, // stored for revalidation only: the origin answers 200 (no ETag)
			},
		},
		{
			name:   "§4.2.2 a heuristic lifetime when the policy asks",
			policy: gincache.Policy{SharedCache: true, ServerTTL: time.Hour, HeuristicFreshness: 0.1},
			hdr:    []string{"Date", httpDate(now), "Last-Modified", httpDate(now.Add(-1000 * time.Second))},
			steps: []step{
				{runs: 1},
				{advance: 99 * time.Second, runs: 1, checks: []check{hasHeader("Age", "99")}},
				{advance: time.Second, runs: 2},
			},
		},
		{
			name:   "§4.2.2 public lets a heuristic lifetime apply to any storable status",
			policy: gincache.Policy{SharedCache: true, ServerTTL: time.Hour, HeuristicFreshness: 0.1},
			status: http.StatusFound,
			hdr:    []string{"Cache-Control", "public", "Date", httpDate(now), "Last-Modified", httpDate(now.Add(-1000 * time.Second))},
			steps:  []step{{runs: 1}, {advance: 99 * time.Second, runs: 1}, {advance: time.Second, runs: 2}},
		},
		{
			name:   "§4.2.2 without public a 302 gets no heuristic lifetime",
			policy: gincache.Policy{SharedCache: true, ServerTTL: time.Hour, HeuristicFreshness: 0.1},
			status: http.StatusFound,
			hdr:    []string{"Date", httpDate(now), "Last-Modified", httpDate(now.Add(-1000 * time.Second))},
			steps:  []step{{runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=no-lifetime")}}, {runs: 2}},
		},
		{
			name: "ServerTTL caps a longer lifetime",
			hdr:  []string{"Cache-Control", "max-age=999999"},
			steps: []step{
				{runs: 1},
				{advance: 23 * time.Hour, runs: 1},
				{advance: time.Hour, runs: 2},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			if !p.SharedCache {
				p = sharedPolicy
			}
			e, _ := newShared(t, p, cmp.Or(tt.status, http.StatusOK), "hello", tt.hdr...)
			e.play(tt.steps)
		})
	}
}

// TestSharedRevalidation: a stale response with a validator is revalidated
// with a conditional request, and a 304 updates it (RFC 9111 §4.3).
func TestSharedRevalidation(t *testing.T) {
	t.Run("§4.3.4 a 304 refreshes the stored header and the body is served", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Etag", `"v1"`, "X-Version", "1")
		e.play([]step{{runs: 1}})
		o.notMod = http.Header{"Cache-Control": {"max-age=100"}, "Etag": {`"v1"`}, "X-Version": {"2"}}
		e.play([]step{
			{advance: 20 * time.Second, runs: 2, checks: []check{
				hasStatus(http.StatusOK), hasBody("v1"), hasHeader("X-Version", "2"), hasHeader("Cache-Control", "max-age=100"),
				hasHeader("Cache-Status", "gincache; fwd=stale; stored; fwd-status=304"), hasHeader("Age", "0"),
				hasHeader("Content-Length", "2"),
			}},
			{advance: 90 * time.Second, runs: 2, checks: []check{hasBody("v1"), hasHeader("X-Version", "2"), hasHeader("Age", "90")}},
		})
		if got := o.last(t).Get("If-None-Match"); got != `"v1"` {
			t.Errorf("revalidation If-None-Match = %q; want %q", got, `"v1"`)
		}
	})
	t.Run("§4.3.1 Last-Modified becomes If-Modified-Since", func(t *testing.T) {
		lm := httpDate(newClock().Now().Add(-time.Hour))
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Last-Modified", lm)
		e.play([]step{{runs: 1}, {advance: 11 * time.Second, runs: 2}})
		h := o.last(t)
		if got := h.Get("If-Modified-Since"); got != lm {
			t.Errorf("revalidation If-Modified-Since = %q; want %q", got, lm)
		}
		if _, ok := h["If-None-Match"]; ok {
			t.Errorf("revalidation sent If-None-Match %q without a stored ETag", h.Get("If-None-Match"))
		}
	})
	t.Run("RFC 9110 §13.1.2 the client's own validator still gets its 304", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Etag", `"v1"`)
		e.play([]step{
			{runs: 1},
			{advance: 20 * time.Second, hdr: []string{"If-None-Match", `"v1"`}, runs: 2, checks: []check{
				hasStatus(http.StatusNotModified), hasBody(""), hasHeader("Etag", `"v1"`), noHeader("Content-Length"),
			}},
		})
	})
	t.Run("§4.3.2 If-Modified-Since without a stored Last-Modified is evaluated against Date", func(t *testing.T) {
		date := newClock().Now().Add(-time.Minute)
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=600", "Date", httpDate(date))
		e.play([]step{
			{runs: 1, hdr: []string{"If-Modified-Since", httpDate(date)}, checks: []check{hasStatus(http.StatusNotModified), noHeader("Last-Modified")}},
			{runs: 1, hdr: []string{"If-Modified-Since", httpDate(date)}, checks: []check{hasStatus(http.StatusNotModified), hasHeader("Date", httpDate(date))}},
			{runs: 1, hdr: []string{"If-Modified-Since", httpDate(date.Add(time.Hour))}, checks: []check{hasStatus(http.StatusNotModified)}},
			{runs: 1, hdr: []string{"If-Modified-Since", httpDate(date.Add(-time.Second))}, checks: []check{hasStatus(http.StatusOK), hasBody("v1")}},
			{runs: 1, hdr: []string{"If-Modified-Since", "Mon, 23 Nov 2026 1:59:00 GMT"}, checks: []check{hasStatus(http.StatusOK)}}, // RFC 9110 §13.1.3: not a date, ignored
		})
	})
	t.Run("§4.3.2 a stored Last-Modified still decides If-Modified-Since", func(t *testing.T) {
		now := newClock().Now()
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=600", "Date", httpDate(now), "Last-Modified", httpDate(now.Add(-time.Hour)))
		e.play([]step{
			{runs: 1},
			{runs: 1, hdr: []string{"If-Modified-Since", httpDate(now.Add(-time.Hour))}, checks: []check{hasStatus(http.StatusNotModified)}},
			{runs: 1, hdr: []string{"If-Modified-Since", httpDate(now.Add(-2 * time.Hour))}, checks: []check{hasStatus(http.StatusOK)}},
		})
	})
	t.Run("§4.3.2 after a 304 the updated Date is the one compared", func(t *testing.T) {
		start := newClock().Now()
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Etag", `"v1"`, "Date", httpDate(start))
		e.play([]step{{runs: 1}})
		later := start.Add(20 * time.Second)
		o.notMod = http.Header{"Cache-Control": {"max-age=600"}, "Etag": {`"v1"`}, "Date": {httpDate(later)}}
		e.play([]step{
			{advance: 20 * time.Second, runs: 2},
			{runs: 2, hdr: []string{"If-Modified-Since", httpDate(later)}, checks: []check{hasStatus(http.StatusNotModified)}},
			{runs: 2, hdr: []string{"If-Modified-Since", httpDate(start.Add(10 * time.Second))}, checks: []check{hasStatus(http.StatusOK)}},
		})
	})
	t.Run("a changed response replaces the stored one", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Etag", `"v1"`)
		e.play([]step{{runs: 1}})
		o.set("Cache-Control", "max-age=10", "Etag", `"v2"`)
		o.body = "v2"
		e.play([]step{
			{advance: 20 * time.Second, runs: 2, checks: []check{hasBody("v2"), hasHeader("Etag", `"v2"`)}},
			{advance: 5 * time.Second, runs: 2, checks: []check{hasBody("v2")}},
		})
	})
	t.Run("§4.3.3 a 304 for another entity-tag is retried unconditionally", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Etag", `"v1"`, "X-Version", "1")
		e.play([]step{{runs: 1}})
		o.notMod = http.Header{"Etag": {`"other"`}, "X-Version": {"304"}}
		e.play([]step{
			{advance: 20 * time.Second, runs: 3, checks: []check{hasStatus(http.StatusOK), hasBody("v1"), hasHeader("X-Version", "1"),
				hasHeader("Cache-Status", "gincache; fwd=stale; stored; detail=mismatched-304"), hasHeader("Content-Length", "2")}},
			{advance: 5 * time.Second, runs: 3, checks: []check{hasBody("v1"), hasHeader("X-Cache", "HIT from Server")}},
		})
		if h := o.last(t); h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
			t.Errorf("the retry sent If-None-Match %q, If-Modified-Since %q; want neither", h.Get("If-None-Match"), h.Get("If-Modified-Since"))
		}
	})
	t.Run("§4.3.3 the retry answers the client's own validator", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Etag", `"v1"`)
		e.play([]step{{runs: 1}})
		o.notMod = http.Header{"Etag": {`"other"`}}
		e.play([]step{{advance: 20 * time.Second, hdr: []string{"If-None-Match", `"v1"`}, runs: 3, checks: []check{hasStatus(http.StatusNotModified)}}})
	})
	t.Run("§4.3.3 a retry that may not be stored still answers; the entry is gone", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Etag", `"v1"`)
		e.play([]step{{runs: 1}})
		o.notMod = http.Header{"Etag": {`"other"`}}
		o.bodyOf = func(c *gin.Context) string { c.Header("Cache-Control", "no-store"); return "v2" }
		e.play([]step{{advance: 20 * time.Second, runs: 3, checks: []check{hasStatus(http.StatusOK), hasBody("v2"),
			hasHeader("Cache-Status", "gincache; fwd=stale; detail=cache-control")}}})
		e.wantStored(0)
	})
	t.Run("§4.3.3 a mismatched 304 drops only its own variant", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "", "Cache-Control", "max-age=10", "Etag", `"v1"`, "Vary", "Accept-Language")
		o.bodyOf = func(c *gin.Context) string { return "lang=" + c.GetHeader("Accept-Language") }
		en, fr := []string{"Accept-Language", "en"}, []string{"Accept-Language", "fr", "Cache-Control", "max-stale"}
		e.play([]step{{hdr: en, runs: 1}, {hdr: fr, runs: 2}})
		o.notMod = http.Header{"Etag": {`"other"`}}
		e.play([]step{
			{advance: 20 * time.Second, hdr: en, runs: 4, checks: []check{hasBody("lang=en"), hasHeader("Cache-Status", "gincache; fwd=stale; stored; detail=mismatched-304")}},
			{hdr: fr, runs: 4, checks: []check{hasBody("lang=fr"), hasHeader("Cache-Status", "gincache; hit; ttl=-10; detail=max-stale")}},
		})
	})
	t.Run("§4.3.3 a mismatched 304 in a background refresh drops the entry", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10, stale-while-revalidate=60", "Etag", `"v1"`)
		e.play([]step{{runs: 1}})
		o.notMod = http.Header{"Etag": {`"other"`}}
		e.clock.Advance(20 * time.Second)
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("Cache-Status", "gincache; hit; ttl=-10; detail=stale-while-revalidate"))
		e.cache.Wait()
		e.wantRuns(2)
		e.wantStored(0)
		e.play([]step{{runs: 3, checks: []check{hasBody("v1"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored")}}})
	})
	t.Run("the client's validators never reach the origin on a storable miss", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Etag", `"v1"`)
		e.play([]step{{hdr: []string{"If-None-Match", `"v1"`, "If-Modified-Since", httpDate(newClock().Now())}, runs: 1,
			checks: []check{hasStatus(http.StatusNotModified)}}})
		h := o.last(t)
		if v, ok := h["If-None-Match"]; ok {
			t.Errorf("origin saw If-None-Match %q; want none: the cache needs the full response", v)
		}
		e.play([]step{{runs: 1, checks: []check{hasStatus(http.StatusOK), hasBody("v1")}}})
	})
}

// TestSharedRequestDirectives: what a client's Cache-Control asks of a
// shared cache (RFC 9111 §5.2.1, §5.4).
func TestSharedRequestDirectives(t *testing.T) {
	tests := []struct {
		name  string
		resp  []string
		age   time.Duration
		hdr   []string
		runs  int64 // after the stored response and this request
		check check
	}{
		{name: "fresh: a hit", resp: []string{"Cache-Control", "max-age=60"}, age: 30 * time.Second, runs: 1},
		{name: "§5.2.1.1 max-age below the age revalidates", resp: []string{"Cache-Control", "max-age=60"}, age: 30 * time.Second,
			hdr: []string{"Cache-Control", "max-age=10"}, runs: 2},
		{name: "§5.2.1.1 max-age above the age is a hit", resp: []string{"Cache-Control", "max-age=60"}, age: 30 * time.Second,
			hdr: []string{"Cache-Control", "max-age=40"}, runs: 1},
		{name: "§5.2.1.3 min-fresh beyond what is left revalidates", resp: []string{"Cache-Control", "max-age=60"}, age: 30 * time.Second,
			hdr: []string{"Cache-Control", "min-fresh=40"}, runs: 2},
		{name: "§5.2.1.3 min-fresh within what is left is a hit", resp: []string{"Cache-Control", "max-age=60"}, age: 30 * time.Second,
			hdr: []string{"Cache-Control", "min-fresh=20"}, runs: 1},
		{name: "stale without max-stale revalidates", resp: []string{"Cache-Control", "max-age=60"}, age: 70 * time.Second, runs: 2},
		{name: "§5.2.1.2 max-stale=N serves stale within N", resp: []string{"Cache-Control", "max-age=60"}, age: 70 * time.Second,
			hdr: []string{"Cache-Control", "max-stale=20"}, runs: 1, check: hasHeader("Cache-Status", "gincache; hit; ttl=-10; detail=max-stale")},
		{name: "§5.2.1.2 max-stale=N beyond N revalidates", resp: []string{"Cache-Control", "max-age=60"}, age: 90 * time.Second,
			hdr: []string{"Cache-Control", "max-stale=20"}, runs: 2},
		{name: "§5.2.1.2 bare max-stale serves any staleness", resp: []string{"Cache-Control", "max-age=60"}, age: time.Hour,
			hdr: []string{"Cache-Control", "max-stale"}, runs: 1},
		{name: "§5.2.2.2 must-revalidate forbids max-stale", resp: []string{"Cache-Control", "max-age=60, must-revalidate"}, age: 70 * time.Second,
			hdr: []string{"Cache-Control", "max-stale"}, runs: 2},
		{name: "§5.2.2.8 proxy-revalidate forbids max-stale", resp: []string{"Cache-Control", "max-age=60, proxy-revalidate"}, age: 70 * time.Second,
			hdr: []string{"Cache-Control", "max-stale"}, runs: 2},
		{name: "§5.2.2.10 s-maxage forbids max-stale", resp: []string{"Cache-Control", "s-maxage=60"}, age: 70 * time.Second,
			hdr: []string{"Cache-Control", "max-stale"}, runs: 2},
		{name: "§5.2.1.4 no-cache validates with the origin (RFC 9111 §5.2.1.4)", resp: []string{"Cache-Control", "max-age=60"}, age: time.Second,
			hdr: []string{"Cache-Control", "no-cache"}, runs: 2, check: hasHeader("Cache-Status", "gincache; fwd=request; stored")},
		{name: "§5.4 Pragma no-cache without Cache-Control validates", resp: []string{"Cache-Control", "max-age=60"}, age: time.Second,
			hdr: []string{"Pragma", "no-cache"}, runs: 2},
		{name: "§5.4 Pragma is ignored beside Cache-Control", resp: []string{"Cache-Control", "max-age=60"}, age: time.Second,
			hdr: []string{"Pragma", "no-cache", "Cache-Control", "max-stale=1"}, runs: 1},
		{name: "§5.2.1.7 only-if-cached with a fresh entry is a hit", resp: []string{"Cache-Control", "max-age=60"}, age: time.Second,
			hdr: []string{"Cache-Control", "only-if-cached"}, runs: 1, check: hasStatus(http.StatusOK)},
		{name: "§5.2.1.7 only-if-cached with a stale entry is a 504 (RFC 9111 §5.2.1.7)", resp: []string{"Cache-Control", "max-age=60"}, age: time.Hour,
			hdr: []string{"Cache-Control", "only-if-cached"}, runs: 1, check: hasStatus(http.StatusGatewayTimeout)},
		{name: "§5.2.2.4 a no-cache response is always validated", resp: []string{"Cache-Control", "no-cache, max-age=60", "Etag", `"x"`},
			age: time.Second, runs: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newShared(t, sharedPolicy, http.StatusOK, "hello", tt.resp...)
			e.play([]step{{runs: 1}})
			checks := []check{}
			if tt.check != nil {
				checks = append(checks, tt.check)
			}
			e.play([]step{{advance: tt.age, hdr: tt.hdr, runs: tt.runs, checks: checks}})
		})
	}
	t.Run("§5.2.1.5 a request's no-store keeps its response out", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", "max-age=60")
		e.play([]step{{hdr: []string{"Cache-Control", "no-store"}, runs: 1}, {runs: 2}, {runs: 2}})
	})
	t.Run("§5.2.1.7 only-if-cached on a miss is a 504", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", "max-age=60")
		e.play([]step{{hdr: []string{"Cache-Control", "only-if-cached"}, runs: 0, checks: []check{hasStatus(http.StatusGatewayTimeout)}}})
	})
}

// TestSharedAge: Age is computed as RFC 9111 §4.2.3 says and consistent
// with Date (RFC 9111 §5.1).
func TestSharedAge(t *testing.T) {
	start := newClock().Now()
	tests := []struct {
		name  string
		delay time.Duration // response delay: the clock moves while the origin answers
		hdr   []string
		later time.Duration
		want  string
	}{
		{name: "resident time alone", hdr: []string{"Cache-Control", "max-age=600"}, later: 10 * time.Second, want: "10"},
		{name: "upstream Age plus the response delay", delay: 2 * time.Second,
			hdr: []string{"Cache-Control", "max-age=600", "Age", "10"}, later: time.Second, want: "13"},
		{name: "apparent age from an old Date wins over a smaller Age",
			hdr: []string{"Cache-Control", "max-age=600", "Date", httpDate(start.Add(-30 * time.Second)), "Age", "5"}, later: time.Second, want: "31"},
		{name: "a Date in the future counts as zero",
			hdr: []string{"Cache-Control", "max-age=600", "Date", httpDate(start.Add(time.Hour))}, later: time.Second, want: "1"},
		{name: "§5.1 an invalid Age is ignored", hdr: []string{"Cache-Control", "max-age=600", "Age", "-3"}, later: time.Second, want: "1"},
		{name: "§5.1 a list Age uses its first member", hdr: []string{"Cache-Control", "max-age=600", "Age", "7, 100"}, later: time.Second, want: "8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, o := newShared(t, sharedPolicy, http.StatusOK, "hello", tt.hdr...)
			o.delay = tt.delay
			e.play([]step{{runs: 1}, {advance: tt.later, runs: 1, checks: []check{hasHeader("Age", tt.want)}}})
		})
	}
}

// TestSharedHeaders: what is kept of the response, and what is never
// stored (RFC 9111 §3.1, no Set-Cookie stored, RFC 9110 §7.6.1).
func TestSharedHeaders(t *testing.T) {
	date := httpDate(newClock().Now().Add(-2 * time.Second))
	t.Run("the upstream's Date is kept and replayed (RFC 9111 §4)", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", "max-age=60", "Date", date)
		e.play([]step{
			{runs: 1, checks: []check{hasHeader("Date", date)}},
			{advance: 5 * time.Second, runs: 1, checks: []check{hasHeader("Date", date), hasHeader("Age", "7")}},
		})
	})
	t.Run("RFC 9110 §6.6.1 a response without Date gets one", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", "max-age=60")
		want := httpDate(e.clock.Now())
		e.play([]step{{runs: 1, checks: []check{hasHeader("Date", want)}}, {advance: 3 * time.Second, runs: 1, checks: []check{hasHeader("Date", want)}}})
	})
	t.Run("RFC 9110 §7.6.1 hop-by-hop fields and those Connection names are not stored", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", "max-age=60",
			"Connection", "X-Hop", "X-Hop", "1", "Keep-Alive", "timeout=5", "X-Kept", "yes")
		e.play([]step{{runs: 1}, {runs: 1, checks: []check{noHeader("X-Hop"), noHeader("Keep-Alive"), noHeader("Connection"), hasHeader("X-Kept", "yes")}}})
	})
	t.Run("no Set-Cookie stored a response that sets a cookie is not stored", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", "public, max-age=60", "Set-Cookie", "session=alice")
		e.play([]step{{runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=set-cookie")}}, {runs: 2}})
	})
	t.Run("§5.2.2.7 private=field stores the response without the field", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", `max-age=60, private="X-User"`, "X-User", "alice")
		e.play([]step{{runs: 1, checks: []check{hasHeader("X-User", "alice")}}, {runs: 1, checks: []check{noHeader("X-User"), hasBody("hello")}}})
	})
	t.Run("§5.2.2.4 no-cache=field: stored, served without the field until revalidated", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", `max-age=60, no-cache="X-Token"`, "Etag", `"t"`, "X-Token", "t1", "X-Other", "o")
		e.play([]step{
			{runs: 1, checks: []check{hasHeader("X-Token", "t1")}},
			{runs: 1, checks: []check{hasBody("hello"), noHeader("X-Token"), hasHeader("X-Other", "o"), hasHeader("X-Cache", "HIT from Server")}},
			{runs: 1, hdr: []string{"If-None-Match", `"t"`}, checks: []check{hasStatus(http.StatusNotModified), noHeader("X-Token")}},
			{runs: 1, hdr: []string{"Cache-Control", "max-stale"}, advance: 90 * time.Second, checks: []check{hasBody("hello"), noHeader("X-Token"),
				hasHeader("Cache-Status", "gincache; hit; ttl=-30; detail=max-stale")}},
			// stale: revalidated with a 304, after which the field may go out
			{runs: 2, checks: []check{hasBody("hello"), hasHeader("X-Token", "t1"), hasHeader("Cache-Status", "gincache; fwd=stale; stored; fwd-status=304")}},
		})
		if got := o.last(t).Get("If-None-Match"); got != `"t"` {
			t.Errorf("revalidation If-None-Match = %q; want %q", got, `"t"`)
		}
		if got := e.stored("/page").Header.Get("X-Token"); got != "t1" {
			t.Errorf("stored X-Token = %q; want it stored", got)
		}
	})
	t.Run("§5.2.2.4 no-cache=field in stale-while-revalidate is served without the field", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", `max-age=10, stale-while-revalidate=60, no-cache="X-Token"`, "Etag", `"t"`, "X-Token", "t1")
		e.play([]step{{runs: 1}})
		e.clock.Advance(20 * time.Second)
		runAll(t, e.do(http.MethodGet, "/page"), noHeader("X-Token"), hasHeader("Cache-Status", "gincache; hit; ttl=-10; detail=stale-while-revalidate"))
		e.cache.Wait()
	})
	t.Run("§5.2.2.7 private=field is not stored from a 304 either", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", `max-age=10, private="X-User"`, "Etag", `"u"`, "X-User", "alice")
		e.play([]step{{runs: 1}})
		o.notMod = http.Header{"Cache-Control": {`max-age=10, private="X-User"`}, "Etag": {`"u"`}, "X-User": {"bob"}}
		e.play([]step{{advance: 20 * time.Second, runs: 2, checks: []check{hasBody("hello")}}, {runs: 2, checks: []check{noHeader("X-User")}}})
		if v, ok := e.stored("/page").Header["X-User"]; ok {
			t.Errorf("stored X-User = %q; want it never stored", v)
		}
	})
	t.Run("no validator is made up", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", "max-age=60")
		e.play([]step{{runs: 1, checks: []check{noHeader("Etag"), noHeader("Last-Modified"), noHeader("X-Last-Modified")}},
			{runs: 1, checks: []check{noHeader("Etag"), hasHeader("Cache-Control", "max-age=60")}}})
	})
	t.Run("§3 any final status with an explicit lifetime is stored", func(t *testing.T) {
		for _, status := range []int{http.StatusAccepted, http.StatusBadRequest, http.StatusForbidden, http.StatusInternalServerError, http.StatusServiceUnavailable, 599} {
			e, _ := newShared(t, sharedPolicy, status, "x", "Cache-Control", "max-age=60")
			e.play([]step{
				{runs: 1, checks: []check{hasStatus(status), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored")}},
				{runs: 1, checks: []check{hasStatus(status), hasBody("x"), hasHeader("X-Cache", "HIT from Server")}},
			})
		}
	})
	t.Run("§3 Expires is an explicit lifetime for any final status", func(t *testing.T) {
		now := newClock().Now()
		e, _ := newShared(t, sharedPolicy, http.StatusInternalServerError, "down", "Date", httpDate(now), "Expires", httpDate(now.Add(time.Minute)))
		e.play([]step{{runs: 1}, {advance: 30 * time.Second, runs: 1, checks: []check{hasStatus(500)}}, {advance: 30 * time.Second, runs: 2}})
	})
	t.Run("§3 a status not heuristically cacheable without a lifetime passes through", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusInternalServerError, "down", "Etag", `"x"`)
		e.play([]step{{runs: 1, checks: []check{hasStatus(500), hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=no-lifetime")}}, {runs: 2}})
	})
	t.Run("§3.3 a 206 is never stored, whatever its lifetime", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusPartialContent, "par", "Cache-Control", "max-age=60", "Content-Range", "bytes 0-2/10")
		e.play([]step{{runs: 1, checks: []check{hasStatus(206), hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=status")}}, {runs: 2}})
	})
	t.Run("§5.2.2.3 must-understand keeps out a status this cache does not understand", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, 599, "x", "Cache-Control", "max-age=60, must-understand")
		e.play([]step{{runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=must-understand")}}, {runs: 2}})
	})
	t.Run("§5.2.2.3 must-understand with an understood status is stored", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "x", "Cache-Control", "max-age=60, must-understand")
		e.play([]step{{runs: 1}, {runs: 1}})
	})
	t.Run("RFC 9110 §15.1 a 404 with a lifetime is stored", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusNotFound, "gone", "Cache-Control", "max-age=60")
		e.play([]step{{runs: 1}, {runs: 1, checks: []check{hasStatus(404), hasBody("gone")}}})
	})
}

// TestSharedVary: the response's Vary selects variants (RFC 9111 §4.1).
func TestSharedVary(t *testing.T) {
	e, o := newShared(t, sharedPolicy, http.StatusOK, "", "Cache-Control", "max-age=60", "Vary", "Accept-Language")
	o.bodyOf = func(c *gin.Context) string { return "lang=" + c.GetHeader("Accept-Language") }
	e.play([]step{
		{hdr: []string{"Accept-Language", "en"}, runs: 1, checks: []check{hasBody("lang=en")}},
		{hdr: []string{"Accept-Language", "fr"}, runs: 2, checks: []check{hasBody("lang=fr")}},
		{hdr: []string{"Accept-Language", "en"}, runs: 2, checks: []check{hasBody("lang=en"), hasHeader("X-Cache", "HIT from Server")}},
		{hdr: []string{"Accept-Language", "fr"}, runs: 2, checks: []check{hasBody("lang=fr")}},
		{runs: 3, checks: []check{hasBody("lang=")}}, // absent is not empty
		{hdr: []string{"Accept-Language", ""}, runs: 4},
		{runs: 4, checks: []check{hasBody("lang=")}},
	})
	t.Run("§4.1 equivalent requests share a variant", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "", "Cache-Control", "max-age=60", "Vary", "accept-encoding, Accept-Language")
		o.bodyOf = func(c *gin.Context) string { return "ae=" + c.GetHeader("Accept-Encoding") }
		e.play([]step{
			{hdr: []string{"Accept-Encoding", "gzip, br", "Accept-Language", "en-US"}, runs: 1},
			{hdr: []string{"Accept-Encoding", "BR,gzip", "Accept-Language", " en-us"}, runs: 1, checks: []check{hasBody("ae=gzip, br"), hasHeader("X-Cache", "HIT from Server")}},
			{hdr: []string{"Accept-Encoding", "br", "Accept-Encoding", "gzip", "Accept-Language", "EN-us"}, runs: 1},
			{hdr: []string{"Accept-Encoding", "gzip", "Accept-Language", "en-US"}, runs: 2, checks: []check{hasBody("ae=gzip")}},
		})
	})
	t.Run("§4.1 Vary: * is never stored", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", "max-age=60", "Vary", "*")
		e.play([]step{{runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=vary")}}, {runs: 2}})
	})
}

// TestSharedAuthorization: RFC 9111 §3.5 (RFC 9111 §3.5).
func TestSharedAuthorization(t *testing.T) {
	auth := []string{"Authorization", "Bearer alice"}
	tests := []struct {
		name  string
		resp  string
		steps []step
	}{
		{name: "a response to an authorized request is not stored without permission", resp: "max-age=60",
			steps: []step{{hdr: auth, runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=authorization")}}, {runs: 2}}},
		{name: "public allows it", resp: "public, max-age=60",
			steps: []step{{hdr: auth, runs: 1}, {runs: 1}, {hdr: auth, runs: 1}}},
		{name: "s-maxage allows it", resp: "s-maxage=60",
			steps: []step{{hdr: auth, runs: 1}, {hdr: auth, runs: 1}}},
		{name: "must-revalidate allows it", resp: "max-age=60, must-revalidate",
			steps: []step{{hdr: auth, runs: 1}, {hdr: auth, runs: 1}}},
		{name: "a stored response without permission is not served to an authorized request", resp: "max-age=60",
			steps: []step{{runs: 1}, {runs: 1}, {hdr: auth, runs: 2, checks: []check{hasHeader("Cache-Status", "gincache; fwd=bypass; detail=authorization")}}, {runs: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newShared(t, sharedPolicy, http.StatusOK, "hello", "Cache-Control", tt.resp)
			e.play(tt.steps)
		})
	}
}

// TestSharedInvalidation: a successful unsafe request invalidates its target
// and the same-host URLs in Location and Content-Location (RFC 9111 §4.4).
func TestSharedInvalidation(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		status   int
		location string
		dropped  []string // of /a, /b
	}{
		{name: "POST drops its target", method: http.MethodPost, status: 200, dropped: []string{"/a"}},
		{name: "an unknown method is unsafe too", method: "FROB", status: 200, dropped: []string{"/a"}},
		{name: "an error drops nothing", method: http.MethodPost, status: 500},
		{name: "same-host Location is dropped", method: http.MethodPost, status: 201, location: "/b", dropped: []string{"/a", "/b"}},
		{name: "absolute same-host Location is dropped", method: http.MethodPut, status: 200, location: "http://example.com/b", dropped: []string{"/a", "/b"}},
		{name: "another host's Location is not", method: http.MethodPost, status: 201, location: "http://evil.example/b", dropped: []string{"/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			cache := gincache.New(memstore.New(memstore.WithClock(c.Now)), gincache.WithClock(c.Now))
			r := gin.New()
			runs := map[string]int{}
			var mu sync.Mutex
			h := func(c *gin.Context) {
				if c.Request.Method != http.MethodGet {
					if tt.location != "" {
						c.Header("Location", tt.location)
					}
					c.Status(tt.status)
					return
				}
				mu.Lock()
				runs[c.Request.URL.Path]++
				mu.Unlock()
				c.Header("Cache-Control", "max-age=60")
				c.String(http.StatusOK, "page")
			}
			r.Any("/*path", cache.Handler(sharedPolicy), h)
			r.Handle("FROB", "/*path", cache.Handler(sharedPolicy), h)
			get := func(path string) {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				r.ServeHTTP(httptest.NewRecorder(), req)
			}
			get("/a")
			get("/b")
			req := httptest.NewRequest(tt.method, "/a", nil)
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Fatalf("%s status = %d; want %d", tt.method, w.Code, tt.status)
			}
			get("/a")
			get("/b")
			for _, p := range []string{"/a", "/b"} {
				want := 1
				if strings.Contains(strings.Join(tt.dropped, " "), p) {
					want = 2
				}
				if runs[p] != want {
					t.Errorf("GET %s rendered %d times; want %d", p, runs[p], want)
				}
			}
		})
	}
}

// TestSharedStaleIfError: RFC 5861 §4 from the response's own directive.
func TestSharedStaleIfError(t *testing.T) {
	e, o := newShared(t, sharedPolicy, http.StatusOK, "good", "Cache-Control", "max-age=10, stale-if-error=60")
	e.play([]step{{runs: 1}})
	o.status, o.body = http.StatusServiceUnavailable, "down"
	e.play([]step{
		{advance: 20 * time.Second, runs: 2, checks: []check{hasStatus(200), hasBody("good"),
			hasHeader("Cache-Status", "gincache; fwd=stale; fwd-status=503; detail=stale-if-error")}},
		{advance: 60 * time.Second, runs: 3, checks: []check{hasStatus(503), hasBody("down")}},
	})
}

// TestSharedPolicyValidate: a SharedCache policy cannot also say what the
// response says.
func TestSharedPolicyValidate(t *testing.T) {
	tests := []struct {
		name string
		p    gincache.Policy
		want string // in the error; "" for none
	}{
		{name: "valid", p: sharedPolicy},
		{name: "client directives", p: gincache.Policy{SharedCache: true, ServerTTL: time.Hour, MaxAge: time.Minute}, want: "SharedCache takes Cache-Control"},
		{name: "vary", p: gincache.Policy{SharedCache: true, ServerTTL: time.Hour, Vary: []string{"Accept"}}, want: "SharedCache takes Cache-Control"},
		{name: "no ServerTTL", p: gincache.Policy{SharedCache: true}, want: "SharedCache needs a ServerTTL"},
		{name: "heuristic elsewhere", p: gincache.Policy{Public: true, HeuristicFreshness: 0.1}, want: "only to a SharedCache"},
		{name: "heuristic above one", p: gincache.Policy{SharedCache: true, ServerTTL: time.Hour, HeuristicFreshness: 2}, want: "between 0 and 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v; want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v; want an error containing %q", err, tt.want)
			}
		})
	}
	if got := sharedPolicy.CacheControl(); got != "" {
		t.Errorf("CacheControl() = %q; want \"\" (the response's own goes out)", got)
	}
}

// TestSharedCoalescing: concurrent misses share one render when its
// response may serve every one of them: a waiter gets it only for its own
// variant and within its own Cache-Control (waiters never get an unstorable response, RFC 9111 §4.1,
// §5.2.1).
func TestSharedCoalescing(t *testing.T) {
	tests := []struct {
		name     string
		hdr      []string // the origin's response
		waiterRq []string // the waiter's request
		wantRuns int64
		waiter   []check
	}{
		{name: "a response that does not vary is shared", hdr: []string{"Cache-Control", "max-age=60"},
			waiterRq: []string{"Accept-Language", "fr"}, wantRuns: 1,
			waiter: []check{hasBody("lang=en"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; collapsed")}},
		{name: "a varying response is shared with the same variant", hdr: []string{"Cache-Control", "max-age=60", "Vary", "Accept-Language"},
			waiterRq: []string{"Accept-Language", "en"}, wantRuns: 1,
			waiter: []check{hasBody("lang=en"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; collapsed")}},
		{name: "a varying response is not shared with another variant", hdr: []string{"Cache-Control", "max-age=60", "Vary", "Accept-Language"},
			waiterRq: []string{"Accept-Language", "fr"}, wantRuns: 2,
			waiter: []check{hasBody("lang=fr"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored")}},
		{name: "§5.2.1.1 a waiter whose max-age the response exceeds asks for its own", hdr: []string{"Cache-Control", "max-age=600", "Age", "30"},
			waiterRq: []string{"Cache-Control", "max-age=0", "Accept-Language", "en"}, wantRuns: 2,
			waiter: []check{hasBody("lang=en"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored")}},
		{name: "§3.5 a waiter with Authorization does not get a response not made for it", hdr: []string{"Cache-Control", "max-age=60"},
			waiterRq: []string{"Authorization", "Bearer bob", "Accept-Language", "en"}, wantRuns: 2,
			waiter: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=authorization")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			var first sync.Once
			e, o := newShared(t, sharedPolicy, http.StatusOK, "", tt.hdr...)
			o.bodyOf = func(c *gin.Context) string {
				first.Do(func() { <-release }) // the leader waits until the waiter has joined
				return "lang=" + c.GetHeader("Accept-Language")
			}
			key := gincache.Key(httptest.NewRequest(http.MethodGet, "/page", nil))
			var wg sync.WaitGroup
			var leader *httptest.ResponseRecorder
			wg.Add(1)
			go func() { defer wg.Done(); leader = e.do(http.MethodGet, "/page", "Accept-Language", "en") }()
			waitFor(t, "the leader's render", func() bool { _, ok := gincache.FlightWaiters(e.cache, key); return ok })
			var waiter *httptest.ResponseRecorder
			wg.Add(1)
			go func() { defer wg.Done(); waiter = e.do(http.MethodGet, "/page", tt.waiterRq...) }()
			waitFor(t, "the waiter", func() bool { n, _ := gincache.FlightWaiters(e.cache, key); return n == 1 })
			close(release)
			wg.Wait()
			runAll(t, leader, hasBody("lang=en"))
			runAll(t, waiter, tt.waiter...)
			e.wantRuns(tt.wantRuns)
		})
	}
}

// TestStreamReleasesWaiters: a response that starts streaming lets the
// requests waiting on its render go at once, to render their own; they do not
// wait for the stream to end (a stream is not stored), on any route.
func TestStreamReleasesWaiters(t *testing.T) {
	for _, p := range []gincache.Policy{sharedPolicy, {Public: true, ServerTTL: time.Minute}} {
		t.Run(fmt.Sprintf("shared=%v", p.SharedCache), func(t *testing.T) {
			release := make(chan struct{})
			var calls atomic.Int64
			e := newEnv(t, p, func(c *gin.Context) {
				c.Header("Cache-Control", "max-age=60")
				c.Header("Content-Type", "text/event-stream")
				c.String(http.StatusOK, "data: hello\n\n")
				if calls.Add(1) == 1 { // the first client's stream stays open
					c.Writer.Flush()
					<-release
				}
			}, gincache.WithCoalesceTimeout(time.Hour))
			key := gincache.Key(httptest.NewRequest(http.MethodGet, "/page", nil))
			leader := make(chan *httptest.ResponseRecorder, 1)
			go func() { leader <- e.do(http.MethodGet, "/page") }()
			waitFor(t, "the first stream", func() bool { return calls.Load() == 1 })
			waiting := make(chan *httptest.ResponseRecorder, 1)
			go func() { waiting <- e.do(http.MethodGet, "/page") }()
			var waiter *httptest.ResponseRecorder
			select {
			case waiter = <-waiting:
			case <-time.After(10 * time.Second): // the coalesce timeout is an hour
				t.Fatal("the second request waits for the first one's stream to end")
			}
			close(release)
			runAll(t, waiter, hasStatus(200), hasBody("data: hello\n\n"))
			runAll(t, <-leader, hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=streamed"))
			if _, ok := gincache.FlightWaiters(e.cache, key); ok {
				t.Error("a flight is still under way after both requests")
			}
		})
	}
}

// TestSharedVaryIndex: what the Vary index must guarantee besides selection.
func TestSharedVaryIndex(t *testing.T) {
	newVarying := func(t *testing.T, opts ...gincache.Option) (*env, *origin) {
		t.Helper()
		var o *origin
		e := newEnv(t, sharedPolicy, func(c *gin.Context) { o.handle(c) }, opts...)
		o = newOrigin(e.clock, http.StatusOK, "v1", "Cache-Control", "max-age=600", "Vary", "Accept-Language")
		version := "v1"
		o.bodyOf = func(c *gin.Context) string {
			if c.Request.Method == http.MethodPost {
				version = "v2"
			}
			return version + ":" + c.GetHeader("Accept-Language")
		}
		return e, o
	}
	en, fr := []string{"Accept-Language", "en"}, []string{"Accept-Language", "fr"}

	t.Run("RFC 9111 §4.4 a purge of the URL's key orphans every variant", func(t *testing.T) {
		e, _ := newVarying(t)
		e.play([]step{{hdr: en, runs: 1}, {hdr: fr, runs: 2}})
		e.do(http.MethodPost, "/page") // v2, and the store (a Tagger) drops the path
		if err := e.cache.Purge(context.Background(), gincache.Key(httptest.NewRequest(http.MethodGet, "/page", nil))); err != nil {
			t.Fatal(err)
		}
		e.play([]step{
			{hdr: en, runs: 4, checks: []check{hasBody("v2:en")}},
			{hdr: fr, runs: 5, checks: []check{hasBody("v2:fr")}}, // not the v1 variant under the old index
		})
	})
	t.Run("RFC 9111 §4.4 an invalidation without tags orphans every variant", func(t *testing.T) {
		var o *origin
		c := newClock()
		untagged := struct{ gincache.Store }{memstore.New(memstore.WithClock(c.Now))} // hides SetTagged and PurgeTags
		cache := gincache.New(untagged, gincache.WithClock(c.Now))
		r := gin.New()
		runs := 0
		r.Match([]string{http.MethodGet, http.MethodPost}, "/page", cache.Handler(sharedPolicy), func(gc *gin.Context) { runs++; o.handle(gc) })
		_, o = newVarying(t)
		get := func(hdr []string) string {
			req := httptest.NewRequest(http.MethodGet, "/page", nil)
			req.Header.Set(hdr[0], hdr[1])
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			return w.Body.String()
		}
		get(en)
		get(fr)
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/page", nil))
		if got := get(en); got != "v2:en" {
			t.Errorf("en after POST = %q; want v2:en", got)
		}
		if got := get(fr); got != "v2:fr" {
			t.Errorf("fr after POST = %q; want v2:fr (the variant stored before the POST is gone)", got)
		}
	})
	t.Run("variants stored under one index stay reachable", func(t *testing.T) {
		e, _ := newVarying(t)
		e.play([]step{{hdr: en, runs: 1}, {hdr: fr, runs: 2}, {hdr: en, runs: 2}, {hdr: fr, runs: 2}})
	})
	t.Run("an ordinary route on the same key takes the index for a miss", func(t *testing.T) {
		e, _ := newVarying(t)
		e.play([]step{{hdr: en, runs: 1}})
		ordinary := gin.New()
		other := gincache.New(e.store, gincache.WithClock(e.clock.Now))
		ordinary.GET("/page", other.Handler(gincache.Policy{Public: true, ServerTTL: time.Hour}), page("real page"))
		w := httptest.NewRecorder()
		ordinary.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/page", nil))
		runAll(t, w, hasStatus(200), hasBody("real page"), hasHeader("X-Cache", "MISS"))
	})
	t.Run("credentials in a variant key are hashed, never kept or logged", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "hi", "Cache-Control", "public, max-age=60", "Vary", "Authorization, Cookie")
		e.play([]step{{hdr: []string{"Authorization", "Bearer sk-live-SECRET", "Cookie", "session=SECRET2"}, runs: 1}})
		e.store.fail(errBroken)
		e.play([]step{{hdr: []string{"Authorization", "Bearer sk-live-SECRET", "Cookie", "session=SECRET2"}, runs: 2}})
		if logs := e.logs.String(); !strings.Contains(logs, "store is broken") || strings.Contains(logs, "SECRET") {
			t.Errorf("logs = %s; want the store error without the credentials", logs)
		}
		_ = o
	})
}

// TestSharedRevalidationDetails: the 304 update's finer rules (RFC 9111
// §3.2, §4.3.4) and how the Cache-Status tells a request's refusal from
// staleness (RFC 9211 §2.2).
func TestSharedRevalidationDetails(t *testing.T) {
	t.Run("§3.2 fields a 304's Connection names are not stored", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Etag", `"v1"`)
		e.play([]step{{runs: 1}})
		o.notMod = http.Header{"Cache-Control": {"max-age=100"}, "Etag": {`"v1"`}, "Connection": {"X-Hop"}, "X-Hop": {"this hop only"}}
		e.play([]step{{advance: 20 * time.Second, runs: 2}, {runs: 2, checks: []check{noHeader("X-Hop"), hasHeader("Cache-Control", "max-age=100")}}})
		if v, ok := e.stored("/page").Header["X-Hop"]; ok {
			t.Errorf("stored X-Hop = %q; want it left out", v)
		}
	})
	t.Run("§4.3.4 a 304 to If-Modified-Since may bring the ETag", func(t *testing.T) {
		lm := httpDate(newClock().Now().Add(-time.Hour))
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Last-Modified", lm)
		e.play([]step{{runs: 1}})
		o.header.Set("Etag", `"v1"`)
		o.notMod = http.Header{"Cache-Control": {"max-age=100"}, "Etag": {`"v1"`}}
		e.play([]step{
			{advance: 20 * time.Second, hdr: []string{"If-None-Match", `"v1"`}, runs: 2, checks: []check{hasStatus(http.StatusNotModified)}},
			{advance: 10 * time.Second, runs: 2, checks: []check{hasStatus(200), hasBody("v1"), hasHeader("Etag", `"v1"`)}},
		})
	})
	t.Run("RFC 9211 a fresh response refused by the request is fwd=request", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=600", "Etag", `"v1"`)
		e.play([]step{
			{runs: 1},
			{advance: 5 * time.Second, hdr: []string{"Cache-Control", "max-age=0"}, runs: 2,
				checks: []check{hasHeader("Cache-Status", "gincache; fwd=request; stored; fwd-status=304")}},
		})
	})
}

// TestSharedSecondReview: what a second review found, pinned.
func TestSharedSecondReview(t *testing.T) {
	concurrently := func(t *testing.T, e *env, o *origin, leaderRq, waiterRq []string) {
		t.Helper()
		release := make(chan struct{})
		var first sync.Once
		body := o.bodyOf
		o.bodyOf = func(c *gin.Context) string {
			first.Do(func() { <-release })
			if body != nil {
				return body(c)
			}
			return o.body
		}
		key := gincache.Key(httptest.NewRequest(http.MethodGet, "/page", nil))
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); e.do(http.MethodGet, "/page", leaderRq...) }()
		waitFor(t, "the leader", func() bool { _, ok := gincache.FlightWaiters(e.cache, key); return ok })
		go func() { defer wg.Done(); e.do(http.MethodGet, "/page", waiterRq...) }()
		waitFor(t, "the waiter", func() bool { n, _ := gincache.FlightWaiters(e.cache, key); return n == 1 })
		close(release)
		wg.Wait()
		o.bodyOf = body
	}
	t.Run("§4.1 a waiter's own variant joins the leader's index", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "", "Cache-Control", "max-age=600", "Vary", "Accept-Language")
		o.bodyOf = func(c *gin.Context) string { return "lang=" + c.GetHeader("Accept-Language") }
		concurrently(t, e, o, []string{"Accept-Language", "en"}, []string{"Accept-Language", "fr"})
		e.wantRuns(2)
		e.play([]step{
			{hdr: []string{"Accept-Language", "fr"}, runs: 2, checks: []check{hasBody("lang=fr")}},
			{hdr: []string{"Accept-Language", "en"}, runs: 2, checks: []check{hasBody("lang=en")}}, // not orphaned
		})
	})
	t.Run("§5.2.2.4 a waiter on a no-cache response revalidates instead of rendering in full", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "no-cache", "Etag", `"v1"`)
		concurrently(t, e, o, nil, nil)
		e.wantRuns(2)
		if got := o.last(t).Get("If-None-Match"); got != `"v1"` {
			t.Errorf("the waiter's request upstream had If-None-Match %q; want %q", got, `"v1"`)
		}
	})
	t.Run("§3.5 a waiter with Authorization does not revalidate a response not made for it", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "no-cache", "Etag", `"v1"`)
		concurrently(t, e, o, nil, []string{"Authorization", "Bearer bob"})
		if got := o.last(t).Get("If-None-Match"); got != "" {
			t.Errorf("the authorized waiter's request upstream had If-None-Match %q; want a request of its own", got)
		}
	})
	t.Run("a streamed response keeps the Cache-Control set outside the route", func(t *testing.T) {
		for _, stream := range []bool{false, true} {
			cache := gincache.New(memstore.New())
			r := gin.New()
			r.Use(func(gc *gin.Context) { gc.Header("Cache-Control", "no-transform"); gc.Next() })
			r.GET("/page", cache.Handler(sharedPolicy), func(gc *gin.Context) {
				gc.String(http.StatusOK, "x")
				if stream {
					gc.Writer.Flush()
				}
			})
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/page", nil))
			if got := w.Header().Get("Cache-Control"); got != "no-transform" {
				t.Errorf("stream=%v: Cache-Control = %q; want %q", stream, got, "no-transform")
			}
		}
	})
}

// TestRefreshStreamReleasesWaiters: a background refresh that streams lets a
// request waiting on it go at once, as a foreground render does.
func TestRefreshStreamReleasesWaiters(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var calls atomic.Int64
	e := newEnv(t, gincache.Policy{Public: true, ServerTTL: time.Minute, StaleWhileRevalidate: time.Minute}, func(c *gin.Context) {
		c.String(http.StatusOK, "data: hello\n\n")
		if calls.Add(1) == 2 { // the background refresh streams and stays open
			c.Writer.Flush()
			<-release
		}
	}, gincache.WithCoalesceTimeout(time.Hour))
	e.do(http.MethodGet, "/page")
	e.clock.Advance(90 * time.Second)
	e.do(http.MethodGet, "/page") // stale: served, and the refresh starts
	waitFor(t, "the refresh", func() bool { return calls.Load() == 2 })
	e.clock.Advance(time.Minute) // past the window: a miss that would join the refresh's flight
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- e.do(http.MethodGet, "/page") }()
	select {
	case w := <-done:
		runAll(t, w, hasStatus(200), hasBody("data: hello\n\n"))
	case <-time.After(10 * time.Second): // the coalesce timeout is an hour
		t.Fatal("the miss waits for the streaming refresh to end")
	}
}

// TestSharedStaleWhileRevalidate: the response's own stale-while-revalidate
// (RFC 5861 §3, RFC 5861): within the window the stale copy is served
// at once and one background request revalidates it.
func TestSharedStaleWhileRevalidate(t *testing.T) {
	swr := []string{"Cache-Control", "max-age=10, stale-while-revalidate=30", "Etag", `"v1"`}
	tests := []struct {
		name string
		resp []string
		hdr  []string // the request after 20 s
		runs int64    // after it and its background refresh
		want []check
	}{
		{name: "within the window: stale at once, revalidated behind", resp: swr, runs: 2,
			want: []check{hasStatus(200), hasBody("v1"), hasHeader("Cache-Status", "gincache; hit; ttl=-10; detail=stale-while-revalidate"), hasHeader("Age", "20")}},
		{name: "§5.2.2.2 must-revalidate forbids it", resp: []string{"Cache-Control", "max-age=10, stale-while-revalidate=30, must-revalidate", "Etag", `"v1"`},
			runs: 2, want: []check{hasHeader("Cache-Status", "gincache; fwd=stale; stored; fwd-status=304")}},
		{name: "§5.2.1.1 a client's max-age asks for better", resp: swr, hdr: []string{"Cache-Control", "max-age=5"},
			runs: 2, want: []check{hasHeader("Cache-Status", "gincache; fwd=stale; stored; fwd-status=304")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", tt.resp...)
			e.play([]step{{runs: 1}})
			e.clock.Advance(20 * time.Second)
			w := e.do(http.MethodGet, "/page", tt.hdr...)
			e.cache.Wait()
			runAll(t, w, tt.want...)
			e.wantRuns(tt.runs)
			if got := o.last(t).Get("If-None-Match"); got != `"v1"` {
				t.Errorf("the revalidation sent If-None-Match %q; want %q", got, `"v1"`)
			}
			e.play([]step{{advance: 5 * time.Second, runs: tt.runs, checks: []check{hasHeader("X-Cache", "HIT from Server"), hasHeader("Age", "5")}}})
		})
	}
	t.Run("past the window the request waits for the revalidation", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "v1", swr...)
		e.play([]step{{runs: 1}, {advance: 41 * time.Second, runs: 2, checks: []check{hasHeader("Cache-Status", "gincache; fwd=stale; stored; fwd-status=304")}}})
	})
	t.Run("a changed response replaces the stale one behind the client", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", swr...)
		e.play([]step{{runs: 1}})
		o.set("Cache-Control", "max-age=10, stale-while-revalidate=30", "Etag", `"v2"`)
		o.body = "v2"
		e.clock.Advance(20 * time.Second)
		runAll(t, e.do(http.MethodGet, "/page"), hasBody("v1")) // the refresh runs behind it
		e.cache.Wait()
		e.play([]step{{runs: 2, checks: []check{hasBody("v2"), hasHeader("X-Cache", "HIT from Server")}}})
	})
}

// TestSharedHardRefreshStorm: on a SharedCache route too, concurrent
// no-cache requests share one revalidation started after they came (RFC
// 9111 §5.2.1.4), instead of one conditional request each.
func TestSharedHardRefreshStorm(t *testing.T) {
	const n = 20
	var version atomic.Int64
	gates := map[int64]chan struct{}{2: make(chan struct{}), 3: make(chan struct{})}
	e := newEnv(t, sharedPolicy, func(c *gin.Context) {
		if g, ok := gates[version.Add(1)]; ok {
			<-g
		}
		c.Header("Cache-Control", "max-age=60")
		c.Header("ETag", `"v"`)
		if c.GetHeader("If-None-Match") == `"v"` {
			c.Status(http.StatusNotModified)
			return
		}
		c.String(200, "page")
	})
	key := gincache.Key(httptest.NewRequest(http.MethodGet, "/page", nil))
	runAll(t, e.do(http.MethodGet, "/page"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
	e.clock.Advance(61 * time.Second) // stale: the next GET revalidates
	var wg sync.WaitGroup
	wg.Go(func() { runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasBody("page")) })
	waitFor(t, "the first revalidation to start", func() bool { return version.Load() == 2 })
	reloads := make([]*httptest.ResponseRecorder, n)
	for i := range n {
		wg.Go(func() { reloads[i] = e.do(http.MethodGet, "/page", "Cache-Control", "no-cache") })
	}
	waitFor(t, "the reloads to wait out the revalidation under way", func() bool {
		w, ok := gincache.FlightWaiters(e.cache, key)
		return ok && w == n
	})
	close(gates[2])
	waitFor(t, "the reloads to share the next revalidation", func() bool {
		w, ok := gincache.FlightWaiters(e.cache, key)
		return version.Load() == 3 && ok && w == n-1
	})
	close(gates[3])
	wg.Wait()
	e.wantRuns(3)
	for _, w := range reloads {
		runAll(t, w, hasStatus(200), hasBody("page"), hasHeader("Age", "0"))
	}
}

// TestSharedCacheStatus: a SharedCache route appends its member to the
// Cache-Status its upstream sent (RFC 9211 §2); from the store it sends its
// own alone, since the upstream did not see that request.
func TestSharedCacheStatus(t *testing.T) {
	t.Run("RFC 9211 §2 appended to the upstream's list, in one line", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Etag", `"v1"`,
			"Cache-Status", "origin-cache; hit", "Cache-Status", "edge; fwd=uri-miss,")
		e.play([]step{
			{runs: 1, checks: []check{hasHeader("Cache-Status", "origin-cache; hit, edge; fwd=uri-miss, gincache; fwd=uri-miss; stored")}},
			{runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; hit; ttl=10")}},
		})
	})
	t.Run("RFC 9211 §2 a 304's member precedes the revalidation's", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cache-Control", "max-age=10", "Etag", `"v1"`)
		e.play([]step{{runs: 1}})
		o.notMod = http.Header{"Cache-Control": {"max-age=10"}, "Etag": {`"v1"`}, "Cache-Status": {"origin-cache; hit"}}
		e.play([]step{{advance: 20 * time.Second, runs: 2, checks: []check{
			hasHeader("Cache-Status", "origin-cache; hit, gincache; fwd=stale; stored; fwd-status=304")}}})
	})
	t.Run("RFC 9211 §2 a streamed response appends too", func(t *testing.T) {
		e := newEnv(t, sharedPolicy, func(c *gin.Context) {
			c.Header("Cache-Status", "origin-cache; fwd=uri-miss")
			c.String(http.StatusOK, "data: x\n\n")
			c.Writer.Flush()
		})
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("Cache-Status", "origin-cache; fwd=uri-miss, gincache; fwd=uri-miss; detail=streamed"))
	})
	t.Run("a fixed-policy route's member replaces its handler's", func(t *testing.T) {
		e := newEnv(t, gincache.Policy{Public: true, ServerTTL: time.Minute}, func(c *gin.Context) {
			c.Header("Cache-Status", "origin-cache; hit")
			c.String(http.StatusOK, "x")
		})
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
	})
}

// TestSharedCDNCacheControl: CDN-Cache-Control, when valid, is what the
// cache decides by, instead of Cache-Control and Expires (RFC 9213 §2.1);
// clients get Cache-Control untouched and, unless the policy forwards it,
// no CDN-Cache-Control.
func TestSharedCDNCacheControl(t *testing.T) {
	now := newClock().Now()
	forward := gincache.Policy{SharedCache: true, ServerTTL: time.Hour, ForwardCDNCacheControl: true}
	tests := []struct {
		name   string
		policy gincache.Policy
		hdr    []string
		steps  []step
	}{
		{name: "RFC 9213 §2.1 its max-age wins over Cache-Control's",
			hdr: []string{"Cdn-Cache-Control", "max-age=600", "Cache-Control", "max-age=0, must-revalidate"},
			steps: []step{
				{runs: 1, checks: []check{hasHeader("Cache-Control", "max-age=0, must-revalidate"), noHeader("Cdn-Cache-Control"),
					hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored")}},
				{advance: 599 * time.Second, runs: 1, checks: []check{hasHeader("Cache-Control", "max-age=0, must-revalidate"), noHeader("Cdn-Cache-Control"),
					hasHeader("X-Cache", "HIT from Server")}},
				{advance: time.Second, runs: 2},
			}},
		{name: "RFC 9213 §2.1 its no-store keeps the response out",
			hdr:   []string{"Cdn-Cache-Control", "no-store", "Cache-Control", "public, max-age=60"},
			steps: []step{{runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=cache-control")}}, {runs: 2}}},
		{name: "RFC 9213 §2.1 its private keeps the response out",
			hdr:   []string{"Cdn-Cache-Control", "private", "Cache-Control", "public, max-age=60"},
			steps: []step{{runs: 1}, {runs: 2}}},
		{name: "RFC 9213 §2.1 Cache-Control's no-store does not apply beside it",
			hdr:   []string{"Cdn-Cache-Control", "max-age=60", "Cache-Control", "no-store"},
			steps: []step{{runs: 1}, {runs: 1, checks: []check{hasHeader("Cache-Control", "no-store")}}}},
		{name: "RFC 9213 §2.1 Expires is ignored beside it",
			hdr:   []string{"Cdn-Cache-Control", "must-revalidate", "Date", httpDate(now), "Expires", httpDate(now.Add(time.Hour))},
			steps: []step{{runs: 1, checks: []check{hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=stale")}}, {runs: 2}}},
		{name: "RFC 9213 §2.1 an invalid one is ignored: Cache-Control decides",
			hdr:   []string{"Cdn-Cache-Control", "Max-Age=600", "Cache-Control", "max-age=10"},
			steps: []step{{runs: 1, checks: []check{noHeader("Cdn-Cache-Control")}}, {advance: 10 * time.Second, runs: 2}}},
		{name: "RFC 9213 §2.1 an empty one is ignored",
			hdr:   []string{"Cdn-Cache-Control", "", "Cache-Control", "no-store"},
			steps: []step{{runs: 1}, {runs: 2}}},
		{name: "ForwardCDNCacheControl sends it on", policy: forward,
			hdr: []string{"Cdn-Cache-Control", "max-age=600", "Cache-Control", "max-age=0"},
			steps: []step{
				{runs: 1, checks: []check{hasHeader("Cdn-Cache-Control", "max-age=600")}},
				{runs: 1, checks: []check{hasHeader("Cdn-Cache-Control", "max-age=600"), hasHeader("Cache-Control", "max-age=0")}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			if !p.SharedCache {
				p = sharedPolicy
			}
			e, _ := newShared(t, p, http.StatusOK, "hello", tt.hdr...)
			e.play(tt.steps)
		})
	}
	t.Run("RFC 9213 §2.1 not sent after a revalidation either", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusOK, "v1", "Cdn-Cache-Control", "max-age=10", "Cache-Control", "no-cache", "Etag", `"v1"`)
		e.play([]step{
			{runs: 1},
			{advance: 20 * time.Second, runs: 2, checks: []check{hasBody("v1"), noHeader("Cdn-Cache-Control"), hasHeader("Cache-Control", "no-cache"),
				hasHeader("Cache-Status", "gincache; fwd=stale; stored; fwd-status=304")}},
		})
	})
	t.Run("ForwardCDNCacheControl only on a SharedCache policy", func(t *testing.T) {
		err := gincache.Policy{Public: true, ServerTTL: time.Minute, ForwardCDNCacheControl: true}.Validate()
		if err == nil || !strings.Contains(err.Error(), "ForwardCDNCacheControl applies only to a SharedCache policy") {
			t.Errorf("Validate() = %v; want the ForwardCDNCacheControl error", err)
		}
	})
}

// TestSharedRange: a GET with Range is answered from a stored complete 200
// (RFC 9110 §14); what the store cannot answer goes to the handler, and its
// 206 is not stored.
func TestSharedRange(t *testing.T) {
	lm := httpDate(newClock().Now().Add(-time.Hour))
	resp := []string{"Cache-Control", "max-age=60", "Etag", `"v1"`, "Last-Modified", lm, "Content-Type", "text/plain"}
	hit := hasHeader("X-Cache", "HIT from Server")
	tests := []struct {
		name   string
		hdr    []string
		checks []check
	}{
		{name: "RFC 9110 §14.2 one range is a 206 with its Content-Range", hdr: []string{"Range", "bytes=2-5"},
			checks: []check{hasStatus(http.StatusPartialContent), hasBody("2345"), hasHeader("Content-Range", "bytes 2-5/10"),
				hasHeader("Content-Length", "4"), hasHeader("Content-Type", "text/plain"), hasHeader("Etag", `"v1"`), hit}},
		{name: "RFC 9110 §14.1.2 a suffix range", hdr: []string{"Range", "bytes=-3"},
			checks: []check{hasStatus(http.StatusPartialContent), hasBody("789"), hasHeader("Content-Range", "bytes 7-9/10")}},
		{name: "RFC 9110 §15.5.17 none satisfiable is a 416", hdr: []string{"Range", "bytes=10-"},
			checks: []check{hasStatus(http.StatusRequestedRangeNotSatisfiable), hasBody(""), hasHeader("Content-Range", "bytes */10")}},
		{name: "RFC 9110 §14.2 an invalid Range is ignored", hdr: []string{"Range", "bytes=5-1"},
			checks: []check{hasStatus(http.StatusOK), hasBody("0123456789"), hit}},
		{name: "RFC 9110 §13.1.5 If-Range with the strong ETag", hdr: []string{"Range", "bytes=0-0", "If-Range", `"v1"`},
			checks: []check{hasStatus(http.StatusPartialContent), hasBody("0")}},
		{name: "RFC 9110 §13.1.5 If-Range with another ETag gets it all", hdr: []string{"Range", "bytes=0-0", "If-Range", `"v0"`},
			checks: []check{hasStatus(http.StatusOK), hasBody("0123456789")}},
		{name: "RFC 9110 §13.1.5 If-Range with the Last-Modified date", hdr: []string{"Range", "bytes=0-0", "If-Range", lm},
			checks: []check{hasStatus(http.StatusPartialContent), hasBody("0")}},
		{name: "RFC 9110 §13.2.2 If-None-Match comes first: 304", hdr: []string{"Range", "bytes=0-0", "If-None-Match", `"v1"`},
			checks: []check{hasStatus(http.StatusNotModified)}},
		{name: "RFC 9110 §14.6 several ranges are multipart/byteranges", hdr: []string{"Range", "bytes=0-1,5-6"},
			checks: []check{hasStatus(http.StatusPartialContent), func(t *testing.T, w *httptest.ResponseRecorder) {
				t.Helper()
				ct := w.Header().Get("Content-Type")
				boundary, ok := strings.CutPrefix(ct, "multipart/byteranges; boundary=")
				if !ok {
					t.Fatalf("Content-Type = %q; want multipart/byteranges", ct)
				}
				want := "\r\n--" + boundary + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\n01" +
					"\r\n--" + boundary + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-6/10\r\n\r\n56" +
					"\r\n--" + boundary + "--\r\n"
				if w.Body.String() != want {
					t.Errorf("body = %q; want %q", w.Body.String(), want)
				}
				if got := w.Header().Get("Content-Length"); got != strconv.Itoa(len(want)) {
					t.Errorf("Content-Length = %s; want %d", got, len(want))
				}
			}}},
		{name: "RFC 9110 §14.2 overlapping ranges get it all", hdr: []string{"Range", "bytes=0-5,3-8"},
			checks: []check{hasStatus(http.StatusOK), hasBody("0123456789")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newShared(t, sharedPolicy, http.StatusOK, "0123456789", resp...)
			e.play([]step{{runs: 1}, {hdr: tt.hdr, runs: 1, checks: tt.checks}})
		})
	}
	t.Run("RFC 9111 §3.3 a miss forwards the Range; its 206 is not stored", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusPartialContent, "23", "Cache-Control", "max-age=60", "Content-Range", "bytes 2-3/10")
		e.play([]step{
			{hdr: []string{"Range", "bytes=2-3"}, runs: 1, checks: []check{hasStatus(206), hasHeader("Cache-Status", "gincache; fwd=bypass; detail=range")}},
			{hdr: []string{"Range", "bytes=2-3"}, runs: 2},
		})
		if got := o.last(t).Get("Range"); got != "bytes=2-3" {
			t.Errorf("the handler saw Range %q; want it forwarded", got)
		}
		e.wantStored(0)
	})
	t.Run("RFC 9110 §14.2 a stale entry is not served in part: the Range goes on", func(t *testing.T) {
		e, o := newShared(t, sharedPolicy, http.StatusOK, "0123456789", resp...)
		e.play([]step{{runs: 1}, {advance: 61 * time.Second, hdr: []string{"Range", "bytes=0-0"}, runs: 2}})
		if got := o.last(t).Get("Range"); got != "bytes=0-0" {
			t.Errorf("the handler saw Range %q; want it forwarded", got)
		}
	})
	t.Run("RFC 9110 §14.2 Range on a stored 404 is ignored", func(t *testing.T) {
		e, _ := newShared(t, sharedPolicy, http.StatusNotFound, "gone", "Cache-Control", "max-age=60")
		e.play([]step{{runs: 1}, {hdr: []string{"Range", "bytes=0-0"}, runs: 1, checks: []check{hasStatus(404), hasBody("gone")}}})
	})
}
