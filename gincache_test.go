package gincache_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

// The seed's app shell: public, revalidated on every use, kept 5 minutes on the server.
var shell = gincache.Policy{Public: true, NoCache: true, MaxAge: 120 * time.Second, ServerTTL: 5 * time.Minute}

const shellBody = "<html>app shell</html>"

// step is one request of a flow and what its response must be.
type step struct {
	name    string
	advance time.Duration // move the clock first
	method  string        // default GET
	target  string        // default /page
	hdr     []string
	checks  []check
	runs    int64 // how many times the handler has run after this step
}

// flow is a sequence of requests against one fresh application.
type flow struct {
	name    string
	policy  gincache.Policy
	handler gin.HandlerFunc // default page(shellBody)
	opts    []gincache.Option
	steps   []step
	stored  int // entries in the store at the end
}

func runFlows(t *testing.T, flows []flow) {
	t.Helper()
	for _, f := range flows {
		t.Run(f.name, func(t *testing.T) {
			h := f.handler
			if h == nil {
				h = page(shellBody)
			}
			e := newEnv(t, f.policy, h, f.opts...)
			for i, s := range f.steps {
				e.clock.Advance(s.advance)
				method, target := s.method, s.target
				if method == "" {
					method = http.MethodGet
				}
				if target == "" {
					target = "/page"
				}
				w := e.do(method, target, s.hdr...)
				t.Run(strconv.Itoa(i)+"_"+s.name, func(t *testing.T) {
					runAll(t, w, s.checks...)
					if got := e.runs.Load(); got != s.runs {
						t.Errorf("handler ran %d times; want %d", got, s.runs)
					}
				})
			}
			e.wantStored(f.stored)
		})
	}
}

const lastMod = "Mon, 23 Nov 2026 12:00:00 GMT" // the fake clock's start

