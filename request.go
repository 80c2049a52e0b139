package gincache

import (
	"net/http"
	"strings"
)

// requestDirectives are the request Cache-Control directives the middleware
// acts on (RFC 9111 §5.2.1). Others, such as max-age=0 on a normal reload,
// are left to the validators: the stored copy is what the origin would send.
type requestDirectives struct {
	noCache      bool // §5.2.1.4: re-render (a hard reload), RFC-CHECKLIST R4
	noStore      bool // §5.2.1.5: do not store the response, S7
	onlyIfCached bool // §5.2.1.7: a miss is a 504, R5
}

// parseRequestDirectives reads Cache-Control, or Pragma: no-cache when there
// is no Cache-Control (RFC 9111 §5.4). Unknown and malformed directives are
// ignored; directive names are case-insensitive.
func parseRequestDirectives(h http.Header) requestDirectives {
	var d requestDirectives
	cc, ok := h["Cache-Control"]
	if !ok {
		for _, p := range h["Pragma"] {
			for _, tok := range strings.Split(p, ",") {
				if strings.EqualFold(strings.TrimSpace(tok), "no-cache") {
					d.noCache = true
				}
			}
		}
		return d
	}
	for _, line := range cc {
		for _, tok := range strings.Split(line, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(tok), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-cache":
				d.noCache = true
			case "no-store":
				d.noStore = true
			case "only-if-cached":
				d.onlyIfCached = true
			}
		}
	}
	return d
}
