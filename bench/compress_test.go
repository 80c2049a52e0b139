package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/redisstore"
	"github.com/redis/go-redis/v9"
)

// Issue 14: compression in the cache. The page is the 32 KiB HTML page of
// the other cases; browser is what Chrome and curl --compressed send.
const (
	compressN = 32 << 10
	browser   = "gzip, deflate, br, zstd"
)

// compressedEngine is cachedEngine with the Cache's options.
func compressedEngine(store gincache.Store, path string, n int, opts ...gincache.Option) *gin.Engine {
	r := gin.New()
	r.GET(path, gincache.New(store, opts...).Handler(policy), renderHandler(n))
	return r
}

var withCompression = gincache.WithCompression(gincache.Compression{})

// primeCoded serves path once (a miss), then checks a hit for accept, and
// returns its header and body length.
func primeCoded(b *testing.B, h http.Handler, path, accept string) (http.Header, int) {
	b.Helper()
	w := newDiscardWriter()
	h.ServeHTTP(w, request(path, "Accept-Encoding", accept))
	w = newDiscardWriter()
	h.ServeHTTP(w, request(path, "Accept-Encoding", accept))
	if w.status != http.StatusOK || w.h.Get("X-Cache") != "HIT from Server" {
		b.Fatalf("%s: status %d, X-Cache %q; want a 200 hit", path, w.status, w.h.Get("X-Cache"))
	}
	return w.h.Clone(), w.n
}

// BenchmarkCompressedHit compares, on one 32 KiB page from memstore: an
// identity hit (no compression), the cache's br hit for a browser, its
// gzip hit, identity decoded for a client that accepts no coding, and
// gin-contrib/gzip outside a cache that does not compress (every hit
// compressed again); with case=floor-br, a plain handler writing
// precompressed br bytes with the same headers, the floor of a compressed hit.
func BenchmarkCompressedHit(b *testing.B) {
	path := pagePath("32KiB")
	cases := []struct {
		name, accept string
		engine       func() *gin.Engine
		coding       string
	}{
		{"identity", browser, func() *gin.Engine { return cachedEngine(memstore.New(), path, compressN) }, ""},
		{"br", browser, func() *gin.Engine { return compressedEngine(memstore.New(), path, compressN, withCompression) }, "br"},
		{"gzip", "gzip", func() *gin.Engine { return compressedEngine(memstore.New(), path, compressN, withCompression) }, "gzip"},
		{"decoded-identity", "", func() *gin.Engine { return compressedEngine(memstore.New(), path, compressN, withCompression) }, ""},
		{"gin-contrib-gzip-outside", "gzip", func() *gin.Engine {
			r := gin.New()
			r.Use(gzip.Gzip(gzip.DefaultCompression))
			r.GET(path, gincache.New(memstore.New()).Handler(policy), renderHandler(compressN))
			return r
		}, "gzip"},
	}
	for _, tc := range cases {
		b.Run("case="+tc.name, func(b *testing.B) {
			h := tc.engine()
			hdr, n := primeCoded(b, h, path, tc.accept)
			if got := hdr.Get("Content-Encoding"); got != tc.coding {
				b.Fatalf("Content-Encoding %q; want %q", got, tc.coding)
			}
			before := renders.Load()
			run(b, h, func() *http.Request { return request(path, "Accept-Encoding", tc.accept) }, nil)
			if renders.Load() != before {
				b.Logf("WARNING: %d renders during a hit case", renders.Load()-before)
			}
			b.Logf("%s: %d bytes a response", tc.name, n)
		})
	}
	b.Run("case=floor-br", func(b *testing.B) {
		hdr, n := primeCoded(b, compressedEngine(memstore.New(), path, compressN, withCompression), path, browser)
		body := brBody(b, path)
		if len(body) != n {
			b.Fatalf("br body %d bytes; the hit sent %d", len(body), n)
		}
		h := sameResponse(hdr, path, body)
		check(b, h, request(path), want{status: http.StatusOK, bodyN: n, xCache: "HIT from Server"})
		run(b, h, func() *http.Request { return request(path) }, nil)
	})
}

// brBody is the br body the cache stores for the page.
func brBody(b *testing.B, path string) []byte {
	b.Helper()
	s := memstore.New()
	h := compressedEngine(s, path, compressN, withCompression)
	h.ServeHTTP(newDiscardWriter(), request(path, "Accept-Encoding", browser))
	e, err := s.Get(context.Background(), "example.com"+path)
	if err != nil {
		b.Fatalf("stored entry: %v", err)
	}
	return e.Body
}

