package gincache_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// softSite is one replica serving /items under a policy, on a shared store,
// with a handler whose version goes up at each render.
type softSite struct {
	t     *testing.T
	cache *gincache.Cache
	r     *gin.Engine
	runs  *atomic.Int64
}

func newSoftSite(t *testing.T, store gincache.Store, clk *clock, p gincache.Policy, opts ...gincache.Option) *softSite {
	t.Helper()
	s := &softSite{t: t, runs: new(atomic.Int64)}
	opts = append([]gincache.Option{gincache.WithClock(clk.Now), gincache.WithSoftPurge()}, opts...)
	s.cache = gincache.New(store, opts...)
	s.r = gin.New()
	s.r.Match([]string{http.MethodGet, http.MethodPost}, "/items", s.cache.Handler(p), func(c *gin.Context) {
		n := s.runs.Add(1)
		if c.Request.Method == http.MethodPost {
			c.Status(http.StatusNoContent)
			return
		}
		c.String(http.StatusOK, "v%d", n)
	})
	t.Cleanup(s.cache.Wait)
	return s
}

func (s *softSite) get(hdr ...string) *httptest.ResponseRecorder {
	s.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://example.com/items?page=2", nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	s.r.ServeHTTP(w, req)
	return w
}

// A soft purge leaves the entry in the store, stale: a route with
// stale-while-revalidate serves it at once and refreshes it once in the
// background (RFC 5861 §3); one without renders on the next request, as
// after a hard purge. The same on memstore, Redis through miniredis and
// real Redis.
func TestSoftPurge(t *testing.T) {
	swr := gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: 5 * time.Minute, StaleWhileRevalidate: time.Minute, Tags: []string{"items"}}
	noSWR := swr
	noSWR.StaleWhileRevalidate = 0
	purges := []struct {
		name  string
		purge func(*gincache.Cache) error
	}{
		{"PurgeTags", func(c *gincache.Cache) error { return c.PurgeTags(context.Background(), "items") }},
		{"PurgeURL", func(c *gincache.Cache) error { return c.PurgeURL(context.Background(), "http://example.com/items") }},
		{"Purge", func(c *gincache.Cache) error {
			return c.Purge(context.Background(), gincache.Key(httptest.NewRequest(http.MethodGet, "http://example.com/items?page=2", nil)))
		}},
	}
	for _, sk := range []storeKind{onMemstore, onMiniredis, onRealRedis} {
		for _, pg := range purges {
			t.Run(sk.name+"/"+pg.name+"/stale-while-revalidate", func(t *testing.T) {
				clk := newClock()
				store, _ := sk.open(t, clk)
				s := newSoftSite(t, store, clk, swr)
				runAll(t, s.get(), hasBody("v1"), hasHeader("X-Cache", "MISS"))
				clk.Advance(10 * time.Second)
				if err := pg.purge(s.cache); err != nil {
					t.Fatalf("%s: %v", pg.name, err)
				}
				runAll(t, s.get(), hasStatus(200), hasBody("v1"), hasHeader("Age", "10"),
					hasHeader("Cache-Status", "gincache; hit; ttl=0; detail=stale-while-revalidate"))
				s.cache.Wait() // the one background refresh
				runAll(t, s.get(), hasBody("v2"), hasHeader("X-Cache", "HIT from Server"), hasHeader("Age", "0"))
				if got := s.runs.Load(); got != 2 {
					t.Errorf("handler ran %d times; want 2 (the first render and one refresh)", got)
				}
			})
			t.Run(sk.name+"/"+pg.name+"/no stale-while-revalidate", func(t *testing.T) {
				clk := newClock()
				store, _ := sk.open(t, clk)
				s := newSoftSite(t, store, clk, noSWR)
				runAll(t, s.get(), hasBody("v1"))
				if err := pg.purge(s.cache); err != nil {
					t.Fatalf("%s: %v", pg.name, err)
				}
				runAll(t, s.get(), hasBody("v2"), hasHeader("X-Cache", "MISS"))
				runAll(t, s.get(), hasBody("v2"), hasHeader("X-Cache", "HIT from Server"))
			})
		}
	}
}

