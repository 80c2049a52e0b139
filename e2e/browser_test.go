package e2e

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium; GINCACHE_CHROMIUM overrides it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("GINCACHE_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no Chromium at %s (apt-get install chromium, or set GINCACHE_CHROMIUM): %v", p, err)
	}
	return p
}

// browser is one headless Chromium with a fresh profile (an empty HTTP
// cache) and one tab, and what CDP reported about the tab's requests.
type browser struct {
	ctx  context.Context
	base string // the server's URL

	mu  sync.Mutex // guards net
	net []netEvent
}

// netEvent is what CDP said about one request of the tab: the secondary
// proof next to the server's log.
type netEvent struct {
	URL        string
	FromMemory bool // Network.requestServedFromCache: Blink's memory cache
	FromDisk   bool // Network.responseReceived fromDiskCache: the HTTP cache
	Status     int64
	// The response's validators and Cache-Control, as the browser saw them.
	ETag, LastModified, CacheControl string
	// The response's coding and what the cache said of it, and the
	// Accept-Encoding Chrome sent (Network.requestWillBeSentExtraInfo:
	// the headers on the wire).
	ContentEncoding, Vary, XCache, CacheStatus string
	AcceptEncoding                             string
}

func (e netEvent) fromCache() bool { return e.FromMemory || e.FromDisk }

// startBrowser starts Chromium on a fresh temporary profile and closes it
// (chromedp kills the process it started, by its PID) when the test ends.
func startBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Belt and braces for "only 127.0.0.1 receives traffic": no
		// name resolves, so nothing can leave the machine.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("no-proxy-server", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &browser{base: base}
	ids := map[network.RequestID]int{} // request → index in b.net; only the listener touches it
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithListener(func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if _, ok := ids[ev.RequestID]; !ok {
				ids[ev.RequestID] = len(b.net)
				b.net = append(b.net, netEvent{URL: ev.Request.URL})
			}
		case *network.EventRequestWillBeSentExtraInfo:
			if i, ok := ids[ev.RequestID]; ok {
				b.net[i].AcceptEncoding = header(ev.Headers, "Accept-Encoding")
			}
		case *network.EventRequestServedFromCache:
			if i, ok := ids[ev.RequestID]; ok {
				b.net[i].FromMemory = true
			}
		case *network.EventResponseReceived:
			if i, ok := ids[ev.RequestID]; ok {
				b.net[i].FromDisk = b.net[i].FromDisk || ev.Response.FromDiskCache
				b.net[i].Status = ev.Response.Status
				b.net[i].ETag = header(ev.Response.Headers, "ETag")
				b.net[i].LastModified = header(ev.Response.Headers, "Last-Modified")
				b.net[i].CacheControl = header(ev.Response.Headers, "Cache-Control")
				b.net[i].ContentEncoding = header(ev.Response.Headers, "Content-Encoding")
				b.net[i].Vary = header(ev.Response.Headers, "Vary")
				b.net[i].XCache = header(ev.Response.Headers, "X-Cache")
				b.net[i].CacheStatus = header(ev.Response.Headers, "Cache-Status")
			}
		}
	}))
	t.Cleanup(func() {
		cancelCtx()   // closes the tab and the browser
		cancelAlloc() // waits for the browser process to exit
	})
	if err := chromedp.Do(ctx); err != nil { // start it now, with no deadline
		t.Fatalf("starting %s: %v", chromiumPath(t), err)
	}
	b.ctx = ctx
	return b
}

// do runs actions with a deadline, failing the test on error.
func (b *browser) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// navigate is a normal navigation, as if the URL were typed: Page.navigate,
// waiting for the load event.
func (b *browser) navigate(t *testing.T, path string) {
	t.Helper()
	b.do(t, "navigate to "+path, chromedp.Navigate(b.base+path))
}

// click clicks the link sel and waits for the page it opens to load.
func (b *browser) click(t *testing.T, sel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// reload is the reload button (F5): Page.reload, waiting for the load event.
func (b *browser) reload(t *testing.T) {
	t.Helper()
	b.do(t, "reload", chromedp.Reload())
}

// hardReload is Shift+reload (Ctrl+F5): Page.reload with ignoreCache,
// waiting for the new document's load event.
func (b *browser) hardReload(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	ignore := true
	_, err := chromedp.RunResponse(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.Reload, page.ReloadParams{IgnoreCache: &ignore})
		return err
	}))
	if err != nil {
		t.Fatalf("hard reload: %v", err)
	}
}

// netSince returns CDP's record of requests from position from on, and the
// position after them.
func (b *browser) netSince(from int) ([]netEvent, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]netEvent(nil), b.net[from:]...), len(b.net)
}

// netPos is the current position in CDP's record.
func (b *browser) netPos() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.net)
}

// pathOf strips the server's origin from a URL.
func (b *browser) pathOf(url string) string { return strings.TrimPrefix(url, b.base) }

// header returns a header from CDP's map, whose keys keep the case they had
// on the wire.
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}
