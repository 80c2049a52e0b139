package gincache_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/storetest"
	"github.com/gincache/gincache/memstore"
)

func init() { gin.SetMode(gin.TestMode) }

// clock is the shared test clock, moved by hand (house rule 11: no sleeping).
type clock = storetest.Clock

func newClock() *clock { return storetest.NewClock() }

// faultStore wraps a real store and fails on demand, for the fail-open rules.
type faultStore struct {
	gincache.Store
	err   atomic.Pointer[error]
	block atomic.Bool // wait for the deadline instead of answering
}

func (s *faultStore) fail(err error) { s.err.Store(&err) }

func (s *faultStore) check(ctx context.Context) error {
	if s.block.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	if p := s.err.Load(); p != nil && *p != nil {
		return *p
	}
	return nil
}

func (s *faultStore) Get(ctx context.Context, key string) (*gincache.Entry, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s.Store.Get(ctx, key)
}

func (s *faultStore) Set(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	return s.Store.Set(ctx, key, e, ttl)
}

// SetTagged and PurgeTags pass through to the wrapped store, which must be
// a Tagger (memstore is).
func (s *faultStore) SetTagged(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration, tags []string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	return s.Store.(gincache.Tagger).SetTagged(ctx, key, e, ttl, tags)
}

func (s *faultStore) PurgeTags(ctx context.Context, tags ...string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	return s.Store.(gincache.Tagger).PurgeTags(ctx, tags...)
}

// env is one application: a gin engine with one cached route, its store and
// clock, and a count of how many times the handler ran.
type env struct {
	t     *testing.T
	clock *clock
	mem   *memstore.Store
	store *faultStore
	cache *gincache.Cache
	r     *gin.Engine
	runs  atomic.Int64
	logs  *bytes.Buffer
}

// newEnv registers handler under p at /page (GET and HEAD) and, for unsafe
// methods, at the same path. outer middleware runs outside the cache.
func newEnv(t *testing.T, p gincache.Policy, handler gin.HandlerFunc, opts ...gincache.Option) *env {
	t.Helper()
	e := &env{t: t, clock: newClock(), logs: new(bytes.Buffer)}
	e.mem = memstore.New(memstore.WithClock(e.clock.Now))
	e.store = &faultStore{Store: e.mem}
	opts = append([]gincache.Option{
		gincache.WithClock(e.clock.Now),
		gincache.WithLogger(slog.New(slog.NewTextHandler(e.logs, nil))),
	}, opts...)
	e.cache = gincache.New(e.store, opts...)
	e.r = gin.New()
	e.r.Use(gin.Recovery())
	counted := func(c *gin.Context) {
		e.runs.Add(1)
		handler(c)
	}
	e.r.Match([]string{http.MethodGet, http.MethodHead, http.MethodPost}, "/page", e.cache.Handler(p), counted)
	return e
}

// do sends a request; hdr holds header name and value pairs ("Host" sets the host).
func (e *env) do(method, target string, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.r.ServeHTTP(w, req)
	return w
}

// check is one assertion about a response.
type check func(*testing.T, *httptest.ResponseRecorder)

func hasStatus(want int) check {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		t.Helper()
		if w.Code != want {
			t.Errorf("status = %d; want %d", w.Code, want)
		}
	}
}

func hasHeader(k, want string) check {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		t.Helper()
		if got := strings.Join(w.Header().Values(k), "|"); got != want {
			t.Errorf("%s = %q; want %q", k, got, want)
		}
	}
}

func noHeader(k string) check {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		t.Helper()
		if v, ok := w.Header()[http.CanonicalHeaderKey(k)]; ok {
			t.Errorf("%s = %q; want no such header", k, v)
		}
	}
}

func hasBody(want string) check {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		t.Helper()
		if got := w.Body.String(); got != want {
			t.Errorf("body = %.60q; want %.60q", got, want)
		}
	}
}

func runAll(t *testing.T, w *httptest.ResponseRecorder, checks ...check) {
	t.Helper()
	for _, c := range checks {
		c(t, w)
	}
}

func (e *env) wantRuns(want int64) {
	e.t.Helper()
	if got := e.runs.Load(); got != want {
		e.t.Errorf("handler ran %d times; want %d", got, want)
	}
}

func (e *env) wantStored(want int) {
	e.t.Helper()
	if got := e.mem.Len(); got != want {
		e.t.Errorf("store holds %d entries; want %d", got, want)
	}
}

// stored returns the entry under the default key of target on example.com.
func (e *env) stored(target string) *gincache.Entry {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	got, err := e.mem.Get(context.Background(), gincache.Key(req))
	if err != nil {
		e.t.Fatalf("store has no entry for %s: %v", target, err)
	}
	return got
}

// page returns a handler that writes body as HTML.
func page(body string) gin.HandlerFunc {
	return func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(body)) }
}

var errBroken = errors.New("store is broken")

var _ = fmt.Sprint
var _ = io.Discard
