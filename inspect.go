package gincache

import (
	"context"
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// TagReader is implemented by stores that can tell which tags an entry was
// stored with, for the inspector (InspectHandler). It is optional: without
// it the inspector says the tags are unknown.
type TagReader interface {
	// EntryTags returns the tags the entry under key was stored with, or
	// ErrNotFound.
	EntryTags(ctx context.Context, key string) ([]string, error)
}

// inspections counts the inspections under way, of every Cache: a route
// of any Cache answers one (its key, its store).
var inspections atomic.Int32

// inspectKey marks, in its context, the synthetic request with which the
// inspector asks a route how it would key a URL.
type inspectKey struct{}

// inspection is what a route says of a request to the inspector, without
// looking anything up or running its handler.
type inspection struct {
	reached bool
	route   string // the route's pattern
	key     string
	lookup  bool   // the request may be served from the store
	store   bool   // its response may be stored
	detail  string // why not, when not
	query   string // the query the key and the handler see
	rt      *route
}

// inspected answers the inspector's synthetic request, if gc is one. It
// runs only while an inspection is under way (inspections), so other
// requests pay one atomic load.
func (rt *route) inspected(gc *gin.Context) bool {
	in, ok := gc.Request.Context().Value(inspectKey{}).(*inspection)
	if !ok {
		return false
	}
	if rt.query != nil {
		rt.filterQuery(gc)
	}
	rd := parseRequestDirectives(gc.Request.Header)
	var p plan
	lookup := rt.plan(gc, &rd, &p)
	key, kb := rt.key(gc)
	in.key = strings.Clone(key)
	if kb != nil {
		kb.release()
	}
	in.reached, in.route, in.rt = true, gc.FullPath(), rt
	in.lookup, in.store, in.detail, in.query = lookup, p.store, p.detail, gc.Request.URL.RawQuery
	gc.AbortWithStatus(http.StatusNoContent)
	return true
}

// InspectReport is what the inspector (InspectHandler) says of a URL, as
// JSON. Times are in whole seconds; fields about the entry are zero when
// nothing is stored.
type InspectReport struct {
	URL      string `json:"url"`
	Reached  bool   `json:"reached"`          // a cached route answered the synthetic request
	Status   int    `json:"status,omitempty"` // what the engine answered when no cached route did
	Route    string `json:"route,omitempty"`
	Key      string `json:"key,omitempty"`
	Query    string `json:"query,omitempty"`  // the query the key holds, after KeyQuery / IgnoreQuery
	Lookup   bool   `json:"lookup"`           // this request may be served from the store
	Storable bool   `json:"storable"`         // its response may be stored
	Bypass   string `json:"bypass,omitempty"` // why not (authorization, range…)

	Stored          bool        `json:"stored"`
	EntryStatus     int         `json:"entry_status,omitempty"`
	StoredAt        time.Time   `json:"stored_at,omitzero"`
	AgeSeconds      int64       `json:"age_seconds"`
	LifetimeSeconds int64       `json:"lifetime_seconds"`
	LifetimeSource  string      `json:"lifetime_source,omitempty"` // "policy" or "handler" (StoreFor)
	TTLSeconds      int64       `json:"ttl_seconds"`               // fresh this much longer; negative: stale
	ETag            string      `json:"etag,omitempty"`
	LastModified    time.Time   `json:"last_modified,omitzero"`
	BodyBytes       int         `json:"body_bytes"`
	HeaderBytes     int         `json:"header_bytes"`
	Header          http.Header `json:"header,omitempty"`
	Tags            any         `json:"tags"`                  // the tags, or "unknown" when the store cannot tell (TagReader)
	Body            *string     `json:"body,omitempty"`        // only with body=1, when it is UTF-8
	BodyBase64      []byte      `json:"body_base64,omitempty"` // only with body=1, when it is not
	Error           string      `json:"error,omitempty"`
}

// InspectHandler returns an endpoint for operators that says what the cache
// holds for a URL: the route and key it maps to, whether an entry is
// stored, its age, lifetime and remaining freshness, tags (when the store
// can tell), size and validators, as JSON, never the body unless asked.
// It is guarded by authorize, as PurgeHandler is: without authorize every
// request is refused with 403.
//
// It takes "url" (absolute, or a path on the inspector's own host),
// repeated "header" parameters ("Accept-Language: de", for a policy's Vary
// or Key) and "body=1":
//
//	GET /admin/inspect?url=/users/42&header=Cookie:+user=alice
//
// The URL is served through engine as a synthetic GET, so the middleware
// before the route runs as for a client (a request log shows it); the
// route's cache middleware answers it with the key it would use, without a
// render or a count in Stats, and the entry is read from that route's
// Cache. A URL whose route has no cache middleware is served as a client's
// GET would be (its handler runs): the report says reached false, with the
// status it got.
func (c *Cache) InspectHandler(engine *gin.Engine, authorize func(*gin.Context) bool) gin.HandlerFunc {
	return SelfCaching("no-store (inspect endpoint)", func(gc *gin.Context) {
		gc.Header("Cache-Control", noStoreCacheControl)
		if authorize == nil || !authorize(gc) {
			gc.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "inspect not authorized"})
			return
		}
		if _, ok := gc.Request.Context().Value(inspectKey{}).(*inspection); ok {
			gc.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": "the inspector does not inspect itself"})
			return
		}
		raw := gc.Query("url")
		if raw == "" {
			gc.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": "give a url parameter"})
			return
		}
		rep, err := c.inspect(gc, engine, raw, gc.QueryArray("header"), gc.Query("body") == "1")
		if err != nil {
			gc.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		gc.JSON(http.StatusOK, rep)
	})
}

