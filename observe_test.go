package gincache_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

// recorder is an Observer that remembers what it was told.
type recorder struct {
	mu     sync.Mutex
	events []string
	store  []string
}

func (r *recorder) Observe(ev gincache.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := ev.Route + " " + ev.Kind.String()
	if ev.Reason != "" {
		s += ":" + ev.Reason
	}
	if ev.Bytes > 0 {
		s += " " + strings.Repeat("#", min(ev.Bytes, 5))
	}
	r.events = append(r.events, s)
}

func (r *recorder) ObserveStore(op string, took time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	outcome := "ok"
	if err != nil {
		outcome = err.Error()
	}
	r.store = append(r.store, op+" "+outcome)
}

func TestObserver(t *testing.T) {
	rec := &recorder{}
	cache := gincache.New(memstore.New(), gincache.WithObserver(rec))
	r := gin.New()
	r.GET("/users/:id", cache.Handler(shell), page("hello"))
	r.POST("/users/:id", cache.Handler(shell), func(c *gin.Context) { c.Status(204) })
	r.GET("/cookie", cache.Handler(shell), func(c *gin.Context) { c.SetCookie("a", "b", 1, "/", "", false, false); c.String(200, "x") })
	e := &env{t: t, r: r}
	etag := e.do(http.MethodGet, "/users/42").Header().Get("ETag")
	e.do(http.MethodGet, "/users/42")
	e.do(http.MethodGet, "/users/42", "If-None-Match", etag)
	e.do(http.MethodGet, "/users/42", "Cache-Control", "no-cache")
	e.do(http.MethodPost, "/users/42")
	e.do(http.MethodGet, "/cookie")
	want := []string{
		"/users/:id miss", "/users/:id stored #####",
		"/users/:id hit",
		"/users/:id not_modified",
		"/users/:id miss", "/users/:id bypass:request", "/users/:id stored #####",
		"/users/:id bypass:method",
		"/cookie miss", "/cookie uncacheable:set-cookie",
	}
	if got := strings.Join(rec.events, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if got := strings.Join(rec.store, ","); !strings.HasPrefix(got, "get gincache: entry not found,set ok,get ok,get ok,set ok") {
		t.Errorf("store calls = %s", got)
	}
}