// TestDecisionTree follows the seed's decision tree request by request.
func TestDecisionTree(t *testing.T) {
	shellETag := etagOf(t, shellBody)
	miss := []check{hasStatus(200), hasBody(shellBody), hasHeader("X-Cache", "MISS"),
		hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"),
		hasHeader("Cache-Control", "public, no-cache, max-age=120"),
		hasHeader("ETag", shellETag), hasHeader("Last-Modified", lastMod), hasHeader("X-Last-Modified", lastMod),
		hasHeader("Content-Type", "text/html; charset=utf-8"), hasHeader("Content-Length", strconv.Itoa(len(shellBody)))}
	hit := func(age, ttl int) []check {
		return []check{hasStatus(200), hasBody(shellBody), hasHeader("X-Cache", "HIT from Server"),
			hasHeader("Cache-Status", "gincache; hit; ttl="+strconv.Itoa(ttl)), hasHeader("Age", strconv.Itoa(age)),
			hasHeader("Cache-Control", "public, no-cache, max-age=120"), hasHeader("ETag", shellETag),
			hasHeader("Content-Type", "text/html; charset=utf-8"), hasHeader("Content-Length", strconv.Itoa(len(shellBody)))}
	}
	// RFC 9110 §15.4.5: no body, the validators and Cache-Control, no representation metadata.
	notModified := func(xcache string) []check {
		return []check{hasStatus(304), hasBody(""), hasHeader("X-Cache", xcache), hasHeader("ETag", shellETag),
			hasHeader("Cache-Control", "public, no-cache, max-age=120"), noHeader("Content-Type"),
			noHeader("Content-Length"), noHeader("Last-Modified"), noHeader("X-Last-Modified")}
	}
	runFlows(t, []flow{
		{name: "miss then hit; the handler runs once (RFC 9111 §4, RFC 9111 §5.1, RFC 9211, X-Cache)", policy: shell, stored: 1, steps: []step{
			{name: "miss", checks: miss, runs: 1},
			{name: "hit", checks: hit(0, 300), runs: 1},
			{name: "hit 30s later keeps Last-Modified", advance: 30 * time.Second, runs: 1,
				checks: append(hit(30, 270), hasHeader("Last-Modified", lastMod), hasHeader("X-Last-Modified", lastMod))},
		}},
		{name: "expired entry is rendered again", policy: shell, stored: 1, steps: []step{
			{name: "miss", checks: miss, runs: 1},
			{name: "after ServerTTL", advance: 5*time.Minute + time.Second, runs: 2, checks: []check{
				hasHeader("X-Cache", "MISS"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored")}},
		}},
		{name: "conditional requests on a hit (RFC 9110 §13.1, §15.4.5)", policy: shell, stored: 1, steps: []step{
			{name: "miss", checks: miss, runs: 1},
			{name: "If-None-Match matches: 304 (RFC 9110 §13.1.2)", hdr: []string{"If-None-Match", shellETag},
				checks: append(notModified("HIT from Client"), hasHeader("Cache-Status", "gincache; hit; ttl=300"), hasHeader("Age", "0")), runs: 1},
			{name: "weak comparison (RFC 9110 §8.8.3.2)", hdr: []string{"If-None-Match", "W/" + shellETag}, checks: notModified("HIT from Client"), runs: 1},
			{name: "list (RFC 9110 §13.1.2)", hdr: []string{"If-None-Match", `"a", W/` + shellETag + ` , "c"`}, checks: notModified("HIT from Client"), runs: 1},
			{name: "list over two lines (RFC 9110 §13.1.2)", hdr: []string{"If-None-Match", `"a"`, "If-None-Match", shellETag}, checks: notModified("HIT from Client"), runs: 1},
			{name: "star (RFC 9110 §13.1.2)", hdr: []string{"If-None-Match", "*"}, checks: notModified("HIT from Client"), runs: 1},
			{name: "no match: full response", hdr: []string{"If-None-Match", `"other"`}, checks: hit(0, 300), runs: 1},
			{name: "If-Modified-Since at Last-Modified (RFC 9110 §13.1.3)", hdr: []string{"If-Modified-Since", lastMod}, checks: notModified("HIT from Client"), runs: 1},
			{name: "If-Modified-Since before Last-Modified", hdr: []string{"If-Modified-Since", "Mon, 23 Nov 2026 11:59:59 GMT"}, checks: hit(0, 300), runs: 1},
			{name: "If-Modified-Since ignored beside If-None-Match (RFC 9110 §13.1.3)", hdr: []string{"If-None-Match", `"other"`, "If-Modified-Since", lastMod}, checks: hit(0, 300), runs: 1},
			{name: "invalid date is ignored (RFC 9110 §13.1.3, RFC 9110 §13.1)", hdr: []string{"If-Modified-Since", "yesterday"}, checks: hit(0, 300), runs: 1},
			{name: "malformed If-None-Match is ignored (RFC 9110 §13.1)", hdr: []string{"If-None-Match", "unquoted"}, checks: hit(0, 300), runs: 1},
			{name: "malformed If-None-Match matches nothing, and still silences If-Modified-Since (RFC 9110 §13.1.3, RFC 9110 §13.1)", hdr: []string{"If-None-Match", `"a" junk`, "If-Modified-Since", lastMod}, checks: hit(0, 300), runs: 1},
			{name: "two If-Modified-Since lines are ignored (RFC 9110 §13.1.3)", hdr: []string{"If-Modified-Since", lastMod, "If-Modified-Since", lastMod}, checks: hit(0, 300), runs: 1},
			{name: "HEAD on a 304 path", method: http.MethodHead, hdr: []string{"If-None-Match", shellETag}, checks: notModified("HIT from Client"), runs: 1},
		}},
		{name: "a fresh render answers 304 to a validator it matches (a deterministic strong ETag)", policy: shell, stored: 1, steps: []step{
			{name: "first request already knows the ETag", hdr: []string{"If-None-Match", shellETag}, runs: 1,
				checks: append(notModified("HIT from Client"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))},
			{name: "and the response was stored", checks: hit(0, 300), runs: 1},
		}},
		{name: "hard refresh re-renders and refreshes the store (RFC 9111 §5.2.1.4)", policy: shell, stored: 1, steps: []step{
			{name: "miss", checks: miss, runs: 1},
			{name: "Cache-Control: no-cache", hdr: []string{"Cache-Control", "no-cache"}, runs: 2, checks: []check{
				hasStatus(200), hasBody(shellBody), hasHeader("X-Cache", "MISS"), hasHeader("Cache-Status", "gincache; fwd=request; stored")}},
			{name: "Pragma: no-cache without Cache-Control", advance: 10 * time.Second, hdr: []string{"Pragma", "no-cache"}, runs: 3,
				checks: []check{hasHeader("Cache-Status", "gincache; fwd=request; stored")}},
			{name: "the refreshed entry is younger", advance: 10 * time.Second, runs: 3,
				checks: append(hit(10, 290), hasHeader("Last-Modified", "Mon, 23 Nov 2026 12:00:10 GMT"))},
			{name: "Pragma beside Cache-Control is ignored (§5.4)", hdr: []string{"Pragma", "no-cache", "Cache-Control", "max-age=0"}, checks: hit(10, 290), runs: 3},
			{name: "a normal reload (max-age=0) revalidates against the store", hdr: []string{"Cache-Control", "max-age=0", "If-None-Match", shellETag}, checks: notModified("HIT from Client"), runs: 3},
		}},
		{name: "IgnoreRequestNoCache protects the route (RFC 9111 §5.2.1.4)", stored: 1, steps: []step{
			{name: "miss", runs: 1},
			{name: "no-cache is served from the store", hdr: []string{"Cache-Control", "no-cache"}, checks: []check{hasHeader("X-Cache", "HIT from Server")}, runs: 1},
		}, policy: gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute, IgnoreRequestNoCache: true}},
		{name: "WithRequestNoCache(false) protects every route (RFC 9111 §5.2.1.4)", policy: shell, opts: []gincache.Option{gincache.WithRequestNoCache(false)}, stored: 1, steps: []step{
			{name: "miss", runs: 1},
			{name: "no-cache is served from the store", hdr: []string{"Cache-Control", "no-cache"}, checks: []check{hasHeader("X-Cache", "HIT from Server")}, runs: 1},
		}},
		{name: "only-if-cached (RFC 9111 §5.2.1.7)", policy: shell, stored: 1, steps: []step{
			{name: "miss gives 504 without running the handler", hdr: []string{"Cache-Control", "only-if-cached"}, runs: 0,
				checks: []check{hasStatus(504), hasHeader("Cache-Status", "gincache; detail=only-if-cached")}},
			{name: "render", runs: 1},
			{name: "hit is served", hdr: []string{"Cache-Control", "only-if-cached"}, checks: hit(0, 300), runs: 1},
		}},
		{name: "request no-store: served, not stored (RFC 9111 §5.2.1.5)", policy: shell, stored: 0, steps: []step{
			{name: "render", hdr: []string{"Cache-Control", "no-store"}, runs: 1, checks: []check{
				hasStatus(200), hasHeader("Cache-Status", "gincache; fwd=uri-miss"), hasHeader("ETag", shellETag)}},
			{name: "still a miss", hdr: []string{"Cache-Control", "no-store"}, runs: 2},
		}},
		{name: "HEAD is answered from the stored GET, never stored itself (RFC 9111 §3)", policy: shell, stored: 1, steps: []step{
			{name: "HEAD miss", method: http.MethodHead, runs: 1, checks: []check{hasStatus(200), hasHeader("Cache-Status", "gincache; fwd=uri-miss")}},
			{name: "GET is still a miss", runs: 2, checks: miss},
			{name: "HEAD hit: headers, no body", method: http.MethodHead, runs: 2, checks: []check{
				hasStatus(200), hasBody(""), hasHeader("X-Cache", "HIT from Server"),
				hasHeader("Content-Length", strconv.Itoa(len(shellBody))), hasHeader("ETag", shellETag)}},
		}},
		{name: "other methods pass through (RFC 9111 §3)", policy: shell, stored: 0, steps: []step{
			{name: "POST", method: http.MethodPost, runs: 1, checks: []check{hasStatus(200), hasBody(shellBody),
				hasHeader("Cache-Status", "gincache; fwd=method"), noHeader("ETag"), noHeader("Cache-Control")}},
			{name: "POST again", method: http.MethodPost, runs: 2},
		}},
		{name: "ServerTTL 0: validators and 304, nothing stored", stored: 0,
			policy: gincache.Policy{Public: true, NoCache: true, MaxAge: time.Minute}, steps: []step{
				{name: "render", runs: 1, checks: []check{hasStatus(200), hasHeader("ETag", shellETag),
					hasHeader("Cache-Control", "public, no-cache, max-age=60"), hasHeader("Cache-Status", "gincache; fwd=bypass"), hasHeader("X-Cache", "MISS")}},
				{name: "304 after rendering again", hdr: []string{"If-None-Match", shellETag}, runs: 2, checks: []check{
					hasStatus(304), hasBody(""), hasHeader("X-Cache", "HIT from Client"), hasHeader("ETag", shellETag)}},
				{name: "only-if-cached: nothing is ever stored (RFC 9111 §5.2.1.7)", hdr: []string{"Cache-Control", "only-if-cached"}, runs: 2, checks: []check{hasStatus(504)}},
			}},
		{name: "the query is part of the key (the key is the whole URL)", policy: shell, stored: 3, steps: []step{
			{name: "plain", runs: 1}, {name: "plain hit", runs: 1},
			{name: "extra parameter", target: "/page?utm=x", runs: 2, checks: []check{hasHeader("X-Cache", "MISS")}},
			{name: "parameters in another order", target: "/page?b=1&a=2", runs: 3},
			{name: "the same query hits", target: "/page?utm=x", runs: 3, checks: []check{hasHeader("X-Cache", "HIT from Server")}},
		}},
		{name: "the host is part of the key (the key is the whole URL)", policy: shell, stored: 2, steps: []step{
			{name: "example.com", runs: 1},
			{name: "evil.test", hdr: []string{"Host", "evil.test"}, runs: 2, checks: []check{hasHeader("X-Cache", "MISS")}},
			{name: "host names are case-insensitive", hdr: []string{"Host", "EXAMPLE.com"}, runs: 2, checks: []check{hasHeader("X-Cache", "HIT from Server")}},
		}},
		{name: "Vary selects a variant (RFC 9111 §4.1)", stored: 2,
			policy:  gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute, Vary: []string{"accept-language"}},
			handler: func(c *gin.Context) { c.String(200, "lang=%s", c.GetHeader("Accept-Language")) }, steps: []step{
				{name: "en", hdr: []string{"Accept-Language", "en"}, runs: 1, checks: []check{hasBody("lang=en"), hasHeader("Vary", "Accept-Language")}},
				{name: "fr", hdr: []string{"Accept-Language", "fr"}, runs: 2, checks: []check{hasBody("lang=fr")}},
				{name: "en hit", hdr: []string{"Accept-Language", "en"}, runs: 2, checks: []check{hasBody("lang=en"), hasHeader("X-Cache", "HIT from Server"), hasHeader("Vary", "Accept-Language")}},
				{name: "fr hit", hdr: []string{"Accept-Language", "fr"}, runs: 2, checks: []check{hasBody("lang=fr")}},
			}},
	})
}

// etagOf is the ETag a fresh application derives for body (a deterministic strong ETag).
func etagOf(t *testing.T, body string) string {
	t.Helper()
	e := newEnv(t, shell, page(body))
	return e.do(http.MethodGet, "/page").Header().Get("ETag")
}
