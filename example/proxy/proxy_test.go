package main

import (
	"compress/gzip"

	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/storetest"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/redisstore"
	"github.com/redis/go-redis/v9"
)

// End to end: a real upstream server and the proxy, both on loopback, a real
// HTTP client, and a clock moved by hand for the cache.

// upstream is a test origin: each path has its own behaviour, and it counts
// what it was asked.
type upstream struct {
	mu   sync.Mutex
	hits map[string]int
	inm  map[string]string // the last If-None-Match per path
	data string            // what /data says; a POST changes it
	now  func() time.Time  // its clock, for Date: the cache's, or Age would count the skew
}

func (u *upstream) count(path string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits[path]
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.hits[r.URL.Path]++
	u.inm[r.URL.Path] = r.Header.Get("If-None-Match")
	data := u.data
	if r.Method == http.MethodPost {
		b, _ := io.ReadAll(r.Body)
		u.data = string(b)
	}
	u.mu.Unlock()
	h := w.Header()
	h.Set("Date", u.now().UTC().Format(http.TimeFormat))
	switch r.URL.Path {
	case "/fresh":
		h.Set("Cache-Control", "public, max-age=60")
		_, _ = io.WriteString(w, "fresh")
	case "/data": // revalidated: a short lifetime and a strong ETag of the content
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		sum := sha256.Sum256([]byte(data))
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		h.Set("Cache-Control", "max-age=10")
		h.Set("Etag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = io.WriteString(w, data)
	case "/secret":
		h.Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, "secret")
	case "/lang":
		h.Set("Cache-Control", "max-age=60")
		h.Set("Vary", "Accept-Language")
		_, _ = io.WriteString(w, "lang:"+r.Header.Get("Accept-Language"))
	case "/login":
		h.Set("Cache-Control", "public, max-age=60")
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "alice"})
		_, _ = io.WriteString(w, "welcome")
	case "/big": // chunked, larger than the store's body limit: streams
		h.Set("Cache-Control", "max-age=60")
		for range 8 {
			_, _ = w.Write(make([]byte, 1024))
			w.(http.Flusher).Flush()
		}
	case "/chunked": // chunked but small: buffered by the proxy, stored
		h.Set("Cache-Control", "max-age=60")
		_, _ = w.Write([]byte("part one, "))
		w.(http.Flusher).Flush()
		_, _ = w.Write([]byte("part two"))
	case "/bad-expires": // RFC 9110 §5.6.7: two spaces make this Expires no HTTP-date
		h.Set("Expires", strings.Replace(u.now().Add(time.Hour).UTC().Format(http.TimeFormat), " ", "  ", 1))
		_, _ = io.WriteString(w, "expired")
	case "/mismatch": // a 304 that names another entity-tag than the one asked about
		h.Set("Cache-Control", "max-age=10")
		if r.Header.Get("If-None-Match") != "" {
			h.Set("Etag", `"other"`)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Etag", `"full"`)
		_, _ = io.WriteString(w, "full")
	case "/chain": // behind a cache of its own
		h.Set("Cache-Control", "max-age=60")
		h.Set("Cache-Status", "origin-cache; hit")
		_, _ = io.WriteString(w, "chain")
	case "/maintenance": // an error page with an explicit lifetime
		h.Set("Cache-Control", "max-age=30")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "back soon")
	case "/token": // a field that must not be reused unvalidated, one that must not be stored
		h.Set("Cache-Control", `max-age=60, no-cache="X-Token", private="X-User"`)
		h.Set("X-Token", "t1")
		h.Set("X-User", "alice")
		_, _ = io.WriteString(w, "token")
	case "/edge": // a long lifetime for the edge, none for browsers (RFC 9213)
		h.Set("CDN-Cache-Control", "max-age=600")
		h.Set("Cache-Control", "no-cache")
		_, _ = io.WriteString(w, "edge")
	case "/text": // an identity page worth compressing: the proxy compresses it once
		h.Set("Cache-Control", "max-age=60")
		h.Set("Content-Type", "text/html")
		h.Set("Etag", `"text"`)
		_, _ = io.WriteString(w, bigText)
	case "/gzipped": // gzip for the clients that take it, as many origins do
		h.Set("Cache-Control", "max-age=60")
		h.Set("Content-Type", "text/html")
		h.Set("Vary", "Accept-Encoding")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = io.WriteString(zw, bigText)
			_ = zw.Close()
			return
		}
		_, _ = io.WriteString(w, bigText)
	case "/static": // a file served with a Last-Modified and no lifetime, as many origins do
		h.Set("Last-Modified", u.now().Add(-100*time.Hour).UTC().Format(http.TimeFormat))
		_, _ = io.WriteString(w, "static")
	default:
		http.NotFound(w, r)
	}
}

