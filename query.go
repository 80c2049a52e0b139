package gincache

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/gin-gonic/gin"
)

// TrackingParameters are query parameters that analytics and ad platforms
// add to links and that no page renders differently for: campaign tags
// (utm_*), click identifiers (Google's gclid, dclid, gbraid and wbraid,
// Meta's fbclid, Microsoft's msclkid, Yandex's yclid, TikTok's ttclid,
// X's twclid, Instagram's igshid, LinkedIn's li_fat_id), Mailchimp's mc_eid
// and mc_cid, HubSpot's _hsenc and _hsmi, Marketo's mkt_tok and Google
// Analytics' _ga and _gl. A name ending in '*' is a prefix. Give it to
// Policy.IgnoreQuery, alone or with names of your own:
//
//	IgnoreQuery: append([]string{"ref"}, gincache.TrackingParameters...)
var TrackingParameters = []string{
	"utm_*", "gclid", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "yclid", "ttclid", "twclid",
	"igshid", "li_fat_id", "mc_eid", "mc_cid", "_hsenc", "_hsmi", "mkt_tok", "_ga", "_gl",
}

// queryFilter is a policy's KeyQuery or IgnoreQuery, compiled: which
// parameters of a request's query stay in its key and in the request the
// handler sees.
type queryFilter struct {
	allow    bool // KeyQuery: only the listed names stay; IgnoreQuery: the listed names go
	names    map[string]bool
	prefixes []string // names given with a trailing '*'
}

// newQueryFilter compiles a KeyQuery (allow) or an IgnoreQuery list.
func newQueryFilter(list []string, allow bool) *queryFilter {
	q := &queryFilter{allow: allow, names: make(map[string]bool, len(list))}
	for _, n := range list {
		if p, ok := strings.CutSuffix(n, "*"); ok {
			q.prefixes = append(q.prefixes, p)
		} else {
			q.names[n] = true
		}
	}
	return q
}

func (q *queryFilter) listed(name string) bool {
	if q.names[name] {
		return true
	}
	for _, p := range q.prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// filter returns raw with the parameters the filter removes left out, the
// empty ones too, and the rest in the order of their names (decoded, so
// "utm%5Fsource" is utm_source); the values of one name keep their order,
// as a handler reading c.QueryArray expects. A name that does not decode
// is compared as it is spelt.
func (q *queryFilter) filter(raw string) string {
	type param struct{ name, raw string }
	var kept []param
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if q.listed(name) == q.allow {
			kept = append(kept, param{name, part})
		}
	}
	slices.SortStableFunc(kept, func(a, b param) int { return strings.Compare(a.name, b.name) })
	var b strings.Builder
	b.Grow(len(raw))
	for i, p := range kept {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.raw)
	}
	return b.String()
}

// filterQuery rewrites the request's query to what its key holds, before
// the key is built and the handler runs, so that a parameter the key
// ignores can neither split the cache nor reach the handler to plant a
// response under another request's key. What was parsed of the old query
// (net/http's Form, gin's query cache) is dropped so that it is parsed
// again from the new one.
func (rt *route) filterQuery(gc *gin.Context) {
	req := gc.Request
	raw := req.URL.RawQuery
	if raw == "" {
		return
	}
	q := rt.query.filter(raw)
	if q == raw {
		return
	}
	req.URL.RawQuery = q
	if req.RequestURI != "" {
		req.RequestURI = req.URL.RequestURI()
	}
	req.Form = nil
	resetQueryCache(gc)
}

// ginQueryCache is the offset of gin.Context's unexported queryCache, the
// query c.Query parsed once: middleware before the cache that read the
// query would otherwise leave the handler the removed parameters. Checked
// against the gin version in go.mod (TestIgnoredQueryAfterMiddlewareReadIt);
// ok is false if a gin version lays the context out otherwise.
var ginQueryCache = func() (off uintptr, ok bool) {
	f, found := reflect.TypeFor[gin.Context]().FieldByName("queryCache")
	if !found || f.Type != reflect.TypeFor[url.Values]() {
		return 0, false
	}
	return f.Offset, true
}

var queryCacheOffset, queryCacheKnown = ginQueryCache()

func resetQueryCache(gc *gin.Context) {
	if queryCacheKnown {
		*(*url.Values)(unsafe.Add(unsafe.Pointer(gc), queryCacheOffset)) = nil
	}
}
