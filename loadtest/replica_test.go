//go:build loadtest

package loadtest

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/redisstore"
	"github.com/redis/go-redis/v9"
)

// The store's configuration, shared by both replicas. The deadline is the
// default; the breaker's back-off is capped at 2s (the default is 30s) so
// that hits can resume within the after phase of a short run.
const (
	storeTimeout    = 100 * time.Millisecond
	breakerFailures = 5
	breakerBackoff  = 500 * time.Millisecond
	breakerMax      = 2 * time.Second
)

// renderDelay stands for the database call a real handler makes, so a miss
// costs more than a hit and the outage shows in the latencies. A report is
// slower, and kept only a second, so replicas often wait on each other's
// render of one (coalescing across replicas, through the Redis lock).
// A slow page is the slowest: the test asks for one on both replicas just
// before Redis hangs, so that one replica is waiting on the other's render.
const (
	renderDelay = 2 * time.Millisecond
	reportDelay = 40 * time.Millisecond
	slowDelay   = 300 * time.Millisecond
)

// itemPolicy caches an item for everyone, revalidated by clients on every
// use (so they send If-None-Match), kept a minute in Redis.
var itemPolicy = gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Minute}

// reportPolicy caches a slow report for a second only.
var reportPolicy = gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Second}

// replica is one instance of the application behind a load balancer: its
// own engine, Cache, Store and Redis connection pool, sharing only Redis.
type replica struct {
	name    string
	rdb     redis.UniversalClient
	store   *redisstore.Store
	cache   *gincache.Cache
	srv     *httptest.Server
	renders atomic.Int64
}

// replicaNames name the replicas in the order they are made; a body names
// the one that rendered it.
const replicaNames = "abcdefgh"

// newReplica serves a replica on a loopback port of its own, over one
// redis-server at redisAddr. logger receives what the store and the cache
// report.
func newReplica(t *testing.T, name, redisAddr string, logger *slog.Logger) *replica {
	t.Helper()
	return newReplicaOn(t, name, func() redis.UniversalClient {
		return redis.NewClient(&redis.Options{
			Addr:                  redisAddr,
			ContextTimeoutEnabled: true, // the store's deadline cuts a hung call
			DialTimeout:           10 * time.Second,
			ReadTimeout:           10 * time.Second, // long on purpose: the store's 100ms must win
			WriteTimeout:          10 * time.Second,
		})
	}, logger)
}

// newReplicaOn is newReplica over the client dial returns: one server, a
// failover client or a cluster client.
func newReplicaOn(t *testing.T, name string, dial func() redis.UniversalClient, logger *slog.Logger) *replica {
	t.Helper()
	rp := &replica{name: name}
	rp.rdb = dial()
	rp.store = redisstore.New(rp.rdb,
		redisstore.WithPrefix("gincache-load:"),
		redisstore.WithTimeout(storeTimeout),
		redisstore.WithBreaker(breakerFailures, breakerBackoff, breakerMax),
		redisstore.WithLogger(logger.With("replica", name)))
	rp.cache = gincache.New(rp.store, gincache.WithLogger(logger.With("replica", name)))

	r := gin.New()
	cached := rp.cache.Handler(itemPolicy)
	r.GET("/items/:id", cached, rp.item)
	r.POST("/items/:id", cached, rp.update) // a success invalidates the path (RFC 9111 §4.4)
	r.GET("/reports/:id", rp.cache.Handler(reportPolicy), rp.report)
	r.GET("/slow/:id", rp.cache.Handler(reportPolicy), rp.slow)
	rp.srv = httptest.NewServer(r)
	t.Cleanup(rp.close)
	return rp
}

// item renders the page of an item: its key in the body (see body), and a
// tag for its group, which the purger drops now and then.
func (rp *replica) item(c *gin.Context) {
	n := rp.renders.Add(1)
	time.Sleep(renderDelay)
	id, _ := strconv.Atoi(c.Param("id"))
	gincache.Tag(c, groupTag(id))
	c.Data(http.StatusOK, "text/plain; charset=utf-8", body(c.Request.URL.RequestURI(), rp.name, n))
}

// report renders a report, slower than an item.
func (rp *replica) report(c *gin.Context) { rp.render(c, reportDelay) }

// slow renders a page slower still.
func (rp *replica) slow(c *gin.Context) { rp.render(c, slowDelay) }

func (rp *replica) render(c *gin.Context, d time.Duration) {
	n := rp.renders.Add(1)
	time.Sleep(d)
	c.Data(http.StatusOK, "text/plain; charset=utf-8", body(c.Request.URL.RequestURI(), rp.name, n))
}

// update stands for a save; the cache drops the item's stored pages.
func (rp *replica) update(c *gin.Context) {
	c.Data(http.StatusOK, "text/plain; charset=utf-8", updatedBody(c.Request.URL.RequestURI()))
}

// close stops serving and closes the Redis pool; closing twice is harmless.
func (rp *replica) close() {
	rp.srv.Close()
	rp.cache.Wait()
	rp.rdb.Close()
}

// groups is how many purge groups the items fall into.
const groups = 8

func groupTag(id int) string { return "group:" + strconv.Itoa(id%groups) }
