package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// env is one example server and one fresh browser pointed at it.
type env struct {
	srv *server
	b   *browser
	pos int // the server log position where the next step starts
	np  int // the CDP record position where the next step starts
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := startServer(t)
	b := startBrowser(t, srv.URL)
	return &env{srv: srv, b: b, pos: srv.mark(t), np: b.netPos()}
}

// step is what one browser action caused: the requests the server logged
// and what CDP reported.
type step struct {
	name string
	log  []logLine
	net  []netEvent
	b    *browser
}

// step runs do, which must wait for everything the action triggers (the load
// event, and the DOM the page's script fills), then places a mark in the
// server log so every request of the action is logged, and returns them.
func (e *env) step(t *testing.T, name string, do func()) step {
	t.Helper()
	do()
	next := e.srv.mark(t)
	s := step{name: name, log: e.srv.between(e.pos, next), b: e.b}
	s.net, e.np = e.b.netSince(e.np)
	e.pos = next
	for _, l := range s.log {
		t.Logf("%s: %s", name, l)
	}
	return s
}

// requests returns the logged requests for path (query ignored).
func (s step) requests(method, path string) []logLine {
	var out []logLine
	for _, l := range s.log {
		if l.Method == method && l.path() == path {
			out = append(out, l)
		}
	}
	return out
}

// one returns the single logged GET of path, failing if there is not
// exactly one.
func (s step) one(t *testing.T, path string) logLine {
	t.Helper()
	got := s.requests("GET", path)
	if len(got) != 1 {
		t.Fatalf("%s: got %d GET %s in the server log; want 1:\n%s", s.name, len(got), path, lines(got))
	}
	return got[0]
}

// none fails unless the server logged no request for path: the browser
// answered it from its own cache (or did not need it).
func (s step) none(t *testing.T, path string) {
	t.Helper()
	if got := s.requests("GET", path); len(got) != 0 {
		t.Errorf("%s: got %d GET %s in the server log; want none (the browser's cache):\n%s", s.name, len(got), path, lines(got))
	}
}

// fromCache checks the secondary proof: CDP says the browser used path in
// this step and took it from its memory or disk cache.
func (s step) fromCache(t *testing.T, path string) {
	t.Helper()
	used := false
	for _, e := range s.net {
		if s.b.pathOf(e.URL) != path {
			continue
		}
		used = true
		if !e.fromCache() {
			t.Errorf("%s: CDP says %s came from the network (status %d); want the browser's cache", s.name, path, e.Status)
		}
	}
	if !used {
		t.Errorf("%s: CDP saw no use of %s; want it used, from the browser's cache", s.name, path)
	}
}

// response returns CDP's record of the last response for path in this step.
func (s step) response(t *testing.T, path string) netEvent {
	t.Helper()
	for i := len(s.net) - 1; i >= 0; i-- {
		if s.b.pathOf(s.net[i].URL) == path {
			return s.net[i]
		}
	}
	t.Fatalf("%s: CDP saw no response for %s", s.name, path)
	return netEvent{}
}

func lines(ls []logLine) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString("    " + l.raw + "\n")
	}
	return b.String()
}

// want is what a logged request must show. Every field is compared: an
// empty one means the browser did not send that header, or the server did
// not set it.
type want struct {
	status      int
	xcache      string
	inm, ims    string
	cc, pragma  string
	cacheStatus string // a prefix: the ttl in "gincache; hit; ttl=297" moves
}

// is compares a logged request with w.
func (l logLine) is(t *testing.T, context string, w want) {
	t.Helper()
	got := want{l.Status, l.XCache, l.INM, l.IMS, l.CC, l.Pragma, l.CacheStatus}
	if !strings.HasPrefix(got.cacheStatus, w.cacheStatus) || w.cacheStatus == "" && got.cacheStatus != "" {
		t.Errorf("%s: %s\n  got Cache-Status %q; want %q…", context, l.raw, got.cacheStatus, w.cacheStatus)
	}
	got.cacheStatus = w.cacheStatus
	if got != w {
		t.Errorf("%s: %s\n  got  %+v\n  want %+v", context, l.raw, got, w)
	}
}

// The app shell's list has arrived from /api/items once it has an option.
var shellReady = chromedp.WaitReady(chromedp.CSS("#items option"))

// renderedAt reads the render time the page shows ("Rendered at …").
func renderedAt(t *testing.T, b *browser) string {
	t.Helper()
	text := eval[string](t, b, `document.body.innerText`)
	m := regexp.MustCompile(`Rendered at (\S+Z)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("the page does not say when it was rendered:\n%s", text)
	}
	return m[1]
}

// assetURLs returns the fingerprinted stylesheet and script the page links.
func assetURLs(t *testing.T, b *browser) []string {
	t.Helper()
	urls := eval[[]string](t, b, `[document.querySelector('link[rel=stylesheet]').getAttribute('href'),
		document.querySelector('script[src]').getAttribute('src')]`)
	fp := regexp.MustCompile(`^/static/(css|js)/app\.[0-9a-f]{12}\.(css|js)$`)
	for _, u := range urls {
		if !fp.MatchString(u) {
			t.Fatalf("the page links %q; want a fingerprinted /static URL", u)
		}
	}
	return urls
}

// items reads the dropdown's options.
func items(t *testing.T, b *browser) []string {
	t.Helper()
	return eval[[]string](t, b, `[...document.querySelectorAll('#items option')].map(o => o.textContent)`)
}