type rig struct {
	t     *testing.T
	clock *storetest.Clock
	up    *upstream
	proxy *httptest.Server
}

// stores are the stores every proxy test runs on: memstore, and a real
// Redis when GINCACHE_REDIS_ADDR names one (CI sets it).
func stores(t *testing.T) map[string]func(*storetest.Clock) gincache.Store {
	t.Helper()
	m := map[string]func(*storetest.Clock) gincache.Store{
		"memstore": func(c *storetest.Clock) gincache.Store {
			return memstore.New(memstore.WithClock(c.Now), memstore.WithMaxBytes(1<<20))
		},
	}
	addr := os.Getenv("GINCACHE_REDIS_ADDR")
	if addr == "" {
		return m
	}
	m["redis"] = func(*storetest.Clock) gincache.Store {
		client := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
		prefix := fmt.Sprintf("gincache-proxy-test:%d:", time.Now().UnixNano())
		t.Cleanup(func() {
			ctx := context.Background()
			for it := client.Scan(ctx, 0, prefix+"*", 100).Iterator(); it.Next(ctx); {
				client.Del(ctx, it.Val())
			}
			_ = client.Close()
		})
		return redisstore.New(client, redisstore.WithPrefix(prefix))
	}
	return m
}

// eachStore runs f once per store.
func eachStore(t *testing.T, f func(t *testing.T, r *rig)) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) { f(t, newRig(t, open)) })
	}
}

func newRig(t *testing.T, open func(*storetest.Clock) gincache.Store) *rig {
	t.Helper()
	gin.SetMode(gin.TestMode)
	clock := storetest.NewClock()
	up := &upstream{hits: map[string]int{}, inm: map[string]string{}, data: "v1", now: clock.Now}
	origin := httptest.NewServer(up)
	t.Cleanup(origin.Close)
	target, _ := url.Parse(origin.URL)
	cache := gincache.New(open(clock), gincache.WithClock(clock.Now), gincache.WithMaxBodySize(4096), gincache.WithCompression(gincache.Compression{}))
	proxy := httptest.NewServer(newProxy(cache, proxyPolicy(defaultKeep, defaultHeuristic, false), target, t.Logf, 4096))
	t.Cleanup(proxy.Close)
	return &rig{t: t, clock: clock, up: up, proxy: proxy}
}

// get fetches path through the proxy; hdr holds name and value pairs.
func (r *rig) do(method, path string, body string, hdr ...string) (*http.Response, string) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.proxy.URL+path, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return res, string(b)
}

func (r *rig) get(path string, hdr ...string) (*http.Response, string) {
	r.t.Helper()
	return r.do(http.MethodGet, path, "", hdr...)
}

func (r *rig) wantUpstream(path string, want int) {
	r.t.Helper()
	if got := r.up.count(path); got != want {
		r.t.Errorf("upstream saw %s %d times; want %d", path, got, want)
	}
}

func wantHeader(t *testing.T, res *http.Response, k, want string) {
	t.Helper()
	if got := res.Header.Get(k); got != want {
		t.Errorf("%s = %q; want %q", k, got, want)
	}
}

func TestProxyFreshHit(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		res, body := r.get("/fresh")
		wantHeader(t, res, "X-Cache", "MISS")
		wantHeader(t, res, "Cache-Control", "public, max-age=60")
		r.clock.Advance(30 * time.Second)
		res, body2 := r.get("/fresh")
		wantHeader(t, res, "X-Cache", "HIT from Server")
		wantHeader(t, res, "Age", "30")
		if body != "fresh" || body2 != "fresh" {
			t.Errorf("bodies = %q, %q; want fresh twice", body, body2)
		}
		r.wantUpstream("/fresh", 1)
		r.clock.Advance(31 * time.Second)
		r.get("/fresh")
		r.wantUpstream("/fresh", 2)
	})
}

