package assets

import (
	"net/http"
	"strings"

	"github.com/gincache/gincache/internal/accept"
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
func (f *file) negotiate(lines []string) *variant {
	if len(f.variants) == 1 || len(lines) == 0 {
		return f.identity()
	}
	var offered [4]string
	n := 0
	for _, v := range f.variants[1:] {
		if n < len(offered) {
			offered[n], n = v.coding, n+1
		}
	}
	if i := accept.Choose(lines, offered[:n]); i >= 0 {
		return f.variants[1+i]
	}
	return f.identity()
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
