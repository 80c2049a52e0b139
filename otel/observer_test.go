package otel_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	gcotel "github.com/gincache/gincache/otel"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
)

// shell is public, revalidated on every use, kept five minutes on the server.
var shell = gincache.Policy{Public: true, NoCache: true, MaxAge: time.Minute, ServerTTL: 5 * time.Minute}

// newRouter is an app traced by otelgin, its cache observed by obs.
func newRouter(tel *telemetry, store gincache.Store, obs gincache.Observer) *gin.Engine {
	quiet := slog.New(slog.DiscardHandler) // store faults are expected where a test injects them
	cache := gincache.New(store, gincache.WithObserver(obs), gincache.WithLogger(quiet))
	r := gin.New()
	r.Use(otelgin.Middleware("test", otelgin.WithTracerProvider(tel.tp), otelgin.WithMeterProvider(tel.mp)))
	r.GET("/users/:id", cache.Handler(shell), func(c *gin.Context) { c.String(http.StatusOK, "hello") })
	r.POST("/users/:id", cache.Handler(shell), func(c *gin.Context) { c.Status(http.StatusNoContent) })
	r.GET("/cookie", cache.Handler(shell), func(c *gin.Context) {
		c.SetCookie("session", "s3cr3t", 60, "/", "", false, true)
		c.String(http.StatusOK, "private")
	})
	return r
}

// Each request's otelgin span carries an event per outcome and store call.
func TestSpanEvents(t *testing.T) {
	tel := newTelemetry(t)
	r := newRouter(tel, memstore.New(), gcotel.New(gcotel.WithMeterProvider(tel.mp)))
	first := do(r, http.MethodGet, "/users/42")
	etag := first.Header().Get("ETag")
	tests := []struct {
		name   string
		method string
		target string
		header []string
		status int
		events []string
	}{
		{"hit", http.MethodGet, "/users/42", nil, http.StatusOK, []string{
			"gincache.store gincache.store.operation=get gincache.store.result=ok",
			"gincache gincache.outcome=hit http.route=/users/:id",
		}},
		{"not modified", http.MethodGet, "/users/42", []string{"If-None-Match", etag}, http.StatusNotModified, []string{
			"gincache.store gincache.store.operation=get gincache.store.result=ok",
			"gincache gincache.outcome=not_modified http.route=/users/:id",
		}},
		{"reload", http.MethodGet, "/users/42", []string{"Cache-Control", "no-cache"}, http.StatusOK, []string{
			"gincache gincache.outcome=miss http.route=/users/:id",
			"gincache gincache.outcome=bypass gincache.reason=request http.route=/users/:id",
			"gincache.store gincache.store.operation=set gincache.store.result=ok",
			"gincache gincache.outcome=stored gincache.stored.body.size=5 http.route=/users/:id",
		}},
		{"set-cookie", http.MethodGet, "/cookie", nil, http.StatusOK, []string{
			"gincache.store gincache.store.operation=get gincache.store.result=miss",
			"gincache gincache.outcome=miss http.route=/cookie",
			"gincache gincache.outcome=uncacheable gincache.reason=set-cookie http.route=/cookie",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel.spans.Reset()
			hasStatus(t, do(r, tt.method, tt.target, tt.header...), tt.status)
			got := tel.events()
			if len(got) != 1 {
				t.Fatalf("ended spans = %d; want 1", len(got))
			}
			if !reflect.DeepEqual(got[0], tt.events) {
				t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got[0], "\n"), strings.Join(tt.events, "\n"))
			}
		})
	}
}

// A span started by hand, not by otelgin, gets the events as well: the
// observer reads whatever span the request's context holds.
func TestSpanEventsOnAHandMadeSpan(t *testing.T) {
	tel := newTelemetry(t)
	cache := gincache.New(memstore.New(), gincache.WithObserver(gcotel.New(gcotel.WithMeterProvider(tel.mp))))
	r := gin.New()
	r.GET("/", cache.Handler(shell), func(c *gin.Context) { c.String(http.StatusOK, "hi") })

	ctx, span := tel.tp.Tracer("test").Start(context.Background(), "by hand")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	r.ServeHTTP(discard{}, req)
	span.End()

	want := []string{
		"gincache.store gincache.store.operation=get gincache.store.result=miss",
		"gincache gincache.outcome=miss http.route=/",
		"gincache.store gincache.store.operation=set gincache.store.result=ok",
		"gincache gincache.outcome=stored gincache.stored.body.size=2 http.route=/",
	}
	if got := tel.events(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("events = %q; want [%q]", got, want)
	}
}

