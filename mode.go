package gincache

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// mode is what a fixed-policy route and a SharedCache route decide
// differently. Everything else — the order of the decision tree (handle),
// coalescing (flight.go), the render (render.go), the replay (replay.go) and
// the background refresh (refresh.go) — is one code path for both.
//
// fixedMode (fixed.go) caches by the route's Policy: the policy says how long
// an entry lives and what Cache-Control goes out. sharedMode (shared.go) is
// an RFC 9111 shared cache: the response says both.
//
// A pointer passed through an interface call escapes to the heap, so the
// methods take the request's plan by value, except plan and serveStored:
// every request reaches those, and handle calls them on the concrete mode
// (route.plan, route.serveStored), where the plan stays on the stack
// without being copied from call to call.
type mode interface {
	// plan reads the request into p: whether it may be stored, and why
	// not, and whether it may be looked up (RFC 9111 §3, §5.2.1).
	plan(gc *gin.Context, rd *requestDirectives, p *plan) (lookup bool)
	// lookup returns the stored response for the request under key, and
	// the Vary index it was found under, if any (RFC 9111 §4.1).
	lookup(gc *gin.Context, key string) (e, index *Entry, err error)
	// serveStored answers from e when the request may have it (fresh, or
	// stale within stale-while-revalidate), or says what the render should
	// fall back on or validate (RFC 9111 §4.2, §4.3; RFC 5861).
	serveStored(gc *gin.Context, e *Entry, p *plan) verdict
	// lifetime is how long e is fresh (RFC 9111 §4.2.1).
	lifetime(e *Entry) time.Duration
	// waited decides what a request that waited on another request's
	// render gets: serve to replay (nil: render), or for a SharedCache
	// route an entry to revalidate instead of rendering in full.
	waited(gc *gin.Context, e *Entry, p plan) (serve, revalidate *Entry)
	// collapsible reports whether a request that waited for another
	// replica's render may be answered with e.
	collapsible(gc *gin.Context, e *Entry, p plan) bool
	// forward prepares the request the handler sees. It returns the
	// client's request when it replaced it, for the caller to put back.
	forward(gc *gin.Context, p plan) (client *http.Request, sent time.Time)
	// settle makes a rendered response what is stored and sent:
	// validators, headers, the store (RFC 9111 §3), or the update of the
	// revalidated entry by a 304 (§4.3.4). The request path and the
	// background refresh both call it.
	settle(x rendered) settled
	// cacheControl sets the Cache-Control of a rendered response.
	cacheControl(h, snap http.Header, status int)
}

// plan is mode.plan, called on the concrete mode so that rd and p do not
// escape (see mode). Handler makes a SharedCache route's mode sharedMode.
func (rt *route) plan(gc *gin.Context, rd *requestDirectives, p *plan) bool {
	if rt.p.SharedCache {
		return sharedMode{rt}.plan(gc, rd, p)
	}
	return fixedMode{rt}.plan(gc, rd, p)
}

// serveStored is mode.serveStored, called on the concrete mode (see plan).
func (rt *route) serveStored(gc *gin.Context, e *Entry, p *plan) verdict {
	if rt.p.SharedCache {
		return sharedMode{rt}.serveStored(gc, e, p)
	}
	return fixedMode{rt}.serveStored(gc, e, p)
}
