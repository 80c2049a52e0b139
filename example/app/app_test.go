package app

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

func do(t *testing.T, h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	var body *strings.Reader
	if method == http.MethodPost {
		body = strings.NewReader(hdr[len(hdr)-1])
		hdr = append(hdr[:len(hdr)-1:len(hdr)-1], "Content-Type", "application/x-www-form-urlencoded")
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestShellWalkThrough(t *testing.T) {
	r := New(gincache.New(memstore.New(), Compression), t.Logf, "")
	steps := []struct {
		name           string
		hdr            []string
		status         int
		xcache, cc     string
		bodyWithRender bool
	}{
		{"first visit renders", nil, 200, "MISS", "public, no-cache, max-age=120", true},
		{"second visit is a server hit", nil, 200, "HIT from Server", "public, no-cache, max-age=120", true},
		{"revalidation is a 304", []string{"If-None-Match", "ETAG"}, 304, "HIT from Client", "public, no-cache, max-age=120", false},
		{"hard refresh renders again", []string{"Cache-Control", "no-cache"}, 200, "MISS", "public, no-cache, max-age=120", true},
	}
	var etag, firstBody string
	for _, s := range steps {
		for i := range s.hdr {
			if s.hdr[i] == "ETAG" {
				s.hdr[i] = etag
			}
		}
		w := do(t, r, http.MethodGet, "/", s.hdr...)
		if w.Code != s.status || w.Header().Get("X-Cache") != s.xcache || w.Header().Get("Cache-Control") != s.cc {
			t.Errorf("%s: got %d %q %q; want %d %q %q", s.name, w.Code, w.Header().Get("X-Cache"), w.Header().Get("Cache-Control"), s.status, s.xcache, s.cc)
		}
		if s.bodyWithRender != strings.Contains(w.Body.String(), "Rendered at") {
			t.Errorf("%s: body %.80q", s.name, w.Body)
		}
		if etag == "" {
			etag, firstBody = w.Header().Get("ETag"), w.Body.String()
		} else if s.xcache == "HIT from Server" && w.Body.String() != firstBody {
			t.Errorf("%s: a hit served another body", s.name)
		}
	}
}

// The second seed's bug, fixed: a saved item shows in the list at once.
func TestSavedItemShowsAtOnce(t *testing.T) {
	r := New(gincache.New(memstore.New(), Compression), t.Logf, "")
	if w := do(t, r, http.MethodGet, "/api/items"); w.Body.String() != `["first item"]` ||
		w.Header().Get("Cache-Control") != "no-store, no-cache, must-revalidate, max-age=0" {
		t.Fatalf("GET /api/items = %q, Cache-Control %q", w.Body, w.Header().Get("Cache-Control"))
	}
	if w := do(t, r, http.MethodPost, "/api/items", url.Values{"item": {"second"}}.Encode()); w.Code != http.StatusCreated {
		t.Fatalf("POST = %d %q; want 201", w.Code, w.Body)
	}
	if w := do(t, r, http.MethodGet, "/api/items", "If-None-Match", "*"); w.Code != 200 || w.Body.String() != `["first item","second"]` {
		t.Errorf("GET after save = %d %q; want 200 with both items", w.Code, w.Body)
	}
}

// A private page is stored per user and never served to another.
func TestProfileIsPerUser(t *testing.T) {
	r := New(gincache.New(memstore.New(), Compression), t.Logf, "")
	get := func(user string) *httptest.ResponseRecorder {
		return do(t, r, http.MethodGet, "/me", "Cookie", "user="+user)
	}
	alice1, bob, alice2 := get("alice"), get("bob"), get("alice")
	if !strings.HasPrefix(alice1.Body.String(), "Hello, alice.") || !strings.HasPrefix(bob.Body.String(), "Hello, bob.") {
		t.Fatalf("bodies: %q, %q", alice1.Body, bob.Body)
	}
	if alice2.Body.String() != alice1.Body.String() || alice2.Header().Get("X-Cache") != "HIT from Server" {
		t.Errorf("alice's second visit = %q %q; want her stored page", alice2.Header().Get("X-Cache"), alice2.Body)
	}
	if bob.Header().Get("X-Cache") != "MISS" || alice1.Header().Get("Cache-Control") != "private, no-cache, max-age=0" {
		t.Errorf("bob X-Cache %q, Cache-Control %q", bob.Header().Get("X-Cache"), alice1.Header().Get("Cache-Control"))
	}
}

// TestEveryRouteHasAPolicy is the audit as an application would use it in
// CI: a new route without a caching policy fails the build.
func TestEveryRouteHasAPolicy(t *testing.T) {
	report, err := gincache.Audit(New(gincache.New(memstore.New(), Compression), t.Logf, ""))
	if err != nil {
		t.Fatal(err)
	}
	for _, rr := range report.Missing() {
		t.Errorf("%s %s has no caching policy: give it cache.Handler, gincache.NoStore or a group Default", rr.Method, rr.Path)
	}
	if len(report) < 10 {
		t.Errorf("Audit found %d routes; want every route of the example", len(report))
	}
}

// The page links its CSS and JS by fingerprint; those URLs are immutable,
// the plain names revalidate.
func TestFingerprintedAssets(t *testing.T) {
	r := New(gincache.New(memstore.New(), Compression), t.Logf, "")
	body := do(t, r, http.MethodGet, "/").Body.String()
	for _, name := range []string{"css/app.css", "js/app.js"} {
		dir, file, _ := strings.Cut(name, "/")
		base, ext, _ := strings.Cut(file, ".")
		i := strings.Index(body, "/static/"+dir+"/"+base+".")
		if i < 0 {
			t.Fatalf("page does not link %s:\n%s", name, body)
		}
		url := body[i : i+strings.IndexByte(body[i:], '"')]
		if !strings.HasSuffix(url, "."+ext) || len(url) != len("/static/"+dir+"/"+base+".")+12+len("."+ext) {
			t.Errorf("%s is linked as %q; want a 12-hex fingerprint before the extension", name, url)
		}
		if w := do(t, r, http.MethodGet, url); w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: %d %q; want 200 immutable", url, w.Code, w.Header().Get("Cache-Control"))
		}
		if w := do(t, r, http.MethodGet, "/static/"+name); w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET /static/%s: Cache-Control %q; want no-cache", name, w.Header().Get("Cache-Control"))
		}
	}
}

