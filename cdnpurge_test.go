package gincache_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// jsonPurger is what an application writes for its CDN: a client for the
// CDN's purge API, here one that POSTs {"tags": [...]} or {"urls": [...]}.
type jsonPurger struct {
	endpoint string
	client   *http.Client
}

func (p jsonPurger) post(ctx context.Context, body any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("CDN purge API: %s", res.Status)
	}
	return nil
}

func (p jsonPurger) PurgeTags(ctx context.Context, tags []string) error {
	return p.post(ctx, map[string][]string{"tags": tags})
}

// urlPurger purges by URL too.
type urlPurger struct{ jsonPurger }

func (p urlPurger) PurgeURLs(ctx context.Context, urls []string) error {
	return p.post(ctx, map[string][]string{"urls": urls})
}

var (
	_ gincache.CDNPurger    = jsonPurger{}
	_ gincache.CDNURLPurger = urlPurger{}
)

// fakeCDN is a loopback server standing in for a CDN's purge API. Each
// request takes the next status of script (the last one repeats) and, when
// hold is set, waits for it to close.
type fakeCDN struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
	script []int
	hold   chan struct{}
	got    chan struct{} // one value per request received
}

func newFakeCDN(t *testing.T, script ...int) *fakeCDN {
	t.Helper()
	f := &fakeCDN{script: script, got: make(chan struct{}, 100)}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		_, _ = b.ReadFrom(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, b.String())
		status := http.StatusOK
		if len(f.script) > 0 {
			status = f.script[0]
			if len(f.script) > 1 {
				f.script = f.script[1:]
			}
		}
		hold := f.hold
		f.mu.Unlock()
		f.got <- struct{}{}
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeCDN) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.bodies...)
}

func (f *fakeCDN) purger() jsonPurger { return jsonPurger{endpoint: f.URL, client: f.Client()} }

// cdnCache is a Cache on a memstore fanning out to purgers, logging to logs.
func cdnCache(t *testing.T, logs *bytes.Buffer, cfg gincache.CDNPurge, opts ...gincache.Option) *gincache.Cache {
	t.Helper()
	if cfg.Backoff == 0 {
		cfg.Backoff = time.Millisecond
	}
	opts = append([]gincache.Option{gincache.WithCDNPurge(cfg), gincache.WithLogger(slog.New(slog.NewTextHandler(logs, nil)))}, opts...)
	c := gincache.New(memstore.New(), opts...)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func closeCache(t *testing.T, c *gincache.Cache) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// A tag purge reaches the CDN's purge API with the tags as the application
// named them, written as the surrogate-key field carries them; failures are
// retried with backoff, and a purge that keeps failing is given up after
// its attempts, counted and logged.
func TestCDNPurgeFanOut(t *testing.T) {
	tests := []struct {
		name     string
		script   []int
		attempts int
		calls    int
		stats    gincache.Stats // the CDN counters only
		log      string
	}{
		{"success", nil, 0, 1, gincache.Stats{CDNPurges: 1}, ""},
		{"500s then success", []int{500, 503, 200}, 5, 3, gincache.Stats{CDNPurges: 1, CDNPurgeRetries: 2}, ""},
		{"always failing", []int{500}, 3, 3, gincache.Stats{CDNPurgeRetries: 2, CDNPurgeFailures: 1}, "CDN purge given up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cdn := newFakeCDN(t, tt.script...)
			var logs bytes.Buffer
			c := cdnCache(t, &logs, gincache.CDNPurge{Purgers: []gincache.CDNPurger{cdn.purger()}, Attempts: tt.attempts})
			if err := c.PurgeTags(context.Background(), "user:42", "a b,c"); err != nil {
				t.Fatal(err)
			}
			closeCache(t, c)
			got := cdn.received()
			if len(got) != tt.calls {
				t.Fatalf("CDN got %d purge requests; want %d", len(got), tt.calls)
			}
			if want := `{"tags":["user:42","a%20b%2Cc"]}`; got[0] != want {
				t.Errorf("CDN got %s; want %s", got[0], want)
			}
			s := c.Stats()
			cdnStats := gincache.Stats{CDNPurges: s.CDNPurges, CDNPurgeRetries: s.CDNPurgeRetries, CDNPurgeFailures: s.CDNPurgeFailures, CDNPurgeDrops: s.CDNPurgeDrops}
			if cdnStats != tt.stats {
				t.Errorf("Stats = %+v; want %+v", cdnStats, tt.stats)
			}
			if tt.log != "" && !strings.Contains(logs.String(), tt.log) || tt.log == "" && logs.Len() > 0 {
				t.Errorf("log:\n%s\nwant %q", logs.String(), tt.log)
			}
		})
	}
}

