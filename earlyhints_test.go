package gincache_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

const preload = "</app.css>; rel=preload; as=style"

// earlyHints writes a 103 with a Link before the page, as a handler that
// knows its subresources early does (RFC 8297 §2).
func earlyHints(runs *atomic.Int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		runs.Add(1)
		c.Header("Link", preload)
		c.Writer.WriteHeader(http.StatusEarlyHints)
		c.Writer.Header().Del("Link") // not repeated on the final response
		c.String(http.StatusOK, "page")
	}
}

// interimGot is what a client received: the interim responses, then the final one.
type interimGot struct {
	codes  []int
	links  []string
	status int
	proto  string
	xcache string
	body   string
}

func getWithTrace(t *testing.T, url string) interimGot {
	t.Helper()
	return getWithTraceBy(t, http.DefaultClient, url)
}

func getWithTraceBy(t *testing.T, client *http.Client, url string) interimGot {
	t.Helper()
	var got interimGot
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		got.codes = append(got.codes, code)
		got.links = append(got.links, h.Get("Link"))
		return nil
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, url, nil)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	got.status, got.proto, got.xcache, got.body = res.StatusCode, res.Proto, res.Header.Get("X-Cache"), string(b)
	return got
}

// A 103 reaches the client before the final response, through the buffering
// writer and past gin's, which would keep the code as the status (RFC 9110
// §15.2, RFC 8297 §2); it is never stored, and never replayed on a hit.
func TestEarlyHintsThroughRealServer(t *testing.T) {
	mem := memstore.New()
	cache := gincache.New(mem)
	var runs atomic.Int64
	r := gin.New()
	r.GET("/page", cache.Handler(gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute}), earlyHints(&runs))
	srv := httptest.NewServer(r)
	defer srv.Close()

	miss := getWithTrace(t, srv.URL+"/page")
	if len(miss.codes) != 1 || miss.codes[0] != 103 || miss.links[0] != preload {
		t.Errorf("miss: interim responses %v with Link %q; want one 103 with %q", miss.codes, miss.links, preload)
	}
	if miss.status != 200 || miss.body != "page" || miss.xcache != "MISS" {
		t.Errorf("miss: %d %q X-Cache %q; want 200 \"page\" MISS", miss.status, miss.body, miss.xcache)
	}
	req := httptest.NewRequest(http.MethodGet, srv.URL+"/page", nil)
	e, err := mem.Get(context.Background(), gincache.Key(req))
	if err != nil {
		t.Fatalf("nothing stored: %v", err)
	}
	if e.Status != 200 || e.Header.Get("Link") != "" {
		t.Errorf("stored status %d, Link %q; want 200 and no Link", e.Status, e.Header.Get("Link"))
	}

	hit := getWithTrace(t, srv.URL+"/page")
	if len(hit.codes) != 0 {
		t.Errorf("hit: interim responses %v; want none replayed", hit.codes)
	}
	if hit.status != 200 || hit.body != "page" || hit.xcache != "HIT from Server" {
		t.Errorf("hit: %d %q X-Cache %q; want 200 \"page\" HIT from Server", hit.status, hit.body, hit.xcache)
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("handler ran %d times; want 1", got)
	}
}

// Over HTTP/2 the hint goes out too: its writer is as connected as
// HTTP/1's (RFC 9113 §8.1 allows interim responses before the final one).
func TestEarlyHintsOverHTTP2(t *testing.T) {
	var runs atomic.Int64
	r := gin.New()
	r.GET("/page", gincache.New(memstore.New()).Handler(gincache.Policy{Public: true, ServerTTL: time.Minute}), earlyHints(&runs))
	srv := httptest.NewUnstartedServer(r)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	miss := getWithTraceBy(t, srv.Client(), srv.URL+"/page")
	if miss.proto != "HTTP/2.0" {
		t.Fatalf("the test server spoke %q; want HTTP/2.0", miss.proto)
	}
	if len(miss.codes) != 1 || miss.codes[0] != 103 || miss.links[0] != preload {
		t.Errorf("miss: interim responses %v with Link %q; want one 103 with %q", miss.codes, miss.links, preload)
	}
	if miss.status != 200 || miss.body != "page" || miss.xcache != "MISS" {
		t.Errorf("miss: %d %q X-Cache %q; want 200 \"page\" MISS", miss.status, miss.body, miss.xcache)
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("handler ran %d times; want 1", got)
	}
}

// Interim responses do not take the final status's place, whichever comes
// first, and several may precede it (RFC 9110 §15.2).
func TestEarlyHintsKeepFinalStatus(t *testing.T) {
	tests := []struct {
		name    string
		handler gin.HandlerFunc
		codes   int
		status  int
	}{
		{"two hints then 200", func(c *gin.Context) {
			c.Writer.WriteHeader(103)
			c.Writer.WriteHeader(103)
			c.String(200, "page")
		}, 2, 200},
		{"status chosen before the hint", func(c *gin.Context) {
			c.Status(http.StatusNotFound)
			c.Writer.WriteHeader(103)
			c.Writer.WriteHeaderNow()
		}, 1, 404},
		{"hint after the body started is dropped", func(c *gin.Context) {
			_, _ = c.Writer.WriteString("page")
			c.Writer.WriteHeader(103)
		}, 0, 200},
		{"101 is not an interim response here", func(c *gin.Context) {
			c.Writer.WriteHeader(http.StatusSwitchingProtocols)
			c.String(200, "page")
		}, 0, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gin.New()
			r.GET("/page", gincache.New(memstore.New()).Handler(gincache.Policy{Public: true, ServerTTL: time.Minute}), tt.handler)
			srv := httptest.NewServer(r)
			defer srv.Close()
			got := getWithTrace(t, srv.URL+"/page")
			if len(got.codes) != tt.codes || got.status != tt.status {
				t.Errorf("interim %v, final %d; want %d interim, final %d", got.codes, got.status, tt.codes, tt.status)
			}
		})
	}
}

// Through an httptest.ResponseRecorder, which has no connection to send an
// interim response on, and in a background refresh, the hint is dropped
// and the page is still stored as 200.
func TestEarlyHintsWithoutConnection(t *testing.T) {
	var runs atomic.Int64
	e := newEnv(t, gincache.Policy{Public: true, ServerTTL: time.Minute, StaleWhileRevalidate: time.Minute}, earlyHints(&runs))
	runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasBody("page"))
	e.clock.Advance(90 * time.Second) // stale: the refresh renders in the background
	runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasBody("page"))
	e.cache.Wait()
	if got := e.stored("/page"); got.Status != 200 || !got.StoredAt.Equal(e.clock.Now()) {
		t.Errorf("refreshed entry: status %d stored at %v; want 200 at %v", got.Status, got.StoredAt, e.clock.Now())
	}
	if got := runs.Load(); got != 2 {
		t.Errorf("handler ran %d times; want 2", got)
	}
}
