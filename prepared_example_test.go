package gincache_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// A Store that keeps responses in a format of its own builds each Entry it
// returns, and prepares it once Header is final, so its hits replay as fast
// as the middleware's own entries do. Here the built entry is put in a
// memstore directly, standing for such a store's Get.
func ExampleEntry_Prepare() {
	store := memstore.New()
	e := &gincache.Entry{
		Status:   http.StatusOK,
		Header:   http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "Etag": {`"v1"`}},
		Body:     []byte("built by the store\n"),
		ETag:     `"v1"`,
		StoredAt: time.Now(),
	}
	e.Prepare()
	req := httptest.NewRequest(http.MethodGet, "http://example.com/page", nil)
	_ = store.Set(context.Background(), gincache.Key(req), e, time.Minute)

	r := gin.New()
	r.GET("/page", gincache.New(store).Handler(gincache.Policy{Public: true, ServerTTL: time.Minute}),
		func(c *gin.Context) { c.String(http.StatusOK, "rendered\n") })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	fmt.Print(w.Header().Get("X-Cache"), ": ", w.Body.String())
	// Output:
	// HIT from Server: built by the store
}
