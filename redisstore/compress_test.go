package redisstore

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

// TestCompressedHitIsOneGET: a compressed entry keeps every coding in one
// value, so a hit for any coding is exactly one GET, on every backend
// (Cluster included), and two replicas sharing Redis serve the same bytes
// and ETags whichever rendered it.
func TestCompressedHitIsOneGET(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		gin.SetMode(gin.TestMode)
		var runs atomic.Int64
		var body strings.Builder
		for i := 0; body.Len() < 32<<10; i++ {
			fmt.Fprintf(&body, "<li id=\"r%05d\">row %d, value %08x</li>\n", i, i, uint32(i)*2654435761)
		}
		_, prefix := b.store(t)
		replica := func() *gin.Engine {
			s := New(ownClient(t, b.client), WithPrefix(prefix), WithTimeout(5*time.Second))
			c := gincache.New(s, gincache.WithCompression(gincache.Compression{}))
			r := gin.New()
			r.GET("/page", c.Handler(gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Minute}), func(c *gin.Context) {
				runs.Add(1)
				c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(body.String()))
			})
			return r
		}
		a, other := replica(), replica()
		get := func(r *gin.Engine, accept string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, "/page", nil)
			if accept != "" {
				req.Header.Set("Accept-Encoding", accept)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			return w
		}
		get(a, "br")
		for _, accept := range []string{"gzip", "br, gzip", "zstd, gzip", ""} {
			t.Run("accept "+accept, func(t *testing.T) {
				var got map[string]int64
				for range 5 { // a real server's counts include other tests' commands now and then
					before := b.commands(t)
					w := get(other, accept)
					got = delta(before, b.commands(t))
					if w.Code != http.StatusOK || w.Header().Get("X-Cache") != "HIT from Server" {
						t.Fatalf("status %d, X-Cache %q; want a 200 hit", w.Code, w.Header().Get("X-Cache"))
					}
					if equalCounts(got, map[string]int64{"get": 1}) {
						mine := get(a, accept)
						if mine.Header().Get("Etag") != w.Header().Get("Etag") || mine.Body.String() != w.Body.String() {
							t.Errorf("replicas differ: ETag %s vs %s", mine.Header().Get("Etag"), w.Header().Get("Etag"))
						}
						return
					}
				}
				t.Errorf("a compressed hit ran %v; want one GET", got)
			})
		}
		if n := runs.Load(); n != 1 {
			t.Errorf("handler ran %d times; want 1", n)
		}
	})
}