// sameResponse is a handler sending hdr's fields, precomputed, and body.
func sameResponse(hdr http.Header, path string, body []byte) *gin.Engine {
	fields := hdr.Clone()
	h := gin.New()
	h.GET(path, func(c *gin.Context) {
		w := c.Writer.Header()
		for k, v := range fields {
			w[k] = v
		}
		c.Status(http.StatusOK)
		_, _ = c.Writer.Write(body)
	})
	return h
}

// BenchmarkCompressedRedisHit is the br and gzip hits of the page from a real
// Redis (and miniredis), against the one-GET floor of the same stored bytes:
// a handler doing one go-redis GET of the value gincache stored and writing
// the coding's bytes, with the headers precomputed.
func BenchmarkCompressedRedisHit(b *testing.B) {
	path := pagePath("32KiB")
	for _, be := range backends(b) {
		b.Run("store="+be.name, func(b *testing.B) {
			prefix := be.prefix + "z:"
			h := compressedEngine(redisstore.New(be.client, redisstore.WithPrefix(prefix)), path, compressN, withCompression)
			for _, accept := range []string{browser, "gzip"} {
				hdr, n := primeCoded(b, h, path, accept)
				b.Run("case=gincache/accept="+hdr.Get("Content-Encoding"), func(b *testing.B) {
					oneCommandPerHit(b, be, h, path)
					run(b, h, func() *http.Request { return request(path, "Accept-Encoding", accept) }, nil)
				})
				b.Run("case=one-GET-floor/accept="+hdr.Get("Content-Encoding"), func(b *testing.B) {
					key, fields := prefix+"v1:example.com"+path, hdr.Clone()
					if err := be.client.Get(context.Background(), key).Err(); err != nil {
						b.Fatalf("GET %s: %v", key, err)
					}
					f := gin.New()
					f.GET(path, func(c *gin.Context) {
						v, err := be.client.Get(c.Request.Context(), key).Bytes()
						if err != nil {
							c.Status(http.StatusBadGateway)
							return
						}
						w := c.Writer.Header()
						for k, vs := range fields {
							w[k] = vs
						}
						c.Status(http.StatusOK)
						_, _ = c.Writer.Write(v[:min(n, len(v))])
					})
					check(b, f, request(path), want{status: http.StatusOK, bodyN: n, xCache: "HIT from Server"})
					run(b, f, func() *http.Request { return request(path) }, nil)
				})
			}
		})
	}
}

// BenchmarkCompressedMiss is a true miss of the page on memstore with each
// set of codings: the difference from codings=none is what compression
// costs a miss, once per stored entry.
func BenchmarkCompressedMiss(b *testing.B) {
	path := pagePath("32KiB")
	for _, tc := range []struct {
		name    string
		codings []string
	}{{"none", nil}, {"gzip", []string{"gzip"}}, {"br+gzip", []string{"br", "gzip"}}, {"zstd+gzip", []string{"zstd", "gzip"}}} {
		b.Run("codings="+tc.name, func(b *testing.B) {
			var opts []gincache.Option
			if tc.codings != nil {
				opts = append(opts, gincache.WithCompression(gincache.Compression{Codings: tc.codings}))
			}
			h := compressedEngine(memstore.New(), path, compressN, opts...)
			b.Run("run=serial", func(b *testing.B) {
				b.ReportAllocs()
				w, req := newDiscardWriter(), request(path, "Accept-Encoding", browser)
				for b.Loop() {
					nextMiss(req)
					w.reset()
					h.ServeHTTP(w, req)
				}
			})
		})
	}
}

// jsonPage is a JSON array of about n bytes, as an API's list answer.
func jsonPage(n int) []byte {
	type item struct {
		ID    int      `json:"id"`
		Name  string   `json:"name"`
		Price int      `json:"price_cents"`
		Tags  []string `json:"tags"`
	}
	var items []item
	for i := 0; ; i++ {
		items = append(items, item{i, fmt.Sprintf("item %d %08x", i, uint32(i)*2654435761), i * 37 % 10000, []string{"a", strconv.Itoa(i % 7)}})
		if b, _ := json.Marshal(items); len(b) >= n {
			return b
		}
	}
}

