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
		for _, tok := range splitDirectives(line) {
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

// splitDirectives splits a Cache-Control line at the commas that are not
// inside a quoted-string (RFC 9110 §5.6.4), so `foo="a,no-store"` stays one
// directive.
func splitDirectives(line string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			out = append(out, line[start:i])
			start = i + 1
		}
	}
	return append(out, line[start:])
}
