package gincache

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Policy says how one route's responses are cached, on the client and on the
// server. It is a plain value: its fields are named after the Cache-Control
// directives they produce (RFC 9111 §5.2.2), so anyone who knows HTTP caching
// can read a route's policy. The zero Policy sends "private, max-age=0" with a
// strong ETag and answers 304 to a matching validator, and stores nothing.
//
// Handler checks a Policy when the route is registered and panics on one that
// contradicts itself, so a mistake never surfaces while serving.
type Policy struct {
	// NoStore sends "no-store": no cache downstream keeps the response.
	// With ServerTTL zero the route behaves as NoStore() does. It excludes every other client directive.
	NoStore bool
	// NoCache sends "no-cache": clients may keep the response but must
	// revalidate it on every use, which the middleware answers cheaply with
	// 304.
	NoCache bool
	// MustRevalidate sends "must-revalidate": clients reuse the response while
	// fresh and revalidate once it is stale.
	MustRevalidate bool
	// Public sends "public" and lets shared caches (CDNs, proxies, and this
	// package's store) keep the response for every user; otherwise
	// "private". A private policy is stored on the server only with a Key
	// that tells users apart.
	Public bool
	// MaxAge is sent as "max-age", in whole seconds. Zero sends
	// "max-age=0", so clients never apply a heuristic lifetime of their own.
	MaxAge time.Duration
	// SharedMaxAge is sent as "s-maxage", in whole seconds, for shared caches;
	// zero omits it. It needs Public.
	SharedMaxAge time.Duration
	// Immutable sends "immutable" (RFC 8246): clients do not revalidate while
	// fresh, even on reload. It needs a MaxAge.
	Immutable bool
	// StaleWhileRevalidate is sent as "stale-while-revalidate" (RFC 5861 §3),
	// in whole seconds; zero omits it.
	StaleWhileRevalidate time.Duration
	// StaleIfError is sent as "stale-if-error" (RFC 5861 §4), in whole
	// seconds; zero omits it.
	StaleIfError time.Duration
	// CDN is sent as CDN-Cache-Control (RFC 9213), the policy for the CDN in
	// front of the application, independent of Cache-Control: e.g. NoCache
	// for browsers and CDN.MaxAge ten minutes. The zero value sends no such
	// field, and a CDN follows Cache-Control. See CDNControl.
	CDN CDNControl

	// ServerTTL is how long the store keeps the response. Zero stores
	// nothing: the route still gets its
	// Cache-Control, ETag and 304s, which save bandwidth but not rendering.
	ServerTTL time.Duration
	// MaxServerTTL is the longest lifetime in the store a handler may give
	// its own response with StoreFor. Zero means ServerTTL: a handler may
	// shorten its response's lifetime, never lengthen it. It needs a
	// ServerTTL, and is at least as long.
	MaxServerTTL time.Duration
	// Vary lists the request headers whose values select a variant, such as
	// Accept-Language. They become part of the store key and are sent in the
	// response's Vary. A response whose own Vary names a header missing here
	// is sent but not stored, since its key could not tell the variants apart.
	Vary []string
	// KeyQuery lists the query parameters that make up the key, for a page
	// whose other parameters change nothing; every other parameter is
	// removed from the request before the key is built and the handler runs,
	// so none can split the cache or plant a response. A name ending in '*'
	// is a prefix. Parameters are put in the order of their names. Nil
	// keeps every parameter (less IgnoreQuery); an empty, non-nil list
	// keeps none. It excludes IgnoreQuery.
	KeyQuery []string
	// IgnoreQuery lists query parameters removed from the key and from the
	// request the handler sees, e.g. TrackingParameters; a name ending in
	// '*' is a prefix. The rest are put in the order of their names. Nil
	// removes nothing, and the query keeps its order (see Key).
	IgnoreQuery []string
	// Key computes the store key from the request. Nil means the default
	// key, which covers host, path and the whole query (see Key).
	Key func(*gin.Context) string
	// Version returns the current version of the requested representation
	// (a row's revision, a file's modification time), for pages that change
	// elsewhere than through this route. It runs before the store lookup,
	// and only on routes that set it: a request whose If-None-Match or
	// If-Modified-Since matches gets a 304 without a lookup or a render
	// (RFC 9110 §13.1.2, §13.1.3), and a stored entry of another version is
	// not served but rendered again, so a change shows at once. Its etag
	// (a bare one is quoted; "" for none) and modTime (whole seconds; the
	// zero time for none) become the response's validators, the same on
	// every replica. An error, or neither value, serves the request as if
	// Version were nil, counted in Stats.VersionErrors. With Vary, the etag
	// must tell the variants apart. Nil: no version. It needs a fixed
	// policy: a SharedCache response carries its own validators.
	Version func(*gin.Context) (etag string, modTime time.Time, err error)
	// Tags are attached to every entry the route stores, so that
	// (*Cache).PurgeTags can drop them together; a handler adds its own with
	// Tag. Every entry also carries a tag for its path, used by PurgeURL
	// and by the invalidation after an unsafe request.
	Tags []string
	// IgnoreRequestNoCache keeps serving the stored response to a client
	// that asks for a fresh one (a hard reload's "Cache-Control: no-cache"), to
	// protect an expensive route. The zero value honours the client
	// (RFC 9111 §5.2.1.4).
	IgnoreRequestNoCache bool

	// SharedCache makes the route a shared cache in the sense of RFC 9111,
	// as Varnish or nginx are, for handlers that know better than a fixed
	// policy (an API whose freshness depends on its data) and for gateways
	// in front of other services (an httputil.ReverseProxy as the handler).
	// Whether and how long a response is stored comes from the response
	// itself: s-maxage, then max-age, then Expires minus Date, less the Age
	// it arrived with; no-store and private keep it out of the store,
	// no-cache stores it for revalidation only, and Vary selects variants.
	// A stale response with a validator is revalidated with a conditional
	// request, and a 304 from the handler refreshes it. The response's
	// Cache-Control, ETag, Last-Modified and Date reach the client as the
	// handler sent them: nothing is generated.
	//
	// ServerTTL is then the longest a response is kept, fresh or stale
	// (a stale one with a validator stays to be revalidated cheaply); it
	// must be set. The client directives (NoStore … StaleIfError) and Vary
	// must be zero: the response says them. See the README's "Shared-cache
	// mode" for the rules followed and where gincache departs from RFC 9111.
	SharedCache bool
	// HeuristicFreshness lets a SharedCache route give a response without an
	// explicit lifetime a heuristic one (RFC 9111 §4.2.2): this fraction of
	// the time since its Last-Modified, e.g. 0.1. It applies only to the
	// statuses RFC 9110 §15.1 calls heuristically cacheable, or to a
	// response marked public. Zero, the default, stores no such response.
	HeuristicFreshness float64
	// ForwardCDNCacheControl sends the upstream's CDN-Cache-Control on to
	// clients, for a CDN in front of this cache. A SharedCache route decides
	// by CDN-Cache-Control, when the response has a valid one, instead of
	// its Cache-Control and Expires (RFC 9213: the policy an origin gives
	// the edge); Cache-Control always reaches the client untouched. The zero
	// value takes CDN-Cache-Control off what clients receive, since this
	// cache is the edge it was meant for.
	ForwardCDNCacheControl bool
}

