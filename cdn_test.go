package gincache_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// The targeted field's value, RFC 9213 §2.1: a Dictionary of the directives.
func TestCDNCacheControlValue(t *testing.T) {
	tests := []struct {
		name       string
		cdn        gincache.CDNControl
		field, val string
	}{
		{"zero sends nothing", gincache.CDNControl{}, "", ""},
		{"max-age", gincache.CDNControl{MaxAge: 10 * time.Minute}, "Cdn-Cache-Control", "max-age=600"},
		{"stale directives", gincache.CDNControl{MaxAge: time.Minute, StaleWhileRevalidate: 30 * time.Second, StaleIfError: time.Hour},
			"Cdn-Cache-Control", "max-age=60, stale-while-revalidate=30, stale-if-error=3600"},
		{"stale without max-age", gincache.CDNControl{StaleIfError: time.Hour}, "Cdn-Cache-Control", "max-age=0, stale-if-error=3600"},
		{"no-store", gincache.CDNControl{NoStore: true}, "Cdn-Cache-Control", "no-store"},
		{"private", gincache.CDNControl{Private: true}, "Cdn-Cache-Control", "private"},
		{"vendor field", gincache.CDNControl{MaxAge: time.Hour, FieldName: "cloudflare-cdn-cache-control"}, "Cloudflare-Cdn-Cache-Control", "max-age=3600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := gincache.Policy{Public: true, CDN: tt.cdn}
			if err := p.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			field, val := p.CDNCacheControl()
			if field != tt.field || val != tt.val {
				t.Errorf("CDNCacheControl() = %q, %q; want %q, %q", field, val, tt.field, tt.val)
			}
		})
	}
}

// A CDN policy that contradicts itself panics at registration, never while
// serving.
func TestCDNControlValidate(t *testing.T) {
	tests := []struct {
		name string
		p    gincache.Policy
		want string // part of the error
	}{
		{"negative", gincache.Policy{CDN: gincache.CDNControl{MaxAge: -time.Second}}, "CDN.MaxAge is negative"},
		{"fractional", gincache.Policy{CDN: gincache.CDNControl{StaleIfError: 1500 * time.Millisecond}}, "CDN.StaleIfError must be whole seconds"},
		{"no-store with max-age", gincache.Policy{CDN: gincache.CDNControl{NoStore: true, MaxAge: time.Minute}}, "CDN.NoStore excludes"},
		{"no-store with private", gincache.Policy{CDN: gincache.CDNControl{NoStore: true, Private: true}}, "CDN.NoStore excludes"},
		{"private with swr", gincache.Policy{CDN: gincache.CDNControl{Private: true, StaleWhileRevalidate: time.Minute}}, "CDN.Private excludes"},
		{"name alone", gincache.Policy{CDN: gincache.CDNControl{FieldName: "Fastly-CDN-Cache-Control"}}, "without a directive"},
		{"name not targeted", gincache.Policy{CDN: gincache.CDNControl{MaxAge: time.Minute, FieldName: "Surrogate-Control"}}, "not a targeted cache-control field name"},
		{"name not a token", gincache.Policy{CDN: gincache.CDNControl{MaxAge: time.Minute, FieldName: "Bad Name-CDN-Cache-Control"}}, "not a targeted cache-control field name"},
		{"name with CRLF", gincache.Policy{CDN: gincache.CDNControl{MaxAge: time.Minute, FieldName: "X\r\nSet-Cookie: a=b\r\nCDN-Cache-Control"}}, "not a targeted cache-control field name"},
		{"shared cache", gincache.Policy{SharedCache: true, ServerTTL: time.Minute, CDN: gincache.CDNControl{MaxAge: time.Minute}}, "CDN is for fixed policies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v; want an error containing %q", err, tt.want)
			}
			defer func() {
				if v := recover(); v == nil || !strings.Contains(v.(string), tt.want) {
					t.Errorf("Handler panicked with %v; want %q", v, tt.want)
				}
			}()
			gincache.New(memstore.New()).Handler(tt.p)
		})
	}
}

// The targeted field goes out beside Cache-Control on the miss, the hit and
// both kinds of 304, and is independent of it (RFC 9213 §2, §2.1): browsers
// revalidate every time, the CDN keeps the page ten minutes.
func TestCDNCacheControlSent(t *testing.T) {
	p := gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Minute, CDN: gincache.CDNControl{MaxAge: 10 * time.Minute}}
	e := newEnv(t, p, page("hello"))
	const cc, cdn = "public, no-cache, max-age=0", "max-age=600"

	miss := e.do(http.MethodGet, "/page")
	runAll(t, miss, hasStatus(200), hasHeader("Cache-Control", cc), hasHeader("CDN-Cache-Control", cdn), hasHeader("X-Cache", "MISS"))
	if _, ok := e.stored("/page").Header["Cdn-Cache-Control"]; ok {
		t.Errorf("the policy's CDN-Cache-Control was stored; want it computed once and set on replay")
	}
	hit := e.do(http.MethodGet, "/page")
	runAll(t, hit, hasStatus(200), hasHeader("Cache-Control", cc), hasHeader("CDN-Cache-Control", cdn), hasHeader("X-Cache", "HIT from Server"), hasBody("hello"))
	notMod := e.do(http.MethodGet, "/page", "If-None-Match", miss.Header().Get("ETag"))
	runAll(t, notMod, hasStatus(304), hasHeader("Cache-Control", cc), hasHeader("CDN-Cache-Control", cdn))
	e.wantRuns(1)
}

