package gincache_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

// echoBody answers with the request's body, or "plain" without one: a
// handler whose response depends on what a fat GET carries.
func echoBody(c *gin.Context) {
	b, _ := io.ReadAll(c.Request.Body)
	if len(b) == 0 {
		b = []byte("plain")
	}
	c.Header("Cache-Control", c.GetHeader("X-Want-CC"))
	c.Data(200, "text/plain", b)
}

// A GET or HEAD with content (RFC 9110 §9.3.1) is neither served from the
// store nor stored: the body is not in the key, and the handler may answer
// it differently. It still reaches the handler, and its response tells the
// caches after this one to store nothing.
func TestFatGetIsNotCached(t *testing.T) {
	for _, p := range []struct {
		name   string
		policy gincache.Policy
	}{
		{"fixed policy", gincache.Policy{Public: true, MaxAge: time.Minute, ServerTTL: time.Minute}},
		{"SharedCache", gincache.Policy{SharedCache: true, ServerTTL: time.Minute}},
	} {
		t.Run(p.name, func(t *testing.T) {
			e := newEnv(t, p.policy, echoBody)
			fat := func(body string, chunked bool) *httptest.ResponseRecorder {
				req := httptest.NewRequest(http.MethodGet, "/page", strings.NewReader(body))
				req.Header.Set("X-Want-CC", "public, max-age=60")
				if chunked {
					req.ContentLength, req.TransferEncoding = -1, []string{"chunked"}
				}
				w := httptest.NewRecorder()
				e.r.ServeHTTP(w, req)
				return w
			}
			// The attacker's body-dependent response is neither stored ...
			runAll(t, fat("evil", false), hasStatus(200), hasBody("evil"), hasHeader("Cache-Control", "no-store"),
				hasHeader("Cache-Status", "gincache; fwd=bypass; detail=request-body"))
			runAll(t, fat("evil", true), hasStatus(200), hasBody("evil"), hasHeader("Cache-Control", "no-store"))
			e.wantStored(0)
			// ... nor served to anyone else.
			runAll(t, e.do(http.MethodGet, "/page", "X-Want-CC", "public, max-age=60"), hasBody("plain"),
				hasHeader("Cache-Status", "gincache; fwd=uri-miss; stored"))
			e.wantStored(1)
			// A stored page is not served to a fat GET either: it goes to the handler.
			runAll(t, fat("evil again", false), hasBody("evil again"), hasHeader("Cache-Status", "gincache; fwd=bypass; detail=request-body"))
			runAll(t, e.do(http.MethodGet, "/page", "X-Want-CC", "public, max-age=60"), hasBody("plain"), hasHeader("X-Cache", "HIT from Server"))
			e.wantRuns(4)
		})
	}
}