func TestProxyRevalidation(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		res, _ := r.get("/data")
		etag := res.Header.Get("Etag")
		r.clock.Advance(20 * time.Second) // stale: revalidated, the upstream answers 304
		res, body := r.get("/data")
		if body != "v1" || res.StatusCode != http.StatusOK {
			t.Errorf("after revalidation: %d %q; want 200 \"v1\"", res.StatusCode, body)
		}
		wantHeader(t, res, "Cache-Status", "gincache; fwd=stale; stored; fwd-status=304")
		if got := r.up.inm["/data"]; got != etag {
			t.Errorf("the proxy revalidated with If-None-Match %q; want %q", got, etag)
		}
		r.get("/data") // fresh again after the 304
		r.wantUpstream("/data", 2)

		res, _ = r.get("/data", "If-None-Match", etag) // RFC 9110 §13.1.2: the client's own validator
		if res.StatusCode != http.StatusNotModified {
			t.Errorf("conditional request: %d; want 304", res.StatusCode)
		}
		r.wantUpstream("/data", 2)
	})
}

func TestProxyInvalidation(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		r.get("/data")
		res, _ := r.do(http.MethodPost, "/data", "v2", "Content-Type", "text/plain")
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("POST: %d; want 204", res.StatusCode)
		}
		_, body := r.get("/data") // RFC 9111 §4.4: dropped by the POST, so the change shows at once
		if body != "v2" {
			t.Errorf("after POST: %q; want v2", body)
		}
		r.wantUpstream("/data", 3)
	})
}

func TestProxyNotStored(t *testing.T) {
	tests := []struct {
		path string
		hdr  []string
		why  string
	}{
		{path: "/secret", why: "cache-control"}, // no-store
		{path: "/login", why: "set-cookie"},     // no Set-Cookie stored
		{path: "/fresh", hdr: []string{"Authorization", "Bearer x", "Cache-Control", "no-store"}, why: ""}, // RFC 9111 §5.2.1.5
		{path: "/missing", why: "stale"}, // a 404 without a lifetime or validator
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := newRig(t, stores(t)["memstore"])
			res, _ := r.get(tt.path, tt.hdr...)
			if tt.why != "" && !strings.Contains(res.Header.Get("Cache-Status"), "detail="+tt.why) {
				t.Errorf("Cache-Status = %q; want detail=%s", res.Header.Get("Cache-Status"), tt.why)
			}
			r.get(tt.path)
			r.wantUpstream(tt.path, 2)
		})
	}
}

func TestProxyVary(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		for _, lang := range []string{"en", "fr", "en", "fr"} {
			_, body := r.get("/lang", "Accept-Language", lang)
			if body != "lang:"+lang {
				t.Errorf("Accept-Language %s: %q; want lang:%s", lang, body, lang)
			}
		}
		r.wantUpstream("/lang", 2)
	})
}

func TestProxyBodies(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		_, body := r.get("/chunked")
		r.get("/chunked")
		if body != "part one, part two" {
			t.Errorf("chunked body = %q", body)
		}
		r.wantUpstream("/chunked", 1) // buffered by bufferSmall, so stored

		res, big := r.get("/big")
		if len(big) != 8*1024 {
			t.Errorf("big body: %d bytes; want %d", len(big), 8*1024)
		}
		wantHeader(t, res, "Cache-Status", "gincache; fwd=uri-miss; detail=streamed")
		r.get("/big")
		r.wantUpstream("/big", 2) // a stream is not stored: streamed, not stored
	})
}

// TestProxyStrictDates: an Expires that is not exactly an HTTP-date means
// already expired (RFC 9111 §5.3, RFC 9110 §5.6.7), however close it looks.
func TestProxyStrictDates(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		res, _ := r.get("/bad-expires")
		wantHeader(t, res, "Cache-Status", "gincache; fwd=uri-miss; detail=stale")
		r.get("/bad-expires")
		r.wantUpstream("/bad-expires", 2)
	})
}

