package assets

import (
	"net/http"
	"strings"
)

// codings are the precompressed siblings looked for beside each file, in
// order of preference when a client weighs them equally: Brotli is smaller
// than gzip for text.
var codings = []struct{ coding, suffix string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// isSibling reports whether name is a precompressed form of another file
// present in the fs.FS.
func isSibling(name string, present map[string]bool) bool {
	for _, c := range codings {
		if base, ok := strings.CutSuffix(name, c.suffix); ok && present[base] {
			return true
		}
	}
	return false
}

// negotiate picks the variant of f to send for the request's Accept-Encoding
// field lines (RFC 9110 §12.5.3):
//   - no field, or an empty one: the file itself;
//   - a coding's weight is its own q-value, else that of "*", else 0 —
//     except identity, which stays acceptable when not named, but only as
//     the last resort ("gzip;q=0.5" alone still gets gzip);
//   - the highest weight wins; a tie goes to the compressed form, br before
//     gzip; "x-gzip" is gzip (§8.4.1.3);
//   - a member with a malformed q-value is ignored;
//   - when nothing is acceptable (even identity refused) the file itself is
//     sent, as §12.5.3 advises.
func (f *file) negotiate(accept []string) *variant {
	if len(f.variants) == 1 || len(accept) == 0 {
		return f.identity()
	}
	w := weights{br: -1, gzip: -1, identityQ: -1, star: -1}
	for _, line := range accept {
		w.parse(line)
	}
	best, bestQ := f.identity(), 0
	for _, v := range f.variants[1:] {
		if q := w.of(v.coding); q > bestQ {
			best, bestQ = v, q
		}
	}
	if q, named := w.identity(); named && q > bestQ {
		return f.identity()
	}
	return best
}

// weights holds the q-values (in thousandths) a request gives the codings
// negotiate knows; -1 means not named.
type weights struct {
	br, gzip, identityQ, star int
}

// parse reads one Accept-Encoding field line. The first mention of a coding
// counts.
func (w *weights) parse(line string) {
	for line != "" {
		var member string
		member, line, _ = strings.Cut(line, ",")
		coding, params, _ := strings.Cut(member, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		q, ok := qvalue(params)
		if coding == "" || !ok {
			continue
		}
		var slot *int
		switch coding {
		case "br":
			slot = &w.br
		case "gzip", "x-gzip":
			slot = &w.gzip
		case "identity":
			slot = &w.identityQ
		case "*":
			slot = &w.star
		default:
			continue
		}
		if *slot < 0 {
			*slot = q
		}
	}
}

// of returns the weight of a content coding.
func (w *weights) of(coding string) int {
	q := -1
	switch coding {
	case "br":
		q = w.br
	case "gzip":
		q = w.gzip
	}
	if q < 0 {
		q = max(w.star, 0)
	}
	return q
}

// identity returns the weight of identity and whether the request named it
// (or "*").
func (w *weights) identity() (int, bool) {
	switch {
	case w.identityQ >= 0:
		return w.identityQ, true
	case w.star >= 0:
		return w.star, true
	}
	return 0, false
}

// qvalue reads the weight from a member's parameters (";q=0.5"), in
// thousandths: 1000 when there is none. ok is false for a malformed one
// (RFC 9110 §12.4.2: "0" or "1", up to three decimals, at most 1).
func qvalue(params string) (q int, ok bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		return parseQ(strings.TrimSpace(v))
	}
	return 1000, true
}

func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	q := int(s[0]-'0') * 1000
	if len(s) > 1 {
		if s[1] != '.' {
			return 0, false
		}
		scale := 100
		for _, c := range s[2:] {
			if c < '0' || c > '9' {
				return 0, false
			}
			q += int(c-'0') * scale
			scale /= 10
		}
	}
	if q > 1000 {
		return 0, false
	}
	return q, true
}

// encodingWriter adds Content-Encoding to a 200 or 206 only, when the status
// is known: http.ServeContent leaves Content-Length out when it sees a
// Content-Encoding already set, and a 304, 412 or 416 must not claim one.
type encodingWriter struct {
	http.ResponseWriter
	coding string
}

func (w *encodingWriter) WriteHeader(code int) {
	if code == http.StatusOK || code == http.StatusPartialContent {
		w.Header().Set("Content-Encoding", w.coding)
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.NewResponseController reach the underlying writer.
func (w *encodingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
