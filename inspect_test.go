package gincache_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

const inspectToken = "Bearer s3cret"

func operator(c *gin.Context) bool { return c.GetHeader("Authorization") == inspectToken }

// inspectEnv is storeEnv with the inspector at /admin/inspect, guarded by
// operator, and a route at /page whose handler tags and varies.
func inspectEnv(t *testing.T, kind storeKind, authorize func(*gin.Context) bool) *storeEnv {
	e := newStoreEnv(t, kind, gincache.Policy{
		Public: true, ServerTTL: 10 * time.Minute, MaxServerTTL: time.Hour, Vary: []string{"Accept-Language"},
		IgnoreQuery: gincache.TrackingParameters,
	}, func(c *gin.Context) {
		gincache.Tag(c, "page")
		if c.Query("long") != "" {
			gincache.StoreFor(c, 30*time.Minute)
		}
		c.String(200, "hello %s", c.GetHeader("Accept-Language"))
	})
	e.r.GET("/admin/inspect", e.cache.InspectHandler(e.r, authorize))
	return e
}

func (e *storeEnv) inspect(q url.Values, hdr ...string) (*httptest.ResponseRecorder, gincache.InspectReport) {
	e.t.Helper()
	w := e.do("GET", "/admin/inspect?"+q.Encode(), hdr...)
	var rep gincache.InspectReport
	if w.Code == 200 {
		if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
			e.t.Fatalf("report %s: %v", w.Body, err)
		}
	}
	return w, rep
}

// TestInspectRefuses: the inspector is guarded exactly as PurgeHandler is.
func TestInspectRefuses(t *testing.T) {
	for _, tt := range []struct {
		name      string
		authorize func(*gin.Context) bool
		hdr       []string
	}{
		{"no authorize function", nil, []string{"Authorization", inspectToken}},
		{"wrong token", operator, []string{"Authorization", "Bearer nope"}},
		{"no token", operator, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := inspectEnv(t, onMemstore, tt.authorize)
			w, _ := e.inspect(url.Values{"url": {"/page"}}, tt.hdr...)
			runAll(t, w, hasStatus(403), hasHeader("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0"))
		})
	}
}

// TestInspect: for a URL and request headers, the key, whether an entry is
// stored, its age, lifetime, size, validators and tags, never the body
// unless asked; without running the handler or counting in Stats.
func TestInspect(t *testing.T) {
	for _, kind := range allStores {
		t.Run(kind.name, func(t *testing.T) {
			e := inspectEnv(t, kind, operator)
			auth := []string{"Authorization", inspectToken}
			_, rep := e.inspect(url.Values{"url": {"/page?utm_source=x&a=1"}, "header": {"Accept-Language: de"}}, auth...)
			if !rep.Reached || rep.Stored || rep.Route != "/page" || rep.Query != "a=1" || !rep.Lookup || !rep.Storable {
				t.Errorf("before any render: %+v; want reached, not stored, route /page, query a=1", rep)
			}
			keyDE := rep.Key

			w := e.do("GET", "/page?a=1", "Accept-Language", "de")
			e.clock.Advance(90 * time.Second)
			stats := e.cache.Stats()
			_, rep = e.inspect(url.Values{"url": {"http://example.com/page?a=1&gclid=z"}, "header": {"Accept-Language: de"}}, auth...)
			switch {
			case !rep.Stored || rep.Key != keyDE:
				t.Fatalf("after a render: %+v; want stored under %q", rep, keyDE)
			case rep.AgeSeconds != 90 || rep.LifetimeSeconds != 600 || rep.TTLSeconds != 510 || rep.LifetimeSource != "policy":
				t.Errorf("age %d, lifetime %d (%s), ttl %d; want 90, 600 (policy), 510", rep.AgeSeconds, rep.LifetimeSeconds, rep.LifetimeSource, rep.TTLSeconds)
			case rep.ETag != w.Header().Get("Etag") || rep.BodyBytes != len("hello de") || rep.EntryStatus != 200 || rep.HeaderBytes == 0:
				t.Errorf("etag %q, %d body bytes, status %d, %d header bytes; want %q, 8, 200, some", rep.ETag, rep.BodyBytes, rep.EntryStatus, rep.HeaderBytes, w.Header().Get("Etag"))
			case kind.name == "memstore" && fmt.Sprint(rep.Tags) != "[path:example.com/page page]":
				t.Errorf("tags = %v; want [path:example.com/page page] (memstore is a TagReader)", rep.Tags)
			case kind.name != "memstore" && rep.Tags != "unknown":
				t.Errorf("tags = %v; want unknown (the store cannot tell)", rep.Tags)
			case rep.Body != nil || rep.BodyBase64 != nil:
				t.Errorf("body sent unasked: %v", rep.Body)
			}
			if got := e.cache.Stats(); got != stats {
				t.Errorf("Stats changed by an inspection: %+v; want %+v", got, stats)
			}

			_, rep = e.inspect(url.Values{"url": {"/page?a=1"}, "header": {"Accept-Language: fr"}}, auth...)
			if rep.Stored || rep.Key == keyDE {
				t.Errorf("another variant: stored %v under %q; want not stored, another key", rep.Stored, rep.Key)
			}
			_, rep = e.inspect(url.Values{"url": {"/page?a=1"}, "header": {"Accept-Language: de"}, "body": {"1"}}, auth...)
			if rep.Body == nil || *rep.Body != "hello de" {
				t.Errorf("body=1: body %v; want hello de", rep.Body)
			}

			e.do("GET", "/page?long=1")
			_, rep = e.inspect(url.Values{"url": {"/page?long=1"}}, auth...)
			if rep.LifetimeSeconds != 1800 || rep.LifetimeSource != "handler" {
				t.Errorf("StoreFor entry: lifetime %d (%s); want 1800 (handler)", rep.LifetimeSeconds, rep.LifetimeSource)
			}
			e.wantRuns(2)

			w, _ = e.inspect(url.Values{"url": {"/admin/inspect"}}, auth...)
			if w.Code != 200 {
				t.Errorf("inspecting an uncached route: %d; want 200", w.Code)
			}
			_, rep = e.inspect(url.Values{"url": {"/nowhere"}}, auth...)
			if rep.Reached || rep.Status != http.StatusNotFound {
				t.Errorf("unrouted URL: %+v; want not reached, 404", rep)
			}
			w, _ = e.inspect(url.Values{}, auth...)
			runAll(t, w, hasStatus(400))
		})
	}
}
