package gincache

import (
	"net/http"
	"strings"
)

// cacheStatus is the Cache-Status a response the handler rendered goes out
// with: this cache's member, after the members the handler's response
// brought, on a SharedCache route (RFC 9211 §2: a cache adding its member
// preserves the field, the last member the one closest to the client, so
// the whole chain of caches can be read). The upstream's lines are joined
// into one, as a list field's lines may be (RFC 9110 §5.3), because many
// clients read only the first line.
//
// A fixed-policy route's member replaces any: its handler is the origin.
// A response served from the store carries this cache's member alone, since
// the upstream's described another request (Cache-Status is never stored,
// unstoredHeaders).
func (rt *route) cacheStatus(h, snap http.Header, member string) []string {
	if !rt.p.SharedCache || !changed(h, snap, headerCacheStatus) {
		return []string{member}
	}
	var b strings.Builder
	for _, line := range h[headerCacheStatus] {
		if line = strings.Trim(line, " \t,"); line != "" { // no empty members (RFC 8941 §3.1)
			b.WriteString(line)
			b.WriteString(", ")
		}
	}
	b.WriteString(member)
	return []string{b.String()}
}
