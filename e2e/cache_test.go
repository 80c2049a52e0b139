package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A page sent with max-age and no no-cache (/about: "public, max-age=300")
// is not requested again while it is fresh, however the user comes back to
// it. RFC 9111 §5.2.2 (max-age: reuse while fresh).
func TestMaxAgePageIsNotRequestedAgainWhileFresh(t *testing.T) {
	e := newEnv(t)
	var first string
	s := e.step(t, "first visit", func() { e.b.navigate(t, "/about"); first = renderedAt(t, e.b) })
	s.one(t, "/about").is(t, "first visit", want{status: 200, xcache: "MISS", cacheStatus: "gincache; fwd=uri-miss; stored"})
	if cc := s.response(t, "/about").CacheControl; cc != "public, max-age=300" {
		t.Fatalf("/about Cache-Control: got %q; want %q", cc, "public, max-age=300")
	}
	e.step(t, "another page", func() { e.b.navigate(t, "/"); e.b.do(t, "wait for the list", shellReady) })

	ways := []struct {
		name string
		do   func(t *testing.T)
	}{
		{"a link on another page", func(t *testing.T) {
			e.b.click(t, `a[href="/about"]`)
		}},
		{"the URL typed again from another page", func(t *testing.T) {
			e.b.navigate(t, "/")
			e.b.do(t, "wait for the list", shellReady)
			e.b.navigate(t, "/about")
		}},
		{"the URL typed again on the page itself", func(t *testing.T) { e.b.navigate(t, "/about") }},
	}
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			s := e.step(t, w.name, func() { w.do(t) })
			s.none(t, "/about")
			s.fromCache(t, "/about")
			if got := renderedAt(t, e.b); got != first {
				t.Errorf("the page shows a render of %s; want the first visit's, %s", got, first)
			}
		})
	}
}

// A page sent with no-cache (the app shell) is revalidated on every visit:
// Chrome sends If-None-Match with the ETag it was given (and
// If-Modified-Since with the Last-Modified) — the first seed suspected it
// did not — and the server answers 304 from its store without rendering.
// A second browser, with an empty cache, gets the stored page: HIT from
// Server. RFC 9110 §13.1.2, X-Cache, RFC 9111 §4.
//
// The shell is compressed by the cache (issue 14): Chrome is sent it in the
// coding it prefers, br (or gzip where it does not offer br), with Vary:
// Accept-Encoding (RFC 9110 §12.5.3, §12.5.5) and that coding's ETag
// (RFC 9110 §8.8.3), on the miss and on the other browser's store hit, as
// CDP's Network.responseReceived shows; the 304 answers that coding's ETag.
func TestNoCachePageIsRevalidatedWith304(t *testing.T) {
	e := newEnv(t)
	var first string
	s := e.step(t, "first visit", func() {
		e.b.navigate(t, "/")
		e.b.do(t, "wait for the list", shellReady)
		first = renderedAt(t, e.b)
	})
	s.one(t, "/").is(t, "first visit", want{status: 200, xcache: "MISS", cacheStatus: "gincache; fwd=uri-miss; stored"})
	doc := s.response(t, "/")
	if doc.CacheControl != "public, no-cache, max-age=120" || doc.ETag == "" || doc.LastModified == "" {
		t.Fatalf("/ sent Cache-Control %q, ETag %q, Last-Modified %q; want no-cache with both validators",
			doc.CacheControl, doc.ETag, doc.LastModified)
	}
	coding := compressed(t, "first visit", doc, "MISS", "gincache; fwd=uri-miss; stored")
	e.step(t, "another page", func() { e.b.navigate(t, "/about") })

	s = e.step(t, "back to the shell", func() {
		e.b.navigate(t, "/")
		e.b.do(t, "wait for the list", shellReady)
	})
	s.one(t, "/").is(t, "back to the shell", want{status: 304, xcache: "HIT from Client",
		inm: doc.ETag, ims: doc.LastModified, cacheStatus: "gincache; hit"})
	if got := renderedAt(t, e.b); got != first {
		t.Errorf("after the 304 the page shows a render of %s; want the first one, %s", got, first)
	}
	// CDP reports the revalidated document as the cached 200 it was,
	// still br, with the 304's fields merged in (RFC 9111 §4.3.4):
	// X-Cache says the client's copy was used.
	rev := s.response(t, "/")
	if rev.Status != 200 || rev.ContentEncoding != coding || rev.ETag != doc.ETag || rev.XCache != "HIT from Client" {
		t.Errorf("back to the shell: CDP status %d, Content-Encoding %q, ETag %s, X-Cache %q; want the cached 200 in %s, %s, updated by the 304: HIT from Client",
			rev.Status, rev.ContentEncoding, rev.ETag, rev.XCache, coding, doc.ETag)
	}

	// Another browser (a fresh profile: nothing cached) is served the
	// stored page, with the same ETag.
	other := startBrowser(t, e.srv.URL)
	e.b, e.np = other, other.netPos()
	s = e.step(t, "another browser", func() {
		other.navigate(t, "/")
		other.do(t, "wait for the list", shellReady)
	})
	s.one(t, "/").is(t, "another browser", want{status: 200, xcache: "HIT from Server", cacheStatus: "gincache; hit"})
	hit := s.response(t, "/")
	if hit.ETag != doc.ETag {
		t.Errorf("another browser got ETag %s; want the stored one, %s", hit.ETag, doc.ETag)
	}
	if got := compressed(t, "another browser", hit, "HIT from Server", "gincache; hit"); got != coding {
		t.Errorf("another browser was sent %s from the store; the first one %s", got, coding)
	}
	if got := renderedAt(t, other); got != first {
		t.Errorf("another browser shows a render of %s; want the stored one, %s", got, first)
	}
}

