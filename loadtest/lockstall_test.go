//go:build loadtest

package loadtest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/redisstore"
)

// refusingStore is a redisstore.Store whose breaker opened between its
// TryLock and its Set: the lock was taken, and the Set and the Unlock that
// follow are refused with ErrUnavailable without reaching Redis, as the
// topology tests saw when one replica's breaker opened (on a stall, or on a
// cluster shard that died) while Redis answered the other replicas.
type refusingStore struct{ *redisstore.Store }

func (s refusingStore) Set(context.Context, string, *gincache.Entry, time.Duration) error {
	return redisstore.ErrUnavailable
}

func (s refusingStore) SetTagged(context.Context, string, *gincache.Entry, time.Duration, []string) error {
	return redisstore.ErrUnavailable
}

func (s refusingStore) Unlock(context.Context, string, string) error {
	return redisstore.ErrUnavailable
}

// TestAbandonedLock: a replica that took the Redis lock of a key and could
// neither store the page nor release the lock leaves it to expire, and the
// lock's TTL is the coalesce timeout (5s by default); every other replica
// that misses that key meanwhile polls a healthy Redis for the page that
// will never come, for the whole timeout, and the requests for the key
// queued in each replica wait behind it. Under the skewed load of the
// topology tests one hot key was enough to stall every worker for 4–5s
// (TestMaxmemory, TestClusterFailover). It reports how long the second
// replica's request took and fails on it only with -topo.strict.
func TestAbandonedLock(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	srv := startRedis(t)
	quiet := slog.New(slog.DiscardHandler)
	serve := func(s gincache.Store) *gin.Engine {
		r := gin.New()
		r.GET("/items/:id", gincache.New(s, gincache.WithLogger(quiet)).Handler(itemPolicy), func(c *gin.Context) {
			c.String(http.StatusOK, "item %s", c.Param("id"))
		})
		return r
	}
	rdbA, rdbB := singleClient(srv.addr()), singleClient(srv.addr())
	defer rdbA.Close()
	defer rdbB.Close()
	a := serve(refusingStore{redisstore.New(rdbA, redisstore.WithLogger(quiet))})
	b := serve(redisstore.New(rdbB, redisstore.WithLogger(quiet)))

	get := func(r *gin.Engine) (time.Duration, string) {
		w := httptest.NewRecorder()
		start := time.Now()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://items.test/items/1", nil))
		return time.Since(start), w.Header().Get("Cache-Status")
	}
	tookA, statusA := get(a)
	tookB, statusB := get(b)
	t.Logf("replica a (lock taken, Set and Unlock refused): %v, %q; replica b, Redis healthy: %v, %q",
		tookA.Round(time.Millisecond), statusA, tookB.Round(time.Millisecond), statusB)
	if tookB > time.Second {
		msg := "replica b waited " + tookB.Round(time.Millisecond).String() +
			" on a lock its holder had given up (want: about the holder's render, a few ms)"
		if *flagStrict {
			t.Error(msg)
		} else {
			t.Log("FINDING: " + msg)
		}
	}
}
