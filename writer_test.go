package gincache_test

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

// TestWriterMatchesGin: what a handler observes through c.Writer is the same
// with the cache in front of it as without.
func TestWriterMatchesGin(t *testing.T) {
	type seen struct {
		status, size int
		written      bool
	}
	handlers := []struct {
		name string
		h    func(*gin.Context, *[]seen)
	}{
		{"nothing written", func(c *gin.Context, s *[]seen) {}},
		{"status then body", func(c *gin.Context, s *[]seen) {
			c.Status(201)
			*s = append(*s, seen{c.Writer.Status(), c.Writer.Size(), c.Writer.Written()})
			c.Writer.WriteString("abc")
		}},
		{"body then status change is ignored", func(c *gin.Context, s *[]seen) {
			c.Writer.WriteString("abc")
			c.Status(500)
			*s = append(*s, seen{c.Writer.Status(), c.Writer.Size(), c.Writer.Written()})
		}},
		{"WriteHeaderNow fixes the status", func(c *gin.Context, s *[]seen) {
			c.Status(202)
			c.Writer.WriteHeaderNow()
			c.Status(500)
			*s = append(*s, seen{c.Writer.Status(), c.Writer.Size(), c.Writer.Written()})
		}},
	}
	for _, tt := range handlers {
		t.Run(tt.name, func(t *testing.T) {
			var plain, cached []seen
			run := func(mw []gin.HandlerFunc, s *[]seen) *httptest.ResponseRecorder {
				r := gin.New()
				chain := append(mw, func(c *gin.Context) {
					*s = append(*s, seen{c.Writer.Status(), c.Writer.Size(), c.Writer.Written()})
					tt.h(c, s)
					*s = append(*s, seen{c.Writer.Status(), c.Writer.Size(), c.Writer.Written()})
				})
				r.GET("/", chain...)
				w := httptest.NewRecorder()
				r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
				return w
			}
			wp := run(nil, &plain)
			wc := run([]gin.HandlerFunc{newEnv(t, shell, nil).cache.Handler(gincache.Policy{Public: true, ServerTTL: time.Minute})}, &cached)
			if wp.Code != wc.Code || wp.Body.String() != wc.Body.String() {
				t.Errorf("with cache: %d %q; without: %d %q", wc.Code, wc.Body, wp.Code, wp.Body)
			}
			if len(plain) != len(cached) {
				t.Fatalf("observations: %v with cache, %v without", cached, plain)
			}
			for i := range plain {
				if plain[i] != cached[i] {
					t.Errorf("observation %d: %+v with cache; want %+v as without", i, cached[i], plain[i])
				}
			}
		})
	}
}

// TestResponseControllerReachesWriter: http.NewResponseController finds
// Flush through the buffered writer, and the response then streams (a stream is not stored).
func TestResponseControllerReachesWriter(t *testing.T) {
	e := newEnv(t, shell, func(c *gin.Context) {
		c.Writer.WriteString("a")
		if err := http.NewResponseController(c.Writer).Flush(); err != nil {
			t.Errorf("Flush through ResponseController: %v", err)
		}
		if err := http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(time.Minute)); err == nil {
			t.Errorf("SetWriteDeadline on a recorder: got nil; want ErrNotSupported from the unwrapped writer")
		}
		c.Writer.WriteString("b")
	})
	runAll(t, e.do(http.MethodGet, "/page"), hasBody("ab"), hasHeader("Cache-Status", "gincache; fwd=uri-miss; detail=streamed"))
	e.wantStored(0)
}

// TestHijack: a handler that takes over the connection stores nothing and
// gets nothing written after it (a stream is not stored).
func TestHijack(t *testing.T) {
	e := newEnv(t, shell, nil)
	r := gin.New()
	r.GET("/ws", e.cache.Handler(shell), func(c *gin.Context) {
		conn, buf, err := c.Writer.Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
		buf.Flush()
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the hijacked response: %v", err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Status") != "" {
		t.Errorf("got %d with Cache-Status %q; want the handler's raw 200 and nothing of ours", resp.StatusCode, resp.Header.Get("Cache-Status"))
	}
	e.wantStored(0)
}

// TestConcurrentRequests runs many requests at once over a real server, for
// the race detector: every one gets the whole page.
func TestConcurrentRequests(t *testing.T) {
	e := newEnv(t, shell, page(shellBody))
	srv := httptest.NewServer(e.r)
	defer srv.Close()
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/page", nil)
				if (i+j)%3 == 0 {
					req.Header.Set("Cache-Control", "no-cache")
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				buf := make([]byte, len(shellBody)+1)
				n, _ := resp.Body.Read(buf)
				for n < len(buf) {
					m, err := resp.Body.Read(buf[n:])
					n += m
					if err != nil {
						break
					}
				}
				resp.Body.Close()
				if resp.StatusCode != 200 || string(buf[:n]) != shellBody {
					t.Errorf("got %d %q; want 200 %q", resp.StatusCode, buf[:n], shellBody)
					return
				}
			}
		}()
	}
	wg.Wait()
	s := e.cache.Stats()
	noCache := uint64(0)
	for i := range 32 {
		for j := range 20 {
			if (i+j)%3 == 0 {
				noCache++
			}
		}
	}
	// A no-cache request is never a hit: it renders, or shares a render
	// started after it came (collapsed).
	if s.Hits+s.Misses+s.Collapsed != 32*20 || s.Hits > 32*20-noCache || s.Misses == 0 {
		t.Errorf("stats %+v: hits+misses+collapsed = %d; want 640, with at most %d hits (the requests without no-cache)",
			s, s.Hits+s.Misses+s.Collapsed, 32*20-noCache)
	}
}
