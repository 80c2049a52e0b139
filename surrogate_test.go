package gincache_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

func fromFastly(r *http.Request) bool { return r.Header.Get("Fastly-FF") != "" }

// The response's tags go out in the field the CDN purges by, as the
// application named them (not the Cache's own path tag), on the miss and on
// the hit, where they are replayed from the store.
func TestSurrogateKeys(t *testing.T) {
	tagged := func(c *gin.Context) {
		gincache.Tag(c, "user:42", "items")
		c.String(http.StatusOK, "page")
	}
	p := gincache.Policy{Public: true, ServerTTL: time.Minute, Tags: []string{"items", "catalog"}}
	tests := []struct {
		name   string
		header string
		want   string
	}{
		{"Surrogate-Key, space-separated", "Surrogate-Key", "items catalog user:42"},
		{"Cache-Tag, comma-separated", "cache-tag", "items,catalog,user:42"},
		{"Edge-Cache-Tag", "Edge-Cache-Tag", "items,catalog,user:42"},
		{"Xkey", "xkey", "items catalog user:42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, p, tagged, gincache.WithSurrogateKeys(tt.header, nil))
			runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasHeader(tt.header, tt.want), hasHeader("X-Cache", "MISS"))
			runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasHeader(tt.header, tt.want), hasHeader("X-Cache", "HIT from Server"))
			e.wantRuns(1)
		})
	}
}

// With a marker of the CDN, a request that did not come through it gets no
// tags, from the handler or from the store; one through it gets them.
func TestSurrogateKeysOnlyThroughCDN(t *testing.T) {
	p := gincache.Policy{Public: true, ServerTTL: time.Minute, Tags: []string{"items"}}
	e := newEnv(t, p, page("x"), gincache.WithSurrogateKeys("Surrogate-Key", fromFastly))
	runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), noHeader("Surrogate-Key"))
	if got := e.stored("/page").Header.Get("Surrogate-Key"); got != "items" {
		t.Errorf("stored Surrogate-Key = %q; want %q, for the CDN's requests", got, "items")
	}
	runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Cache", "HIT from Server"), noHeader("Surrogate-Key"))
	runAll(t, e.do(http.MethodGet, "/page", "Fastly-FF", "cache-sjc1"), hasHeader("X-Cache", "HIT from Server"), hasHeader("Surrogate-Key", "items"))
	e.wantRuns(1)
}

// Tags are escaped so none can split into two, end the field or inject
// another; a client's own Surrogate-Key or Cache-Tag changes nothing; a
// handler's own field is kept; an uncacheable status carries none.
func TestSurrogateKeysHostile(t *testing.T) {
	t.Run("escaped", func(t *testing.T) {
		h := func(c *gin.Context) {
			gincache.Tag(c, "a b", "c,d", "e\r\nSet-Cookie: x=1", "ünï", `q"%`, "a b")
			c.String(http.StatusOK, "x")
		}
		e := newEnv(t, gincache.Policy{Public: true, ServerTTL: time.Minute}, h, gincache.WithSurrogateKeys("Cache-Tag", nil))
		w := e.do(http.MethodGet, "/page", "Surrogate-Key", "evil", "Cache-Tag", "evil")
		runAll(t, w, hasHeader("Cache-Tag", "a%20b,c%2Cd,e%0D%0ASet-Cookie:%20x=1,%C3%BCn%C3%AF,q%22%25"), noHeader("Set-Cookie"), noHeader("Surrogate-Key"))
		if strings.Contains(w.Header().Get("Cache-Tag"), "evil") {
			t.Errorf("the client's tags were echoed")
		}
	})
	t.Run("handler's own", func(t *testing.T) {
		h := func(c *gin.Context) {
			c.Header("Surrogate-Key", "own")
			c.String(http.StatusOK, "x")
		}
		e := newEnv(t, gincache.Policy{Public: true, ServerTTL: time.Minute, Tags: []string{"items"}}, h, gincache.WithSurrogateKeys("Surrogate-Key", nil))
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("Surrogate-Key", "own"))
	})
	t.Run("error status", func(t *testing.T) {
		h := func(c *gin.Context) { c.String(http.StatusInternalServerError, "x") }
		e := newEnv(t, gincache.Policy{Public: true, ServerTTL: time.Minute, Tags: []string{"items"}}, h, gincache.WithSurrogateKeys("Surrogate-Key", nil))
		runAll(t, e.do(http.MethodGet, "/page"), hasStatus(500), noHeader("Surrogate-Key"))
	})
	t.Run("unknown field panics", func(t *testing.T) {
		defer func() {
			if v := recover(); v == nil || !strings.HasPrefix(v.(string), "gincache: WithSurrogateKeys") {
				t.Errorf("panic %v; want a gincache: WithSurrogateKeys message", v)
			}
		}()
		gincache.WithSurrogateKeys("X-Tags\r\nEvil", nil)
	})
}

func TestSurrogateKey(t *testing.T) {
	for _, tt := range []struct{ tag, want string }{
		{"user:42", "user:42"}, {"a b", "a%20b"}, {"a,b", "a%2Cb"}, {"100%", "100%25"}, {"\x00\x7f", "%00%7F"},
	} {
		if got := gincache.SurrogateKey(tt.tag); got != tt.want {
			t.Errorf("SurrogateKey(%q) = %q; want %q", tt.tag, got, tt.want)
		}
	}
}
