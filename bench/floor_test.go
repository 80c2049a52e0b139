package bench

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/redisstore"
)

// floorHeader is what the floor handlers send: the Content-Type, ETag and
// Cache-Control of gincache's hit for the same page, and a Content-Length.
// Values are precomputed slices assigned to the header map, the cheapest a
// plain handler can send them.
type floorHeader struct {
	contentType, etag, cacheControl, contentLength []string
}

func newFloorHeader(hit http.Header, n int) floorHeader {
	return floorHeader{
		contentType:   []string{hit.Get("Content-Type")},
		etag:          []string{hit.Get("Etag")},
		cacheControl:  []string{hit.Get("Cache-Control")},
		contentLength: []string{strconv.Itoa(n)},
	}
}

func (f floorHeader) set(h http.Header) {
	h["Content-Type"] = f.contentType
	h["Etag"] = f.etag
	h["Cache-Control"] = f.cacheControl
	h["Content-Length"] = f.contentLength
}

func (f floorHeader) want(n int) want {
	return want{status: http.StatusOK, bodyN: n, header: map[string]string{
		"Content-Type":   f.contentType[0],
		"Etag":           f.etag[0],
		"Cache-Control":  f.cacheControl[0],
		"Content-Length": f.contentLength[0],
	}}
}

// BenchmarkFloor is the least a Gin application can do to send the page:
// backend=memory writes precomputed bytes; backend=redis and
// backend=miniredis do one go-redis GET of the value gincache stored for the
// page (Entry.MarshalBinary bytes) and write what came back.
func BenchmarkFloor(b *testing.B) {
	b.Run("backend=memory", func(b *testing.B) {
		for _, sz := range sizes {
			b.Run("body="+sz.name, func(b *testing.B) {
				path := pagePath(sz.name)
				hit := prime(b, cachedEngine(memstore.New(), path, sz.n), path, sz.n)
				body := pageBytes(sz.n)
				fh := newFloorHeader(hit, len(body))
				h := gin.New()
				h.GET(path, func(c *gin.Context) {
					fh.set(c.Writer.Header())
					c.Status(http.StatusOK)
					_, _ = c.Writer.Write(body)
				})
				check(b, h, request(path), fh.want(sz.n))
				run(b, h, func() *http.Request { return request(path) }, nil)
			})
		}
	})
	// The same-response floor (issue 18): every header a gincache hit
	// sends (nine of them: Content-Type, Etag, Last-Modified,
	// X-Last-Modified, Content-Length, Cache-Control, Age, Cache-Status,
	// X-Cache), with its value, precomputed, and the body: the honest limit
	// of an in-process hit.
	b.Run("backend=same-response", func(b *testing.B) {
		for _, sz := range sizes {
			b.Run("body="+sz.name, func(b *testing.B) {
				path := pagePath(sz.name)
				hit := prime(b, cachedEngine(memstore.New(), path, sz.n), path, sz.n)
				body := pageBytes(sz.n)
				type field struct {
					k string
					v []string
				}
				var fields []field
				w := want{status: http.StatusOK, bodyN: sz.n, xCache: hit.Get("X-Cache"), header: map[string]string{}}
				for k, v := range hit {
					fields = append(fields, field{k, v})
					w.header[k] = v[0]
				}
				h := gin.New()
				h.GET(path, func(c *gin.Context) {
					hh := c.Writer.Header()
					for _, f := range fields {
						hh[f.k] = f.v
					}
					c.Status(http.StatusOK)
					_, _ = c.Writer.Write(body)
				})
				check(b, h, request(path), w)
				run(b, h, func() *http.Request { return request(path) }, nil)
			})
		}
	})
	for _, be := range backends(b) {
		b.Run("backend="+be.name, func(b *testing.B) {
			for _, sz := range sizes {
				b.Run("body="+sz.name, func(b *testing.B) {
					path := pagePath(sz.name)
					hit := prime(b, cachedEngine(redisstore.New(be.client, redisstore.WithPrefix(be.prefix)), path, sz.n), path, sz.n)
					// redisstore's key layout: prefix, "v1:", the gincache key.
					key := be.prefix + "v1:" + gincache.Key(request(path))
					stored, err := be.client.Get(b.Context(), key).Bytes()
					if err != nil {
						b.Fatalf("GET %s: %v", key, err)
					}
					fh := newFloorHeader(hit, len(stored))
					rdb := be.client
					h := gin.New()
					h.GET(path, func(c *gin.Context) {
						v, err := rdb.Get(c.Request.Context(), key).Bytes()
						if err != nil {
							c.AbortWithStatus(http.StatusInternalServerError)
							return
						}
						fh.set(c.Writer.Header())
						c.Status(http.StatusOK)
						_, _ = c.Writer.Write(v)
					})
					check(b, h, request(path), fh.want(len(stored)))
					run(b, h, func() *http.Request { return request(path) }, nil)
				})
			}
		})
	}
}