// What Chrome sends on a reload and a hard reload, and what gincache
// answers, for a no-cache page (the shell) and a max-age page (/about):
//
//   - reload (F5, Page.reload): the document alone is revalidated, with
//     Cache-Control: max-age=0 and its validators; gincache does not
//     re-render for max-age=0 and answers 304 from the store. The fresh
//     fingerprinted assets are not requested; the no-store list is.
//   - hard reload (Shift+F5, Page.reload ignoreCache): every request
//     carries Cache-Control: no-cache and Pragma: no-cache and no
//     validators; gincache re-renders the page and refreshes its store
//     (Cache-Status fwd=request), the assets are sent again in full.
//   - a reload after the hard reload is a 304 again, against the
//     validators of the copy the hard reload delivered (when the re-render
//     fell in another second its ETag is new, and the 304 shows the store
//     holds that render).
//
// RFC 9111 §5.2.1.4, RFC 9110 §13.1.2, RFC 9211.
func TestReloadAndHardReload(t *testing.T) {
	pages := []struct {
		path  string
		ready func(*testing.T, *browser)
		items bool // the page's script fetches /api/items
	}{
		{"/", func(t *testing.T, b *browser) { b.do(t, "wait for the list", shellReady) }, true},
		{"/about", func(*testing.T, *browser) {}, false},
	}
	reload := want{status: 304, xcache: "HIT from Client", cc: "max-age=0", cacheStatus: "gincache; hit"}
	hard := want{status: 200, xcache: "MISS", cc: "no-cache", pragma: "no-cache", cacheStatus: "gincache; fwd=request; stored"}
	for _, p := range pages {
		t.Run(p.path, func(t *testing.T) {
			e := newEnv(t)
			s := e.step(t, "first visit", func() { e.b.navigate(t, p.path); p.ready(t, e.b) })
			s.one(t, p.path).is(t, "first visit", want{status: 200, xcache: "MISS", cacheStatus: "gincache; fwd=uri-miss; stored"})
			assets := assetURLs(t, e.b)
			doc := s.response(t, p.path)

			steps := []struct {
				name     string
				do       func()
				doc      want
				assetsCC string // "": the assets are not requested
			}{
				{"reload", func() { e.b.reload(t); p.ready(t, e.b) }, reload, ""},
				{"hard reload", func() { e.b.hardReload(t); p.ready(t, e.b) }, hard, "no-cache"},
				{"reload after the hard reload", func() { e.b.reload(t); p.ready(t, e.b) }, reload, ""},
			}
			for _, st := range steps {
				s := e.step(t, st.name, st.do)
				w := st.doc
				if w.status == 304 {
					w.inm, w.ims = doc.ETag, doc.LastModified // the validators of the copy the browser holds
				}
				s.one(t, p.path).is(t, st.name, w)
				if w.status == 200 {
					doc = s.response(t, p.path)
				}
				for _, a := range assets {
					if st.assetsCC == "" {
						s.none(t, a)
						s.fromCache(t, a)
						continue
					}
					s.one(t, a).is(t, st.name+": "+a, want{status: 200, cc: st.assetsCC, pragma: st.assetsCC})
				}
				if !p.items {
					continue
				}
				// The no-store list is fetched on every load; on a hard
				// reload it carries the hard reload's headers too.
				wantItems := want{status: 200, xcache: "MISS", cacheStatus: "gincache; fwd=bypass"}
				if st.assetsCC != "" {
					wantItems.cc, wantItems.pragma = "no-cache", "no-cache"
				}
				s.one(t, "/api/items").is(t, st.name+": /api/items", wantItems)
			}
		})
	}
}

