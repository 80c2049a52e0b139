package gincache

// Protocol header lists, each with the rule it implements.

// unstoredHeaders are never stored or replayed: hop-by-hop fields, which
// apply to one connection only (RFC 9110 §7.6.1, RFC-CHECKLIST S5), as is any
// field that Connection names; Date, which is regenerated on every response
// (R1); Set-Cookie, which belongs to one user (S4); and our own status fields,
// which describe one response.
var unstoredHeaders = map[string]bool{
	"Connection":          true,
	"Keep-Alive":          true,
	"Proxy-Connection":    true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	"Date":                true,
	"Set-Cookie":          true,
	"Age":                 true,
	"Cache-Status":        true,
	"X-Cache":             true,
}

// notModifiedHeaders are the stored fields a 304 carries: those the 200 would
// have sent that a cache needs to update its copy (RFC 9110 §15.4.5,
// RFC-CHECKLIST N2). Last-Modified is added only when there is no ETag.
var notModifiedHeaders = []string{
	"Cache-Control", "Content-Location", "Etag", "Expires", "Vary",
}

// representationHeaders describe a body; a 304 has none, so it carries none
// of them (RFC 9110 §15.4.5, RFC-CHECKLIST N3).
var representationHeaders = []string{
	"Content-Type", "Content-Encoding", "Content-Language", "Content-Length",
	"Content-Range", "Content-Disposition", "X-Last-Modified",
}
