package gincache

import (
	"maps"
	"reflect"
	"runtime"
	"sync"

	"github.com/gin-gonic/gin"
)

// Default returns middleware that gives every route of the engine or group
// it is installed on a policy, so nobody has to remember one per route (a
// route that forgets its caching is the usual source of stale pages):
// typically Policy{NoStore: true} for an API, or a short revalidating policy
// for pages.
//
//	api := r.Group("/api", cache.Default(gincache.Policy{NoStore: true}))
//	api.GET("/items", listItems)                                    // no-store
//	api.GET("/catalog", cache.Handler(catalogPolicy), listCatalog)  // its own policy wins
//
// A route's own policy overrides the default cleanly: when the route's chain
// holds a Handler, NoStore or SelfCaching, every Default in it steps aside, and of several
// Defaults (an engine's and a group's) only the innermost applies — no double
// buffering, one Cache-Control, one Cache-Status.
//
// As with any gin middleware, a Default applies to the routes registered
// after it is installed (engine.Use, group.Use, or a group created with it);
// a route registered before keeps the chain it had. Audit lists which routes
// have a policy and where it comes from.
func (c *Cache) Default(p Policy) gin.HandlerFunc {
	d := &defaultRoute{c: c, p: p, inner: c.Handler(p)}
	return d.serve
}

// defaultRoute is one Default. Its middleware is a method value, so gin
// reports the same name for every Default (chainOf and Audit rely on that).
type defaultRoute struct {
	c     *Cache
	p     Policy
	inner gin.HandlerFunc
}

func (d *defaultRoute) serve(gc *gin.Context) {
	if describing(gc, description{policy: d.p, isDefault: true}) {
		return
	}
	ch := d.c.chainOf(gc)
	switch {
	case ch.explicit:
		gc.Next()
	case ch.defaults == 1:
		d.inner(gc)
	default:
		// Several Defaults: each outer one counts itself and steps aside.
		v, _ := gc.Get(defaultDepthKey{})
		depth, _ := v.(int)
		if depth+1 < ch.defaults {
			gc.Set(defaultDepthKey{}, depth+1)
			gc.Next()
			return
		}
		d.inner(gc)
	}
}

// defaultDepthKey counts the Defaults a request has passed on a route with
// more than one.
type defaultDepthKey struct{}

// chain is what a route's handler chain holds of gincache.
type chain struct {
	defaults int  // Default middlewares
	explicit bool // a Handler or NoStore
}

// chainOf analyses gc's handler chain, once per route: a route's chain does
// not change once it is registered. The answers live in a copy-on-write map,
// so a lookup takes no lock and allocates nothing.
//
// A route is named by its handler chain itself, not by its method and
// pattern: two engines sharing one Cache may register the same pattern with
// different chains, and one's explicit Handler must not make the other's
// Default step aside.
func (c *Cache) chainOf(gc *gin.Context) chain {
	k := chainKeyOf(gc)
	if m := c.chains.Load(); m != nil {
		if ch, ok := (*m)[k]; ok {
			return ch
		}
	}
	var ch chain
	for _, n := range gc.HandlerNames() {
		switch handlerKind(n) {
		case kindDefault:
			ch.defaults++
		case kindRoute, kindNoStore, kindSelf:
			ch.explicit = true
		}
	}
	c.chainsMu.Lock()
	defer c.chainsMu.Unlock()
	next := make(map[chainKey]chain)
	if m := c.chains.Load(); m != nil {
		maps.Copy(next, *m)
	}
	next[k] = ch
	c.chains.Store(&next)
	return ch
}

// chainKey names a route: where its handler chain lives. gin builds one
// chain slice per registered route (and keeps it for the engine's life), so
// its address tells routes of different engines apart. When gin's layout is
// not the one handlersField knows, the method and pattern name it instead.
type chainKey struct {
	chain        uintptr
	method, path string
}

// handlersField is the index of gin.Context's handler chain, found once.
var handlersField = sync.OnceValue(func() int {
	f, ok := reflect.TypeFor[gin.Context]().FieldByName("handlers")
	if !ok || f.Type != reflect.TypeFor[gin.HandlersChain]() || len(f.Index) != 1 {
		return -1
	}
	return f.Index[0]
})

func chainKeyOf(gc *gin.Context) chainKey {
	if i := handlersField(); i >= 0 {
		// Pointer reads the slice's data address; it never dereferences it.
		return chainKey{chain: reflect.ValueOf(gc).Elem().Field(i).Pointer()}
	}
	return chainKey{method: gc.Request.Method, path: gc.FullPath()}
}

type kind int

const (
	kindNone kind = iota
	kindRoute
	kindNoStore
	kindDefault
	kindSelf
)

// handlerNames are the function names gin reports for gincache's
// middleware, found from the functions themselves so a rename cannot drift.
var (
	handlerNamesOnce sync.Once
	handlerNames     map[string]kind
)

func handlerKind(name string) kind {
	handlerNamesOnce.Do(func() {
		handlerNames = map[string]kind{
			funcName((&route{}).handle):       kindRoute,
			funcName(noStore):                 kindNoStore,
			funcName((&defaultRoute{}).serve): kindDefault,
			funcName((&selfCaching{}).serve):  kindSelf,
		}
	})
	return handlerNames[name]
}

// funcName names a function as gin's HandlerNames does.
func funcName(f any) string {
	return runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
}