// The second seed's bug: a list behind NoStore (/api/items) is fetched from
// the server on every page load and after every save — never from the
// browser's cache, never revalidated (it has no validators to send) — so a
// saved item shows in the dropdown at once. RFC 9111 §5.2.2.5, RFC 9111 §3.
func TestNoStoreListShowsASaveAtOnce(t *testing.T) {
	e := newEnv(t)
	fetched := want{status: 200, xcache: "MISS", cacheStatus: "gincache; fwd=bypass"}

	s := e.step(t, "first visit", func() { e.b.navigate(t, "/"); e.b.do(t, "wait for the list", shellReady) })
	s.one(t, "/api/items").is(t, "first visit", fetched)
	if got := s.response(t, "/api/items").CacheControl; got != "no-store, no-cache, must-revalidate, max-age=0" {
		t.Errorf("/api/items Cache-Control: got %q; want the NoStore header", got)
	}
	if got := items(t, e.b); !slices.Equal(got, []string{"first item"}) {
		t.Fatalf("the dropdown: got %q; want [first item]", got)
	}

	const item = "saved from Chromium"
	s = e.step(t, "save", func() {
		e.b.do(t, "save an item",
			chromedp.SendKeys(chromedp.CSS(`#add input[name=item]`), item),
			chromedp.Click(chromedp.CSS(`#add button`)),
			chromedp.Poll[chromedp.Void](`document.querySelectorAll('#items option').length === 2`))
	})
	if got := s.requests("POST", "/api/items"); len(got) != 1 || got[0].Status != 201 {
		t.Errorf("save: got %q; want one POST /api/items answered 201", lines(got))
	}
	s.one(t, "/api/items").is(t, "the list after the save", fetched)
	if got := items(t, e.b); !slices.Equal(got, []string{"first item", item}) {
		t.Errorf("the dropdown after the save: got %q; want [first item %s]", got, item)
	}

	loads := []struct {
		name string
		do   func()
	}{
		{"another page and back", func() { e.b.navigate(t, "/about"); e.b.navigate(t, "/") }},
		{"reload", func() { e.b.reload(t) }},
		{"a link", func() {
			e.b.navigate(t, "/about")
			e.b.click(t, `a[href="/"]`)
		}},
	}
	for _, l := range loads {
		s := e.step(t, l.name, func() { l.do(); e.b.do(t, "wait for the list", shellReady) })
		s.one(t, "/api/items").is(t, l.name, fetched)
		if r := s.response(t, "/api/items"); r.fromCache() || r.Status != 200 {
			t.Errorf("%s: CDP says /api/items came from the cache (%v) with status %d; want the network, 200", l.name, r.fromCache(), r.Status)
		}
		if got := items(t, e.b); !slices.Equal(got, []string{"first item", item}) {
			t.Errorf("%s: the dropdown: got %q; want [first item %s]", l.name, got, item)
		}
	}
}