// A slow CDN never holds the purge that triggered it: PurgeTags returns
// while the CDN is still answering, and a queue that fills drops, counts
// and logs; Close with a deadline gives the rest up.
func TestCDNPurgeSlowCDN(t *testing.T) {
	cdn := newFakeCDN(t)
	cdn.hold = make(chan struct{})
	var logs bytes.Buffer
	c := cdnCache(t, &logs, gincache.CDNPurge{Purgers: []gincache.CDNPurger{cdn.purger()}, Queue: 1, Attempts: 1})
	if err := c.PurgeTags(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	<-cdn.got                                // the worker is in the CDN's hands, which hold it
	for _, tag := range []string{"b", "c"} { // b waits in the queue, c finds it full
		if err := c.PurgeTags(context.Background(), tag); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.Stats().CDNPurgeDrops; got != 1 {
		t.Errorf("CDNPurgeDrops = %d; want 1", got)
	}
	if !strings.Contains(logs.String(), "queue full") {
		t.Errorf("log:\n%s\nwant the drop logged", logs.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close = %v; want DeadlineExceeded, the CDN still holding the purge", err)
	}
	close(cdn.hold)
	if err := c.PurgeTags(context.Background(), "d"); err != nil { // after Close: the store only
		t.Fatal(err)
	}
	if s := c.Stats(); s.CDNPurgeDrops != 2 || s.CDNPurges != 0 {
		t.Errorf("after Close: drops %d, sent %d; want 2 and 0", s.CDNPurgeDrops, s.CDNPurges)
	}
}

// PurgeURL reaches the purgers that purge by URL; a failed store purge
// reaches no CDN, which would fetch the old page again from the store.
func TestCDNPurgeURLAndOrder(t *testing.T) {
	t.Run("url", func(t *testing.T) {
		byURL, byTag := newFakeCDN(t), newFakeCDN(t)
		var logs bytes.Buffer
		c := cdnCache(t, &logs, gincache.CDNPurge{Purgers: []gincache.CDNPurger{urlPurger{byURL.purger()}, byTag.purger()}})
		if err := c.PurgeURL(context.Background(), "https://example.com/items"); err != nil {
			t.Fatal(err)
		}
		closeCache(t, c)
		if got := byURL.received(); len(got) != 1 || got[0] != `{"urls":["https://example.com/items"]}` {
			t.Errorf("URL purger got %q", got)
		}
		if got := byTag.received(); len(got) != 0 {
			t.Errorf("tag-only purger got %q; want nothing", got)
		}
	})
	t.Run("store failure", func(t *testing.T) {
		cdn := newFakeCDN(t)
		fs := &faultStore{Store: memstore.New()}
		c := gincache.New(fs, gincache.WithCDNPurge(gincache.CDNPurge{Purgers: []gincache.CDNPurger{cdn.purger()}}))
		fs.fail(errBroken)
		if err := c.PurgeTags(context.Background(), "a"); err == nil {
			t.Fatal("PurgeTags = nil; want the store's error")
		}
		closeCache(t, c)
		if got := cdn.received(); len(got) != 0 {
			t.Errorf("CDN got %q; want nothing", got)
		}
	})
}

// A client cannot make the application purge its CDN: a successful write
// invalidates the store only, request fields that name tags or purges are
// not read, and PurgeHandler refuses without authorization.
func TestCDNPurgeHostile(t *testing.T) {
	cdn := newFakeCDN(t)
	var logs bytes.Buffer
	c := cdnCache(t, &logs, gincache.CDNPurge{Purgers: []gincache.CDNPurger{urlPurger{cdn.purger()}}})
	r := gin.New()
	p := gincache.Policy{Public: true, ServerTTL: time.Minute, Tags: []string{"items"}}
	r.Match([]string{http.MethodGet, http.MethodPost}, "/items", c.Handler(p), func(gc *gin.Context) { gc.String(200, "items") })
	r.Handle("PURGE", "/*path", c.PurgeHandler(nil))
	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodPost, "/items", nil),
		httptest.NewRequest("PURGE", "/items?tag=items", nil),
		httptest.NewRequest(http.MethodGet, "/items", nil),
	} {
		for _, h := range []string{"Surrogate-Key", "Cache-Tag", "Purge", "X-Purge-Tags"} {
			req.Header.Set(h, "items")
		}
		r.ServeHTTP(httptest.NewRecorder(), req)
	}
	closeCache(t, c)
	if got := cdn.received(); len(got) != 0 {
		t.Errorf("CDN got %q; want no purge", got)
	}
}

func TestCDNPurgeConfigPanics(t *testing.T) {
	for _, cfg := range []gincache.CDNPurge{
		{Purgers: []gincache.CDNPurger{nil}},
		{Purgers: []gincache.CDNPurger{jsonPurger{}}, Attempts: -1},
	} {
		func() {
			defer func() {
				if v := recover(); v == nil || !strings.HasPrefix(fmt.Sprint(v), "gincache: WithCDNPurge") {
					t.Errorf("WithCDNPurge(%+v) panicked with %v; want a gincache: WithCDNPurge message", cfg, v)
				}
			}()
			gincache.WithCDNPurge(cfg)
		}()
	}
}