func (c *Cache) inspect(gc *gin.Context, engine *gin.Engine, raw string, headers []string, withBody bool) (InspectReport, error) {
	rep := InspectReport{URL: raw}
	u, err := url.Parse(raw)
	if err != nil {
		return rep, err
	}
	if u.Host == "" {
		u.Host = gc.Request.Host
	}
	in := &inspection{}
	ctx := context.WithValue(gc.Request.Context(), inspectKey{}, in)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return rep, err
	}
	req.RequestURI, req.RemoteAddr = u.RequestURI(), gc.Request.RemoteAddr
	if u.Scheme == "https" {
		req.TLS = gc.Request.TLS // the scheme of the key (a WithScheme reads the header instead)
	}
	for _, line := range headers {
		name, value, ok := strings.Cut(line, ":")
		if !ok || !validToken(strings.TrimSpace(name)) {
			return rep, errors.New("gincache: header " + `"` + line + `"` + " is not Name: value")
		}
		name = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(name))
		if name == "Host" {
			req.Host = strings.TrimSpace(value)
			continue
		}
		req.Header.Add(name, strings.TrimSpace(value))
	}
	w := &inspectWriter{h: http.Header{}}
	inspections.Add(1)
	engine.ServeHTTP(w, req)
	inspections.Add(-1)
	if !in.reached {
		rep.Status = w.status
		return rep, nil
	}
	rt := in.rt
	c = rt.c // the route's own Cache
	rep.Reached, rep.Route, rep.Key, rep.Query = true, in.route, in.key, in.query
	rep.Lookup, rep.Storable, rep.Bypass = in.lookup, in.store, in.detail
	rep.Tags = "unknown"

	e, err := c.get(gc.Request.Context(), in.key)
	if err == nil && isVaryIndex(e) && rt.p.SharedCache {
		vk := variantKey(in.key, e, req.Header)
		rep.Key = vk
		e, err = c.get(gc.Request.Context(), vk)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return rep, nil
	case err != nil:
		rep.Error = err.Error()
		return rep, nil
	}
	now := c.cfg.now()
	age, lifetime := max(now.Sub(e.StoredAt), 0), rt.mode.lifetime(e)
	rep.Stored, rep.EntryStatus, rep.StoredAt = true, e.Status, e.StoredAt
	rep.AgeSeconds = int64(age / time.Second)
	rep.LifetimeSeconds = int64(lifetime / time.Second)
	rep.TTLSeconds = rep.LifetimeSeconds - rep.AgeSeconds
	rep.LifetimeSource = "policy"
	if e.Lifetime > 0 && !rt.p.SharedCache {
		rep.LifetimeSource = "handler"
	}
	rep.ETag, rep.LastModified, rep.BodyBytes, rep.Header = e.ETag, e.LastModified, len(e.Body), e.Header
	for k, vs := range e.Header {
		for _, v := range vs {
			rep.HeaderBytes += len(k) + len(v) + 4 // "k: v\r\n"
		}
	}
	if tr, ok := c.store.(TagReader); ok {
		if tags, err := tr.EntryTags(gc.Request.Context(), rep.Key); err == nil {
			rep.Tags = tags
		}
	}
	if withBody {
		if utf8.Valid(e.Body) {
			s := string(e.Body)
			rep.Body = &s
		} else {
			rep.BodyBase64 = e.Body
		}
	}
	return rep, nil
}

// inspectWriter takes the answer to the inspector's synthetic request.
type inspectWriter struct {
	h      http.Header
	status int
}

func (w *inspectWriter) Header() http.Header { return w.h }
func (w *inspectWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *inspectWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}