// countingStore counts the store commands a request costs.
type countingStore struct {
	*memstore.Store
	gets *atomic.Int64
}

func (s *countingStore) Get(ctx context.Context, key string) (*gincache.Entry, error) {
	s.gets.Add(1)
	return s.Store.Get(ctx, key)
}

// The stale hit after a soft purge is one store command, as every hit is;
// the purge paid for the rewrite.
func TestSoftPurgeHitIsOneCommand(t *testing.T) {
	clk := newClock()
	cs := &countingStore{Store: memstore.New(memstore.WithClock(clk.Now)), gets: new(atomic.Int64)}
	s := newSoftSite(t, cs, clk, gincache.Policy{Public: true, ServerTTL: time.Minute, StaleWhileRevalidate: time.Minute, Tags: []string{"items"}})
	s.get()
	if err := s.cache.PurgeTags(context.Background(), "items"); err != nil {
		t.Fatal(err)
	}
	gets := cs.gets.Load()
	runAll(t, s.get(), hasBody("v1"))
	if got := cs.gets.Load() - gets; got != 1 {
		t.Errorf("the stale hit cost %d store Gets; want 1", got)
	}
}

// The invalidation after a successful write deletes even with soft purges,
// so the writer reads its own write (RFC 9111 §4.4); a store that cannot
// rewrite purges hard; and without WithSoftPurge a purge deletes.
func TestSoftPurgeFallsBackToDelete(t *testing.T) {
	swr := gincache.Policy{Public: true, ServerTTL: time.Minute, StaleWhileRevalidate: time.Minute, Tags: []string{"items"}}
	t.Run("write", func(t *testing.T) {
		clk := newClock()
		s := newSoftSite(t, memstore.New(memstore.WithClock(clk.Now)), clk, swr)
		s.get()
		req := httptest.NewRequest(http.MethodPost, "http://example.com/items", nil)
		s.r.ServeHTTP(httptest.NewRecorder(), req)
		runAll(t, s.get(), hasBody("v3"), hasHeader("X-Cache", "MISS"))
	})
	t.Run("store without Rewriter", func(t *testing.T) {
		clk := newClock()
		s := newSoftSite(t, &faultStore{Store: memstore.New(memstore.WithClock(clk.Now))}, clk, swr)
		s.get()
		if err := s.cache.PurgeTags(context.Background(), "items"); err != nil {
			t.Fatal(err)
		}
		runAll(t, s.get(), hasBody("v2"), hasHeader("X-Cache", "MISS"))
	})
	t.Run("hard purge", func(t *testing.T) {
		clk := newClock()
		c := gincache.New(memstore.New(memstore.WithClock(clk.Now)), gincache.WithClock(clk.Now))
		r := gin.New()
		var runs atomic.Int64
		r.GET("/items", c.Handler(swr), func(gc *gin.Context) { gc.String(200, "v%d", runs.Add(1)) })
		do := func() *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://example.com/items", nil))
			return w
		}
		do()
		if err := c.PurgeTags(context.Background(), "items"); err != nil {
			t.Fatal(err)
		}
		runAll(t, do(), hasBody("v2"), hasHeader("X-Cache", "MISS"))
	})
}

// A soft purge cannot lengthen an entry's life: one already stale stays
// where it was, and one past its stale-while-revalidate window is rendered
// again, not served.
func TestSoftPurgeDoesNotRevive(t *testing.T) {
	clk := newClock()
	p := gincache.Policy{Public: true, ServerTTL: time.Minute, StaleWhileRevalidate: 10 * time.Second, StaleIfError: time.Hour, Tags: []string{"items"}}
	s := newSoftSite(t, memstore.New(memstore.WithClock(clk.Now)), clk, p)
	s.get()
	clk.Advance(5 * time.Minute) // past the stale-while-revalidate window, inside stale-if-error's
	if err := s.cache.PurgeTags(context.Background(), "items"); err != nil {
		t.Fatal(err)
	}
	runAll(t, s.get(), hasBody("v2"), hasHeader("X-Cache", "MISS"))
}

var _ = fmt.Sprint
