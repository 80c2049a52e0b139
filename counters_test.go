package gincache_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// TestStatsCountEveryConcurrentRequest: the counters are striped by request
// (counters.go) so that cores do not fight over one word; every event is
// still counted exactly once, whichever stripe it went to.
func TestStatsCountEveryConcurrentRequest(t *testing.T) {
	e := newEnv(t, shell, page(shellBody))
	runAll(t, e.do(http.MethodGet, "/page"), hasHeader("X-Cache", "MISS"))
	etag := etagOf(t, shellBody)
	const workers, each = 8, 500
	var wg sync.WaitGroup
	var wrong atomic.Int64 // answers other than a hit and a 304
	for range workers {
		wg.Go(func() {
			for range each {
				w := httptest.NewRecorder()
				e.r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/page", nil))
				if w.Code != http.StatusOK || w.Header().Get("X-Cache") != "HIT from Server" {
					wrong.Add(1)
				}
				w = httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodGet, "/page", nil)
				req.Header.Set("If-None-Match", etag)
				e.r.ServeHTTP(w, req)
				if w.Code != http.StatusNotModified {
					wrong.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := wrong.Load(); n != 0 {
		t.Fatalf("%d answers were not the hit or the 304 they should be", n)
	}
	s := e.cache.Stats()
	if s.Hits != workers*each || s.NotModified != workers*each || s.Misses != 1 || s.Stored != 1 {
		t.Errorf("Stats = %+v; want %d Hits, %d NotModified, 1 Miss, 1 Stored", s, workers*each, workers*each)
	}
	e.wantRuns(1)
}