// TestStoredBytes reports what one entry holds, compressed and not, for the
// HTML and JSON pages: the bodies of its codings, memstore's weight of it
// (what memstore bounds), and, with GINCACHE_REDIS_ADDR, Redis's MEMORY USAGE
// of its key. It fails when br and gzip together pass 35 % of identity.
func TestStoredBytes(t *testing.T) {
	pages := []struct {
		name, ct string
		body     []byte
	}{
		{"html-32KiB", "text/html; charset=utf-8", pageBytes(32 << 10)},
		{"json-32KiB", "application/json", jsonPage(32 << 10)},
	}
	for _, pg := range pages {
		for _, codings := range [][]string{nil, {"br", "gzip"}, {"br", "zstd", "gzip"}} {
			var opts []gincache.Option
			if codings != nil {
				opts = append(opts, gincache.WithCompression(gincache.Compression{Codings: codings}))
			}
			s := memstore.New()
			r := gin.New()
			body := pg.body
			r.GET("/p", gincache.New(s, opts...).Handler(policy), func(c *gin.Context) { c.Data(http.StatusOK, pg.ct, body) })
			r.ServeHTTP(newDiscardWriter(), request("/p", "Accept-Encoding", browser))
			e, err := s.Get(context.Background(), "example.com/p")
			if err != nil {
				t.Fatalf("%s: stored: %v", pg.name, err)
			}
			stored := len(e.Body)
			sizes := fmt.Sprintf("%s %d", e.Header.Get("Content-Encoding"), len(e.Body))
			for _, c := range e.Codings {
				stored += len(c.Body)
				if c.Body != nil {
					sizes += fmt.Sprintf(", %s %d", c.Name, len(c.Body))
				}
			}
			enc, _ := e.MarshalBinary()
			pct := 100 * float64(stored) / float64(len(body))
			t.Logf("%-10s codings=%-12v identity %6d B, stored bodies %6d B (%5.1f %%) [%s], encoded entry %6d B",
				pg.name, codings, len(body), stored, pct, sizes, len(enc))
			if len(codings) == 2 && pct > 35 {
				t.Errorf("%s: br and gzip = %.1f %% of identity; want at most 35 %%", pg.name, pct)
			}
		}
	}
	testRedisMemory(t, pages[0].body, pages[1].body)
}

// testRedisMemory reports Redis's MEMORY USAGE of the stored page, identity
// and compressed.
func testRedisMemory(t *testing.T, html, js []byte) {
	addr := os.Getenv(redisAddrEnv)
	if addr == "" {
		t.Logf("%s unset: no Redis MEMORY USAGE", redisAddrEnv)
		return
	}
	client := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	defer client.Close()
	base := fmt.Sprintf("gincache-bench:%d-%d:", os.Getpid(), time.Now().UnixNano())
	defer func() {
		if keys, _ := client.Keys(context.Background(), base+"*").Result(); len(keys) > 0 {
			client.Del(context.Background(), keys...)
		}
	}()
	for _, pg := range []struct {
		name, ct string
		body     []byte
	}{{"html-32KiB", "text/html", html}, {"json-32KiB", "application/json", js}} {
		var identity int64
		for _, on := range []bool{false, true} {
			prefix := fmt.Sprintf("%smem-%s-%v:", base, pg.name, on)
			var opts []gincache.Option
			if on {
				opts = append(opts, withCompression)
			}
			r := gin.New()
			body, ct := pg.body, pg.ct
			r.GET("/p", gincache.New(redisstore.New(client, redisstore.WithPrefix(prefix)), opts...).Handler(policy),
				func(c *gin.Context) { c.Data(http.StatusOK, ct, body) })
			r.ServeHTTP(newDiscardWriter(), request("/p", "Accept-Encoding", browser))
			key := prefix + "v1:example.com/p" // redisstore's key for the entry; its path tag index is beside it
			n, err := client.MemoryUsage(context.Background(), key).Result()
			if err != nil {
				t.Fatalf("MEMORY USAGE: %v", err)
			}
			if !on {
				identity = n
			}
			t.Logf("%-10s compression=%-5v Redis MEMORY USAGE %6d B (%5.1f %% of the identity entry's)", pg.name, on, n, 100*float64(n)/float64(identity))
			if on && n > identity*35/100 {
				t.Errorf("%s: compressed entry uses %d B in Redis, identity %d B; want at most 35 %%", pg.name, n, identity)
			}
		}
	}
}