// TestProxyMismatched304: a 304 that does not validate the stored response
// is not an answer: the proxy asks again without a condition and serves
// (and stores) that (RFC 9111 §4.3.3, §4.3.4).
func TestProxyMismatched304(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		r.get("/mismatch")
		r.clock.Advance(20 * time.Second)
		res, body := r.get("/mismatch")
		if res.StatusCode != http.StatusOK || body != "full" {
			t.Errorf("after a mismatched 304: %d %q; want 200 \"full\"", res.StatusCode, body)
		}
		wantHeader(t, res, "Cache-Status", "gincache; fwd=stale; stored; detail=mismatched-304")
		r.wantUpstream("/mismatch", 3)
		if got := r.up.inm["/mismatch"]; got != "" {
			t.Errorf("the retry sent If-None-Match %q; want none", got)
		}
		r.get("/mismatch") // stored by the retry
		r.wantUpstream("/mismatch", 3)
	})
}

// TestProxyIfModifiedSinceDate: /fresh has no Last-Modified; a client that
// revalidates it by its Date gets a 304 from the proxy (RFC 9111 §4.3.2).
func TestProxyIfModifiedSinceDate(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		res, _ := r.get("/fresh")
		date := res.Header.Get("Date")
		r.clock.Advance(5 * time.Second)
		res, body := r.get("/fresh", "If-Modified-Since", date)
		if res.StatusCode != http.StatusNotModified || body != "" {
			t.Errorf("If-Modified-Since its Date: %d %q; want 304 and no body", res.StatusCode, body)
		}
		res, _ = r.get("/fresh", "If-Modified-Since", r.clock.Now().Add(-time.Hour).UTC().Format(http.TimeFormat))
		if res.StatusCode != http.StatusOK {
			t.Errorf("If-Modified-Since an hour before its Date: %d; want 200", res.StatusCode)
		}
		r.wantUpstream("/fresh", 1)
	})
}

// TestProxyCacheStatusChain: the proxy appends its Cache-Status member to
// the upstream's (RFC 9211 §2); a hit carries its own alone.
func TestProxyCacheStatusChain(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		res, _ := r.get("/chain")
		wantHeader(t, res, "Cache-Status", "origin-cache; hit, gincache; fwd=uri-miss; stored")
		res, _ = r.get("/chain")
		wantHeader(t, res, "Cache-Status", "gincache; hit; ttl=60")
	})
}

// TestProxyAnyStatus: a final status outside the heuristically cacheable
// list is stored when its response gives it a lifetime (RFC 9111 §3).
func TestProxyAnyStatus(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		for range 2 {
			res, body := r.get("/maintenance")
			if res.StatusCode != http.StatusServiceUnavailable || body != "back soon" {
				t.Errorf("got %d %q; want 503 \"back soon\"", res.StatusCode, body)
			}
		}
		r.wantUpstream("/maintenance", 1)
	})
}

// TestProxyQualifiedFields: no-cache="X-Token" and private="X-User" let the
// response be stored and reused, without those fields (RFC 9111 §5.2.2.4,
// §5.2.2.7).
func TestProxyQualifiedFields(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		res, _ := r.get("/token")
		wantHeader(t, res, "X-Token", "t1")
		wantHeader(t, res, "X-User", "alice")
		res, body := r.get("/token")
		wantHeader(t, res, "X-Cache", "HIT from Server")
		wantHeader(t, res, "X-Token", "")
		wantHeader(t, res, "X-User", "")
		if body != "token" {
			t.Errorf("body = %q; want token", body)
		}
		r.wantUpstream("/token", 1)
	})
}

// TestProxyCDNCacheControl: the proxy keeps what CDN-Cache-Control says
// (RFC 9213 §2.1), browsers get Cache-Control as the upstream sent it, and
// CDN-Cache-Control stays at the proxy.
func TestProxyCDNCacheControl(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		res, _ := r.get("/edge")
		wantHeader(t, res, "Cache-Control", "no-cache")
		wantHeader(t, res, "CDN-Cache-Control", "")
		r.clock.Advance(5 * time.Minute)
		res, body := r.get("/edge")
		wantHeader(t, res, "X-Cache", "HIT from Server")
		wantHeader(t, res, "Cache-Control", "no-cache")
		wantHeader(t, res, "CDN-Cache-Control", "")
		if body != "edge" {
			t.Errorf("body = %q; want edge", body)
		}
		r.wantUpstream("/edge", 1)
	})
}