// The counters and the duration histogram, read through a ManualReader.
func TestInstruments(t *testing.T) {
	tel := newTelemetry(t)
	r := newRouter(tel, memstore.New(), gcotel.New(gcotel.WithMeterProvider(tel.mp)))
	first := do(r, http.MethodGet, "/users/42")                                                                           // miss, stored
	hasStatus(t, do(r, http.MethodGet, "/users/42"), http.StatusOK)                                                       // hit
	hasStatus(t, do(r, http.MethodGet, "/users/42", "If-None-Match", first.Header().Get("ETag")), http.StatusNotModified) // 304
	hasStatus(t, do(r, http.MethodGet, "/users/42", "Cache-Control", "no-cache"), http.StatusOK)                          // bypass, miss, stored
	hasStatus(t, do(r, http.MethodPost, "/users/42"), http.StatusNoContent)                                               // bypass, purge
	hasStatus(t, do(r, http.MethodGet, "/cookie"), http.StatusOK)                                                         // miss, uncacheable

	got := tel.points(t)
	want := map[string]int64{
		"gincache.requests{gincache.outcome=hit,http.route=/users/:id}":                              1,
		"gincache.requests{gincache.outcome=miss,http.route=/users/:id}":                             2,
		"gincache.requests{gincache.outcome=miss,http.route=/cookie}":                                1,
		"gincache.requests{gincache.outcome=not_modified,http.route=/users/:id}":                     1,
		"gincache.bypasses{gincache.reason=request,http.route=/users/:id}":                           1,
		"gincache.bypasses{gincache.reason=method,http.route=/users/:id}":                            1,
		"gincache.uncacheable{gincache.reason=set-cookie,http.route=/cookie}":                        1,
		"gincache.stored.responses{http.route=/users/:id}":                                           2,
		"gincache.stored.body.size{http.route=/users/:id}":                                           10,
		"gincache.store.operation.duration{gincache.store.operation=get,gincache.store.result=miss}": 2,
		"gincache.store.operation.duration{gincache.store.operation=get,gincache.store.result=ok}":   2,
		"gincache.store.operation.duration{gincache.store.operation=set,gincache.store.result=ok}":   2,
		"gincache.store.operation.duration{gincache.store.operation=purge,gincache.store.result=ok}": 1,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("points:\n%v\nwant:\n%v", got, want)
	}
}

// failingStore is a real store whose Get and Set fail with err.
type failingStore struct {
	gincache.Store
	err error
}

func (s failingStore) Get(context.Context, string) (*gincache.Entry, error) { return nil, s.err }
func (s failingStore) Set(context.Context, string, *gincache.Entry, time.Duration) error {
	return s.err
}

type refused struct{}

func (refused) Error() string { return "connection refused" }

// A failed store call is counted by operation and its event says what kind
// of error it was; the request still succeeds (the cache fails open).
func TestStoreErrors(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		errorType string
	}{
		{"deadline", context.DeadlineExceeded, "timeout"},
		{"wrapped deadline", errors.Join(errors.New("redis"), context.DeadlineExceeded), "timeout"},
		{"canceled", context.Canceled, "canceled"},
		{"other", refused{}, "otel_test.refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := newTelemetry(t)
			r := newRouter(tel, failingStore{memstore.New(), tt.err}, gcotel.New(gcotel.WithMeterProvider(tel.mp)))
			hasStatus(t, do(r, http.MethodGet, "/users/42"), http.StatusOK)
			got := tel.points(t)
			for _, op := range []string{"get", "set"} {
				if n := got["gincache.store.errors{gincache.store.operation="+op+"}"]; n != 1 {
					t.Errorf("gincache.store.errors{%s} = %d; want 1", op, n)
				}
			}
			ev := tel.events()[0][0]
			if want := "gincache.store error.type=" + tt.errorType + " gincache.store.operation=get gincache.store.result=error"; ev != want {
				t.Errorf("first event = %q; want %q", ev, want)
			}
		})
	}
}

func TestWithoutSpanEvents(t *testing.T) {
	tel := newTelemetry(t)
	r := newRouter(tel, memstore.New(), gcotel.New(gcotel.WithMeterProvider(tel.mp), gcotel.WithoutSpanEvents()))
	do(r, http.MethodGet, "/users/42")
	if got := tel.events(); len(got) != 1 || len(got[0]) != 0 {
		t.Errorf("events = %q; want one span with none", got)
	}
	if n := tel.points(t)["gincache.requests{gincache.outcome=miss,http.route=/users/:id}"]; n != 1 {
		t.Errorf("misses = %d; want 1: the metrics stay", n)
	}
}

// Without a span and without a provider (the global no-op ones), the
// Observer costs nothing but its map lookups and does not panic.
func TestGlobalProviders(t *testing.T) {
	obs := gcotel.New()
	obs.Observe(gincache.Event{Route: "/", Kind: gincache.EventHit})
	obs.ObserveStore("get", time.Millisecond, gincache.ErrNotFound)
	obs.ObserveContext(context.Background(), gincache.Event{Kind: gincache.EventStored, Bytes: 3})
}

func TestNewPanics(t *testing.T) {
	tests := []struct {
		name string
		opt  gcotel.Option
	}{
		{"decreasing buckets", gcotel.WithBuckets(0.1, 0.01)},
		{"repeated bucket", gcotel.WithBuckets(0.1, 0.1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				v := recover()
				if s, _ := v.(string); !strings.HasPrefix(s, "otel: ") {
					t.Errorf("panic = %v; want one starting with %q", v, "otel: ")
				}
			}()
			gcotel.New(tt.opt)
		})
	}
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return io.Discard.Write(b) }
func (discard) WriteHeader(int)             {}