// CacheControl returns the Cache-Control value the policy sends.
// A SharedCache policy sends none of its own: it returns "".
func (p Policy) CacheControl() string {
	if p.SharedCache {
		return ""
	}
	if p.NoStore {
		return "no-store"
	}
	d := make([]string, 0, 8)
	if p.Public {
		d = append(d, "public")
	} else {
		d = append(d, "private")
	}
	if p.NoCache {
		d = append(d, "no-cache")
	}
	if p.MustRevalidate {
		d = append(d, "must-revalidate")
	}
	d = append(d, "max-age="+seconds(p.MaxAge))
	if p.SharedMaxAge > 0 {
		d = append(d, "s-maxage="+seconds(p.SharedMaxAge))
	}
	if p.Immutable {
		d = append(d, "immutable")
	}
	if p.StaleWhileRevalidate > 0 {
		d = append(d, "stale-while-revalidate="+seconds(p.StaleWhileRevalidate))
	}
	if p.StaleIfError > 0 {
		d = append(d, "stale-if-error="+seconds(p.StaleIfError))
	}
	return strings.Join(d, ", ")
}

func seconds(d time.Duration) string {
	return strconv.FormatInt(int64(d/time.Second), 10)
}

// Validate reports why a policy contradicts itself, or nil. Handler panics
// with the same message; applications can call it in their own tests.
func (p Policy) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("gincache: "+format, args...))
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{
		{"MaxAge", p.MaxAge}, {"SharedMaxAge", p.SharedMaxAge},
		{"StaleWhileRevalidate", p.StaleWhileRevalidate}, {"StaleIfError", p.StaleIfError},
	} {
		name, d := f.name, f.d
		switch {
		case d < 0:
			bad("%s is negative (%v)", name, d)
		case d%time.Second != 0:
			bad("%s must be whole seconds, as Cache-Control counts them (got %v)", name, d)
		}
	}
	if p.ServerTTL < 0 {
		bad("ServerTTL is negative (%v)", p.ServerTTL)
	}
	switch {
	case p.MaxServerTTL < 0:
		bad("MaxServerTTL is negative (%v)", p.MaxServerTTL)
	case p.MaxServerTTL > 0 && p.SharedCache:
		bad("MaxServerTTL is for fixed policies: a SharedCache response's own Cache-Control says its lifetime")
	case p.MaxServerTTL > 0 && p.ServerTTL == 0:
		bad("MaxServerTTL needs a ServerTTL: a route that stores nothing has no lifetime to lengthen")
	case p.MaxServerTTL > 0 && p.MaxServerTTL < p.ServerTTL:
		bad("MaxServerTTL (%v) is shorter than ServerTTL (%v): a handler may always shorten its lifetime, "+
			"and MaxServerTTL bounds how far it may lengthen it", p.MaxServerTTL, p.ServerTTL)
	}
	if p.NoStore && (p.NoCache || p.MustRevalidate || p.Public || p.MaxAge > 0 || p.SharedMaxAge > 0 ||
		p.Immutable || p.StaleWhileRevalidate > 0 || p.StaleIfError > 0) {
		bad("NoStore excludes every other client directive (NoCache, MustRevalidate, Public, MaxAge, SharedMaxAge, Immutable, Stale*)")
	}
	if p.Immutable && p.MaxAge == 0 {
		bad("Immutable needs a MaxAge: it promises the response does not change while fresh")
	}
	if p.SharedMaxAge > 0 && !p.Public {
		bad("SharedMaxAge is for shared caches and needs Public")
	}
	switch {
	case p.ServerTTL > 0 && p.NoStore && p.Key == nil:
		bad("a NoStore policy stored on the server needs a Key: it cannot be Public, so nothing says " +
			"the page is the same for everyone (use a Key that returns gincache.Key(c.Request) if it is)")
	case p.ServerTTL > 0 && !p.Public && p.Key == nil && !p.SharedCache:
		bad("a private policy stored on the server needs a Key that tells users apart; " +
			"otherwise one user's page is served to another (set Public if the page is the same for everyone)")
	}
	switch {
	case p.SharedCache && (p.NoStore || p.NoCache || p.MustRevalidate || p.Public || p.MaxAge > 0 ||
		p.SharedMaxAge > 0 || p.Immutable || p.StaleWhileRevalidate > 0 || p.StaleIfError > 0 || len(p.Vary) > 0):
		bad("SharedCache takes Cache-Control and Vary from the response: leave NoStore, NoCache, MustRevalidate, " +
			"Public, MaxAge, SharedMaxAge, Immutable, Stale* and Vary zero")
	case p.SharedCache && p.ServerTTL == 0:
		bad("SharedCache needs a ServerTTL: the longest a response is kept, fresh or stale")
	case !p.SharedCache && p.HeuristicFreshness != 0:
		bad("HeuristicFreshness applies only to a SharedCache policy")
	case !p.SharedCache && p.ForwardCDNCacheControl:
		bad("ForwardCDNCacheControl applies only to a SharedCache policy")
	case p.HeuristicFreshness < 0 || p.HeuristicFreshness > 1 || p.HeuristicFreshness != p.HeuristicFreshness:
		bad("HeuristicFreshness must be a fraction between 0 and 1 (got %v)", p.HeuristicFreshness)
	}
	switch {
	case p.KeyQuery != nil && p.IgnoreQuery != nil:
		bad("KeyQuery and IgnoreQuery exclude each other: KeyQuery already removes every parameter it does not list")
	case (p.KeyQuery != nil || p.IgnoreQuery != nil) && p.SharedCache:
		bad("KeyQuery and IgnoreQuery are for fixed policies")
	}
	for _, list := range [...]struct {
		name  string
		names []string
	}{{"KeyQuery", p.KeyQuery}, {"IgnoreQuery", p.IgnoreQuery}} {
		for _, n := range list.names {
			if base := strings.TrimSuffix(n, "*"); base == "" && n != "*" || strings.Contains(base, "*") || n == "" {
				bad("%s holds %q: a parameter name, or a prefix ending in '*'", list.name, n)
			}
		}
	}
	if p.Version != nil && p.SharedCache {
		bad("Version is for fixed policies: a SharedCache route's handler sends its own validators")
	}
	p.CDN.validate(p, bad)
	for _, t := range p.Tags {
		if t == "" {
			bad("Tags holds an empty tag")
		}
	}
	for _, v := range p.Vary {
		switch {
		case v == "*":
			bad(`Vary "*" can never match a stored response; use ServerTTL 0 instead`)
		case !validToken(v):
			bad("Vary %q is not a header name", v)
		}
	}
	return errors.Join(errs...)
}

// validToken reports whether s is an RFC 9110 §5.6.2 token, as header names are.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// canonicalVary returns the policy's Vary names in canonical form, without
// duplicates, in the order given.
func canonicalVary(names []string) []string {
	var out []string
	for _, n := range names {
		n = http.CanonicalHeaderKey(n)
		if !containsFold(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