// Fingerprinted assets ("public, max-age=31536000, immutable") are fetched
// once; the next pages that link them take them from the browser's cache,
// and they still work there (the stylesheet applies, the script runs).
// RFC 9111 §5.2.2 (max-age, immutable).
func TestFingerprintedAssetsComeFromTheBrowserCache(t *testing.T) {
	e := newEnv(t)
	var assets []string
	s := e.step(t, "first page", func() {
		e.b.navigate(t, "/")
		e.b.do(t, "wait for the list", shellReady)
		assets = assetURLs(t, e.b)
	})
	for _, a := range assets {
		s.one(t, a).is(t, "first page: "+a, want{status: 200})
		if got := s.response(t, a).CacheControl; got != "public, max-age=31536000, immutable" {
			t.Errorf("%s Cache-Control: got %q; want %q", a, got, "public, max-age=31536000, immutable")
		}
	}

	next := []struct {
		path string
		do   func()
	}{
		{"/about", func() { e.b.navigate(t, "/about") }},
		{"/", func() { e.b.navigate(t, "/"); e.b.do(t, "wait for the list: the cached script ran", shellReady) }},
	}
	for _, n := range next {
		s := e.step(t, "next page "+n.path, n.do)
		if got := assetURLs(t, e.b); !slices.Equal(got, assets) {
			t.Fatalf("%s links %q; want the same fingerprinted URLs %q", n.path, got, assets)
		}
		for _, a := range assets {
			s.none(t, a)
			s.fromCache(t, a)
		}
		// app.css sets max-width: 40rem on the body.
		if got := eval[string](t, e.b, `getComputedStyle(document.body).maxWidth`); got != "640px" {
			t.Errorf("%s: body max-width %q; want 640px (the cached stylesheet applied)", n.path, got)
		}
	}
}

// compressed checks CDP's record of a response of the compressed shell: the
// coding Chrome prefers among the cache's (br, then gzip), as the
// Content-Encoding Chrome received, with Vary: Accept-Encoding, that
// coding's strong ETag ("…-br"), and the cache's X-Cache and Cache-Status
// (a prefix). It returns the coding.
func compressed(t *testing.T, context string, ev netEvent, xcache, cacheStatus string) string {
	t.Helper()
	want := "gzip"
	for _, m := range strings.Split(ev.AcceptEncoding, ",") {
		if strings.TrimSpace(m) == "br" {
			want = "br"
		}
	}
	if ev.AcceptEncoding == "" {
		t.Errorf("%s: CDP shows no Accept-Encoding sent for %s", context, ev.URL)
	}
	if ev.ContentEncoding != want || ev.Vary != "Accept-Encoding" {
		t.Errorf("%s: Chrome sent Accept-Encoding %q and received Content-Encoding %q, Vary %q; want %s, Accept-Encoding",
			context, ev.AcceptEncoding, ev.ContentEncoding, ev.Vary, want)
	}
	if !strings.HasSuffix(ev.ETag, "-"+want+`"`) || strings.HasPrefix(ev.ETag, "W/") {
		t.Errorf("%s: ETag %s; want the strong ETag of the %s coding", context, ev.ETag, want)
	}
	if ev.XCache != xcache || !strings.HasPrefix(ev.CacheStatus, cacheStatus) {
		t.Errorf("%s: X-Cache %q, Cache-Status %q; want %q, %q…", context, ev.XCache, ev.CacheStatus, xcache, cacheStatus)
	}
	t.Logf("%s: Accept-Encoding %q: %d, Content-Encoding %s, ETag %s, X-Cache %q, Cache-Status %q",
		context, ev.AcceptEncoding, ev.Status, ev.ContentEncoding, ev.ETag, ev.XCache, ev.CacheStatus)
	return ev.ContentEncoding
}