// TestProxyVaryNormalised: requests whose Accept-Language differs only in
// case and whitespace share a variant (RFC 9111 §4.1).
func TestProxyVaryNormalised(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		for _, lang := range []string{"en-US, fr;q=0.5", "en-us,fr ;q=0.5", " EN-us , FR;q=0.5"} {
			if _, body := r.get("/lang", "Accept-Language", lang); body != "lang:en-US, fr;q=0.5" {
				t.Errorf("Accept-Language %q: %q; want the first variant", lang, body)
			}
		}
		r.wantUpstream("/lang", 1)
	})
}

// TestProxyRange: a Range request is answered from the stored 200 (RFC 9110
// §14): a 206 with its Content-Range, or a 416.
func TestProxyRange(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		r.get("/fresh")
		res, body := r.get("/fresh", "Range", "bytes=1-3")
		if res.StatusCode != http.StatusPartialContent || body != "res" {
			t.Errorf("Range bytes=1-3: %d %q; want 206 \"res\"", res.StatusCode, body)
		}
		wantHeader(t, res, "Content-Range", "bytes 1-3/5")
		res, _ = r.get("/fresh", "Range", "bytes=9-")
		if res.StatusCode != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("Range bytes=9-: %d; want 416", res.StatusCode)
		}
		wantHeader(t, res, "Content-Range", "bytes */5")
		r.wantUpstream("/fresh", 1)
	})
}

// TestProxyDefaults: with the proxy's defaults a response with a
// Last-Modified and no lifetime is fresh for 10 % of its age (RFC 9111
// §4.2.2): 100 hours old, 10 hours fresh. It runs on memstore alone: the
// entry's end after -keep follows the test's clock there, and Redis's
// wall-clock TTL would not.
func TestProxyDefaults(t *testing.T) {
	func(t *testing.T, r *rig) {
		r.get("/static")
		r.clock.Advance(9 * time.Hour)
		res, _ := r.get("/static")
		wantHeader(t, res, "X-Cache", "MISS") // past -keep (an hour): gone
		r.clock.Advance(59 * time.Minute)
		res, _ = r.get("/static")
		wantHeader(t, res, "X-Cache", "HIT from Server")
		r.wantUpstream("/static", 2)
	}(t, newRig(t, stores(t)["memstore"]))
	if p := proxyPolicy(defaultKeep, defaultHeuristic, false); p.Validate() != nil || p.HeuristicFreshness != 0.1 {
		t.Errorf("the default policy %+v: want a valid one with a heuristic of 0.1", p)
	}
}

var bigText = strings.Repeat("<p>a paragraph of text the proxy stores compressed</p>\n", 60)

// TestProxyCompression: through the real proxy, an identity upstream page is
// stored compressed once and each client gets the coding it asks for; an
// upstream's own gzip, varying on Accept-Encoding, is stored once and
// decoded for the clients without gzip (RFC 9110 §12.5.3).
func TestProxyCompression(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		for _, path := range []string{"/text", "/gzipped"} {
			first := "br"
			if path == "/gzipped" {
				first = "gzip" // the upstream's
			}
			for i, tc := range []struct{ accept, coding string }{
				{"gzip, deflate, br, zstd", first}, {"gzip", "gzip"}, {"", ""}, {"br", map[string]string{"/text": "br", "/gzipped": ""}[path]},
			} {
				hdr := []string{}
				if tc.accept != "" {
					hdr = []string{"Accept-Encoding", tc.accept}
				}
				res, body := r.get(path, hdr...)
				wantHeader(t, res, "Content-Encoding", tc.coding)
				wantHeader(t, res, "Vary", "Accept-Encoding")
				if i > 0 {
					wantHeader(t, res, "X-Cache", "HIT from Server")
				}
				if got := decode(t, tc.coding, body); got != bigText {
					t.Errorf("%s, Accept-Encoding %q: body does not decode to the page", path, tc.accept)
				}
			}
			r.wantUpstream(path, 1)
		}
	})
}

func decode(t *testing.T, coding, body string) string {
	t.Helper()
	switch coding {
	case "":
		return body
	case "gzip":
		zr, err := gzip.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	case "br":
		b, err := io.ReadAll(brotli.NewReader(strings.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	t.Fatalf("coding %q", coding)
	return ""
}
