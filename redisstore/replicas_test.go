package redisstore

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/redis/go-redis/v9"
)

// replica is one instance of an application behind a load balancer: its own
// engine, Cache, Store and Redis connection pool, sharing only Redis.
type replica struct {
	r    *gin.Engine
	runs *atomic.Int64
}

func newReplica(t *testing.T, client redis.UniversalClient, prefix string, now func() time.Time, runs *atomic.Int64) replica {
	t.Helper()
	gin.SetMode(gin.TestMode)
	cache := gincache.New(New(client, WithPrefix(prefix), WithTimeout(5*time.Second)), gincache.WithClock(now))
	r := gin.New()
	r.GET("/page", cache.Handler(gincache.Policy{Public: true, NoCache: true, MaxAge: time.Minute, ServerTTL: time.Minute}),
		func(c *gin.Context) {
			runs.Add(1)
			c.String(http.StatusOK, "the same page on every replica")
		})
	return replica{r: r, runs: runs}
}

func (rp replica) get(hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/page", nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	rp.r.ServeHTTP(w, req)
	return w
}

// ownClient opens a second connection pool to the same server, as another
// replica would have.
func ownClient(t *testing.T, c redis.UniversalClient) redis.UniversalClient {
	t.Helper()
	var other redis.UniversalClient
	switch c := c.(type) {
	case *redis.Client:
		other = redis.NewClient(c.Options())
	case *redis.ClusterClient:
		other = redis.NewClusterClient(c.Options())
	default:
		t.Fatalf("unexpected client %T", c)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

// TestTwoReplicasShareOneCache: a page rendered by replica A is a hit on
// replica B with the same body and ETag; B answers 304 to A's ETag; Age is
// the same whichever replica answers.
func TestTwoReplicasShareOneCache(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		_, prefix := b.store(t) // reserves a prefix and cleans it up
		now := time.Now()
		clock := func() time.Time { return now }
		var runs atomic.Int64
		a := newReplica(t, b.client, prefix, clock, &runs)
		bb := newReplica(t, ownClient(t, b.client), prefix, clock, &runs)

		first := a.get()
		if first.Code != 200 || first.Header().Get("X-Cache") != "MISS" || first.Header().Get("Cache-Status") != "gincache; fwd=uri-miss; stored" {
			t.Fatalf("A: %d %q %q; want a stored miss", first.Code, first.Header().Get("X-Cache"), first.Header().Get("Cache-Status"))
		}
		etag := first.Header().Get("ETag")

		now = now.Add(7 * time.Second)
		hit := bb.get()
		if hit.Header().Get("X-Cache") != "HIT from Server" || hit.Body.String() != first.Body.String() || hit.Header().Get("ETag") != etag {
			t.Errorf("B: %q %q ETag %q; want A's page (%q, ETag %q) from Redis", hit.Header().Get("X-Cache"), hit.Body, hit.Header().Get("ETag"), first.Body, etag)
		}
		notMod := bb.get("If-None-Match", etag)
		if notMod.Code != http.StatusNotModified || notMod.Header().Get("X-Cache") != "HIT from Client" {
			t.Errorf("B with A's ETag: %d %q; want 304 HIT from Client", notMod.Code, notMod.Header().Get("X-Cache"))
		}
		for name, w := range map[string]*httptest.ResponseRecorder{"B": hit, "A": a.get()} {
			if got := w.Header().Get("Age"); got != strconv.Itoa(7) {
				t.Errorf("%s: Age = %q; want 7, from the StoredAt inside the entry", name, got)
			}
		}
		if got := runs.Load(); got != 1 {
			t.Errorf("the handler ran %d times across both replicas; want 1", got)
		}
	})
}

// TestRedisDownServesFromHandler: with Redis gone, every request is still
// served by the handler, and hits resume once it is back (fail open).
func TestRedisDownServesFromHandler(t *testing.T) {
	mr, rdb := newMiniredis(t)
	var runs atomic.Int64
	rp := newReplica(t, rdb, uniquePrefix(), time.Now, &runs)
	if w := rp.get(); w.Header().Get("Cache-Status") != "gincache; fwd=uri-miss; stored" {
		t.Fatalf("first request: %q; want stored", w.Header().Get("Cache-Status"))
	}
	mr.Close()
	for i := range 8 { // past the breaker's threshold: later calls skip Redis
		w := rp.get()
		if w.Code != 200 || w.Body.String() != "the same page on every replica" {
			t.Fatalf("request %d with Redis down: %d %q; want the handler's 200", i, w.Code, w.Body)
		}
	}
	if got := runs.Load(); got != 9 {
		t.Errorf("handler ran %d times; want 9 (every request while Redis is down)", got)
	}
}