// The about page is fresh in the browser for five minutes (no no-cache: not
// even a 304 round trip) and links the shell's fingerprinted assets.
func TestAboutPage(t *testing.T) {
	r := New(gincache.New(memstore.New(), Compression), t.Logf, "")
	shell := do(t, r, http.MethodGet, "/").Body.String()
	for i, want := range []string{"MISS", "HIT from Server"} {
		w := do(t, r, http.MethodGet, "/about")
		if w.Code != 200 || w.Header().Get("X-Cache") != want || w.Header().Get("Cache-Control") != "public, max-age=300" {
			t.Errorf("GET /about #%d: got %d %q %q; want 200 %q %q", i+1, w.Code, w.Header().Get("X-Cache"),
				w.Header().Get("Cache-Control"), want, "public, max-age=300")
		}
		for _, asset := range []string{`/static/css/app.`, `/static/js/app.`} {
			j := strings.Index(w.Body.String(), asset)
			if j < 0 {
				t.Fatalf("GET /about does not link %s…:\n%s", asset, w.Body)
			}
			url := w.Body.String()[j : j+strings.IndexByte(w.Body.String()[j:], '"')]
			if !strings.Contains(shell, `"`+url+`"`) {
				t.Errorf("GET /about links %s; want the shell's fingerprinted URL", url)
			}
		}
	}
	if !strings.Contains(shell, `href="/about"`) {
		t.Errorf("the shell does not link /about")
	}
}