func TestCDNCacheControlVendorAndVersion(t *testing.T) {
	p := gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute,
		CDN:     gincache.CDNControl{MaxAge: time.Hour, StaleIfError: time.Hour, FieldName: "Cloudflare-CDN-Cache-Control"},
		Version: func(*gin.Context) (string, time.Time, error) { return "v7", time.Time{}, nil }}
	e := newEnv(t, p, page("hello"))
	checks := []check{hasHeader("Cloudflare-CDN-Cache-Control", "max-age=3600, stale-if-error=3600"), noHeader("CDN-Cache-Control")}
	runAll(t, e.do(http.MethodGet, "/page"), append(checks, hasStatus(200))...)
	// Policy.Version's 304, before any lookup (RFC 9110 §15.4.5: what the 200 would send).
	runAll(t, e.do(http.MethodGet, "/page", "If-None-Match", `"v7"`), append(checks, hasStatus(304), hasHeader("X-Cache", "HIT from Client"))...)
}

// Only the statuses that get the policy's Cache-Control get its targeted
// field; a handler's own is kept, stored and replayed as it set it.
func TestCDNCacheControlHandlerAndStatuses(t *testing.T) {
	p := gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute, CDN: gincache.CDNControl{MaxAge: time.Hour}}
	t.Run("error status", func(t *testing.T) {
		e := newEnv(t, p, func(c *gin.Context) { c.String(http.StatusInternalServerError, "down") })
		runAll(t, e.do(http.MethodGet, "/page"), hasStatus(500), noHeader("CDN-Cache-Control"))
	})
	t.Run("handler's own", func(t *testing.T) {
		e := newEnv(t, p, func(c *gin.Context) {
			c.Header("CDN-Cache-Control", "max-age=5")
			c.String(http.StatusOK, "own")
		})
		runAll(t, e.do(http.MethodGet, "/page"), hasHeader("CDN-Cache-Control", "max-age=5"))
		hit := e.do(http.MethodGet, "/page")
		runAll(t, hit, hasHeader("X-Cache", "HIT from Server"), hasHeader("CDN-Cache-Control", "max-age=5"))
		runAll(t, e.do(http.MethodGet, "/page", "If-None-Match", hit.Header().Get("ETag")), hasStatus(304), hasHeader("CDN-Cache-Control", "max-age=5"))
		e.wantRuns(1)
	})
	t.Run("browsers no-store, CDN an hour", func(t *testing.T) {
		q := gincache.Policy{NoStore: true, CDN: gincache.CDNControl{MaxAge: time.Hour}}
		e := newEnv(t, q, page("x"))
		runAll(t, e.do(http.MethodGet, "/page"), hasStatus(200), hasHeader("Cache-Control", "no-store"), hasHeader("CDN-Cache-Control", "max-age=3600"))
		e.wantStored(0)
	})
}

// A client cannot change the targeted field: it is a response field, and
// one in the request is not read (RFC 9213 §2.1 gives requests none).
func TestCDNCacheControlHostileRequest(t *testing.T) {
	p := gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute, CDN: gincache.CDNControl{MaxAge: time.Hour}}
	e := newEnv(t, p, page("hello"))
	for _, hdr := range [][]string{
		{"CDN-Cache-Control", "no-store"},
		{"CDN-Cache-Control", "max-age=0"},
		{"Cloudflare-CDN-Cache-Control", "private"},
	} {
		runAll(t, e.do(http.MethodGet, "/page", hdr...), hasStatus(200), hasHeader("CDN-Cache-Control", "max-age=3600"), noHeader("Cloudflare-CDN-Cache-Control"))
	}
	e.wantRuns(1) // the first rendered, the others were hits
}

// Audit shows a route's targeted field beside its Cache-Control.
func TestCDNCacheControlAudit(t *testing.T) {
	c := gincache.New(memstore.New())
	r := gin.New()
	r.GET("/cdn", c.Handler(gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Minute, CDN: gincache.CDNControl{MaxAge: 10 * time.Minute}}), page("x"))
	report, err := gincache.Audit(r)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := report.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if want := "public, no-cache, max-age=0 (Cdn-Cache-Control: max-age=600)"; !strings.Contains(b.String(), want) {
		t.Errorf("Audit table:\n%s\nwant it to show %q", b.String(), want)
	}
}