// The request log is what the browser test in e2e/ reads: one line per
// request with what the client sent — before NoStore strips the
// conditional headers — and what the cache answered.
func TestRequestLog(t *testing.T) {
	var lines []string
	r := New(gincache.New(memstore.New(), Compression), func(format string, args ...any) {
		lines = append(lines, fmt.Sprintf(format, args...))
	}, "")
	tests := []struct {
		name, target string
		hdr          []string
		want         string
	}{
		{"miss", "/", nil,
			`GET / 200 "MISS" inm="" ims="" cc="" pragma="" cache-status="gincache; fwd=uri-miss; stored"`},
		{"hard reload", "/", []string{"Cache-Control", "no-cache", "Pragma", "no-cache"},
			`GET / 200 "MISS" inm="" ims="" cc="no-cache" pragma="no-cache" cache-status="gincache; fwd=request; stored"`},
		{"validators sent to a NoStore route are logged", "/api/items", []string{"If-None-Match", `"x"`, "If-Modified-Since", "Mon, 23 Nov 2026 12:00:00 GMT"},
			`GET /api/items 200 "MISS" inm="\"x\"" ims="Mon, 23 Nov 2026 12:00:00 GMT" cc="" pragma="" cache-status="gincache; fwd=bypass"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines = nil
			do(t, r, http.MethodGet, tt.target, tt.hdr...)
			if len(lines) != 1 || lines[0] != tt.want {
				t.Errorf("log: got %q; want [%q]", lines, tt.want)
			}
		})
	}
}

// /debug/cache shows the cache's counters as JSON, is never cached itself,
// and counts what the app did before it.
func TestDebugCache(t *testing.T) {
	r := New(gincache.New(memstore.New(), Compression), t.Logf, "")
	do(t, r, http.MethodGet, "/") // a miss, stored
	do(t, r, http.MethodGet, "/") // a hit
	w := do(t, r, http.MethodGet, "/debug/cache")
	var got gincache.Stats
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("GET /debug/cache = %d %q: %v", w.Code, w.Body, err)
	}
	if got.Misses != 1 || got.Hits != 1 || got.Stored != 1 {
		t.Errorf("stats = %+v; want 1 miss, 1 hit, 1 stored", got)
	}
	if cc := w.Header().Get("Cache-Control"); !strings.HasPrefix(cc, "no-store") {
		t.Errorf("Cache-Control = %q; want no-store", cc)
	}
}

// The inspector is behind the purge endpoint's token: refused without it,
// and it reports what /users/42 stored with it.
func TestInspectBehindToken(t *testing.T) {
	r := New(gincache.New(memstore.New(), Compression), t.Logf, "tok")
	do(t, r, "GET", "/users/42")
	if w := do(t, r, "GET", "/admin/inspect?url=/users/42"); w.Code != http.StatusForbidden {
		t.Errorf("without the token: %d; want 403", w.Code)
	}
	w := do(t, r, "GET", "/admin/inspect?url=/users/42", "Authorization", "Bearer tok")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"stored":true`) || strings.Contains(w.Body.String(), "Profile of user") {
		t.Errorf("with the token: %d %s; want 200, stored, no body", w.Code, w.Body)
	}
	if w := do(t, New(gincache.New(memstore.New(), Compression), t.Logf, ""), "GET", "/admin/inspect?url=/users/42", "Authorization", "Bearer "); w.Code != http.StatusForbidden {
		t.Errorf("no token configured: %d; want 403", w.Code)
	}
}

// /catalog answers from its version alone (fresh_when): a 304 while the list
// is unchanged, a new page once an item is saved.
func TestCatalogVersion(t *testing.T) {
	r := New(gincache.New(memstore.New(), Compression), t.Logf, "")
	w := do(t, r, http.MethodGet, "/catalog")
	etag := w.Header().Get("ETag")
	if w.Code != 200 || etag != `"items-1"` {
		t.Fatalf("GET /catalog = %d, ETag %q; want 200, \"items-1\"", w.Code, etag)
	}
	if w := do(t, r, http.MethodGet, "/catalog", "If-None-Match", etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("GET /catalog with its ETag = %d; want 304", w.Code)
	}
	do(t, r, http.MethodPost, "/api/items", url.Values{"item": {"second"}}.Encode())
	if w := do(t, r, http.MethodGet, "/catalog", "If-None-Match", etag); w.Code != 200 || w.Header().Get("ETag") != `"items-2"` {
		t.Errorf("GET /catalog after a save = %d, ETag %q; want 200, \"items-2\"", w.Code, w.Header().Get("ETag"))
	}
}

// /search is keyed by q alone: other parameters share its entry and never
// reach the handler.
func TestSearchKeyedByQ(t *testing.T) {
	r := New(gincache.New(memstore.New(), Compression), t.Logf, "")
	first := do(t, r, http.MethodGet, "/search?q=go&utm_source=mail")
	if first.Body.String() != "results for \"go\" (query the handler saw: \"q=go\")\n" {
		t.Fatalf("GET /search = %q", first.Body)
	}
	w := do(t, r, http.MethodGet, "/search?nocache=123&q=go")
	if w.Header().Get("X-Cache") != "HIT from Server" || w.Body.String() != first.Body.String() {
		t.Errorf("GET /search with another parameter: X-Cache %q, body %q; want the stored page", w.Header().Get("X-Cache"), w.Body)
	}
}

// The CDN gets its own policy beside the browsers' (RFC 9213 §2).
func TestEdgeCDNCacheControl(t *testing.T) {
	r := New(gincache.New(memstore.New()), t.Logf, "")
	for i, want := range []string{"MISS", "HIT from Server"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/edge", nil))
		if got := w.Header().Get("CDN-Cache-Control"); got != "max-age=600, stale-if-error=3600" {
			t.Errorf("request %d: CDN-Cache-Control = %q", i, got)
		}
		if got := w.Header().Get("Cache-Control"); got != "public, no-cache, max-age=0" {
			t.Errorf("request %d: Cache-Control = %q", i, got)
		}
		if got := w.Header().Get("X-Cache"); got != want {
			t.Errorf("request %d: X-Cache = %q; want %q", i, got, want)
		}
	}
}

// The app shell is compressed once, when it is stored: the second request
// is served from the store in the coding the client prefers (RFC 9110
// §12.5.3), with that coding's own strong ETag (RFC 9110 §8.8.3) and
// Vary: Accept-Encoding on every coding, identity included (RFC 9110
// §12.5.5); the handler ran once.
func TestShellIsCompressed(t *testing.T) {
	r := New(gincache.New(memstore.New(), Compression), t.Logf, "")
	first := do(t, r, http.MethodGet, "/", "Accept-Encoding", "gzip, deflate, br, zstd")
	if first.Code != 200 || first.Header().Get("X-Cache") != "MISS" || first.Header().Get("Content-Encoding") != "br" {
		t.Fatalf("first visit: %d, X-Cache %q, Content-Encoding %q; want 200 MISS br", first.Code, first.Header().Get("X-Cache"), first.Header().Get("Content-Encoding"))
	}
	page := decode(t, "br", first.Body.Bytes())
	if !strings.Contains(page, "Rendered at") {
		t.Fatalf("first visit: decoded body %.80q; want the shell", page)
	}
	tests := []struct {
		name, accept, coding, etagSuffix string
	}{
		{"a browser: br from the store", "gzip, deflate, br, zstd", "br", `-br"`},
		{"gzip only: gzip from the store", "gzip", "gzip", `-gzip"`},
		{"no Accept-Encoding: identity", "", "", ""},
	}
	brTag := first.Header().Get("ETag")
	identityTag := strings.TrimSuffix(brTag, `-br"`) + `"`
	tags := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.accept != "" {
				hdr = []string{"Accept-Encoding", tt.accept}
			}
			w := do(t, r, http.MethodGet, "/", hdr...)
			if w.Code != 200 || w.Header().Get("X-Cache") != "HIT from Server" || w.Header().Get("Content-Encoding") != tt.coding {
				t.Errorf("got %d, X-Cache %q, Content-Encoding %q; want 200, HIT from Server, %q",
					w.Code, w.Header().Get("X-Cache"), w.Header().Get("Content-Encoding"), tt.coding)
			}
			if v := w.Header().Get("Vary"); v != "Accept-Encoding" {
				t.Errorf("Vary %q; want Accept-Encoding", v)
			}
			if got := decode(t, tt.coding, w.Body.Bytes()); got != page {
				t.Errorf("decoded body (%d bytes) is not the stored page (%d bytes)", len(got), len(page))
			}
			if cl := w.Header().Get("Content-Length"); cl != "" && cl != fmt.Sprint(w.Body.Len()) {
				t.Errorf("Content-Length %s; %d bytes sent", cl, w.Body.Len())
			}
			want := strings.TrimSuffix(identityTag, `"`) + tt.etagSuffix
			if tt.etagSuffix == "" {
				want = identityTag
			}
			if got := w.Header().Get("ETag"); got != want {
				t.Errorf("ETag %s; want %s", got, want)
			}
			tags[w.Header().Get("ETag")] = true
		})
	}
	if len(tags) != len(tests) {
		t.Errorf("ETags %v; want one per coding", tags)
	}
	if len(page) < 1024 {
		t.Errorf("the shell is %d bytes; below the 1 KiB that Compression{} compresses", len(page))
	}
}

// decode decodes a body from its Content-Encoding, once.
func decode(t *testing.T, coding string, body []byte) string {
	t.Helper()
	var rd io.Reader = bytes.NewReader(body)
	switch coding {
	case "":
		return string(body)
	case "br":
		rd = brotli.NewReader(rd)
	case "gzip":
		zr, err := gzip.NewReader(rd)
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		rd = zr
	default:
		t.Fatalf("Content-Encoding %q", coding)
	}
	out, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("decoding %s: %v", coding, err)
	}
	return string(out)
}
