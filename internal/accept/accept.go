// Package accept reads Accept-Encoding (RFC 9110 §12.5.3) for the packages
// of this module that negotiate a content-coding: the middleware's stored
// compressed responses and the assets package's precompressed files. It
// allocates nothing, so a cache hit can negotiate.
package accept

import "strings"

// maxOffered is the most codings Choose weighs at once.
const maxOffered = 8

// Choose picks which of offered, content-codings in lower case in the
// server's order of preference, to send for a request's Accept-Encoding field lines; -1 is
// identity (RFC 9110 §12.5.3):
//   - no field, or an empty one: identity;
//   - a coding's weight is its own q-value, else that of "*", else 0; the
//     first mention of a coding counts; names compare case-insensitively
//     and "x-gzip" is "gzip" (RFC 9110 §8.4.1.3); a member with a malformed
//     q-value is ignored (RFC 9110 §12.4.2);
//   - the highest weight wins; a tie goes to the earlier offered coding, and
//     between a coding and identity to the coding; identity not named is the
//     last resort ("gzip;q=0.5" alone still gets gzip);
//   - nothing acceptable, identity refused too: identity, not a 406, as
//     RFC 9110 §12.5.3 allows.
//
// It reads the field once and allocates nothing, so a cache hit can
// negotiate. Codings past the first maxOffered are not considered.
func Choose(lines []string, offered []string) int {
	if len(lines) == 0 {
		return -1
	}
	offered = offered[:min(len(offered), maxOffered)]
	w := weigh(lines, offered)
	best, bestQ := -1, 0
	for i := range offered {
		if q := w.of(i); q > bestQ {
			best, bestQ = i, q
		}
	}
	if q, named := w.identity(); named && q > bestQ {
		return -1
	}
	return best
}

// Accepts reports whether coding may be sent for the request's
// Accept-Encoding: weighed above zero, or, for identity, not refused. A
// request without the field accepts identity alone here: RFC 9110 §12.5.3
// would allow any coding, but the clients that send none (scripts, curl
// without --compressed) rarely decode one.
func Accepts(lines []string, coding string) bool {
	if coding == "" || strings.EqualFold(coding, "identity") {
		w := weigh(lines, nil)
		q, named := w.identity()
		return !named || q > 0
	}
	if len(lines) == 0 {
		return false
	}
	w := weigh(lines, []string{coding})
	return w.of(0) > 0
}

// weights are what a request gives the offered codings, in thousandths;
// -1 is not named.
type weights struct {
	q     [maxOffered]int
	star  int
	ident int
}

func weigh(lines []string, offered []string) weights {
	w := weights{star: -1, ident: -1}
	for i := range w.q {
		w.q[i] = -1
	}
	if len(lines) == 1 && w.common(lines[0], offered) {
		return w
	}
	for _, line := range lines {
		for i := 0; i < len(line); {
			for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == ',') {
				i++
			}
			start := i
			for i < len(line) && line[i] != ',' && line[i] != ';' && line[i] != ' ' && line[i] != '\t' {
				i++
			}
			coding := line[start:i]
			end := i
			for end < len(line) && line[end] != ',' {
				end++
			}
			q, ok := 1000, true
			if end > i {
				q, ok = params(line[i:end])
			}
			i = end
			if coding == "" || !ok {
				continue
			}
			switch {
			case coding == "*":
				if w.star < 0 {
					w.star = q
				}
			case len(coding) == len("identity") && strings.EqualFold(coding, "identity"):
				if w.ident < 0 {
					w.ident = q
				}
			default:
				for k, name := range offered {
					if w.q[k] < 0 && same(coding, name) {
						w.q[k] = q
					}
				}
			}
		}
	}
	return w
}

// commonFields are the Accept-Encoding values browsers and curl send, as
// sent, with the codings they name: all weights 1, no "*", no identity.
// Recognising them saves a hit the scan of the field.
var commonFields = [...]struct {
	field   string
	codings uint8
}{
	{"gzip, deflate, br, zstd", bitGzip | bitDeflate | bitBr | bitZstd}, // Chrome, Edge, Firefox
	{"gzip, deflate, br", bitGzip | bitDeflate | bitBr},                 // Safari, older browsers
	{"deflate, gzip, br, zstd", bitGzip | bitDeflate | bitBr | bitZstd}, // curl --compressed
	{"gzip, deflate", bitGzip | bitDeflate},
	{"gzip", bitGzip},
}

const (
	bitGzip = 1 << iota
	bitDeflate
	bitBr
	bitZstd
)

// bit is a coding's in commonFields, 0 for another; offered names are
// compared as they are, lower case.
func bit(name string) uint8 {
	switch name {
	case "gzip", "x-gzip":
		return bitGzip
	case "deflate":
		return bitDeflate
	case "br":
		return bitBr
	case "zstd":
		return bitZstd
	}
	return 0
}

// common sets w for a field that is one of commonFields, and reports
// whether it was.
func (w *weights) common(line string, offered []string) bool {
	for i := range commonFields {
		f := &commonFields[i]
		if line != f.field {
			continue
		}
		for k, name := range offered {
			if bit(name)&f.codings != 0 {
				w.q[k] = 1000
			}
		}
		return true
	}
	return false
}

// same reports whether two content-coding names are one coding: equal but
// for case, or "x-gzip" and "gzip", "x-compress" and "compress" (RFC 9110
// §8.4.1). Names as clients send them are lower case, so the first test
// usually answers.
func same(a, b string) bool {
	switch {
	case a == b:
		return true
	case len(a) == len(b):
		return strings.EqualFold(a, b)
	case len(a) == len(b)+2:
		return xAlias(a, b)
	case len(b) == len(a)+2:
		return xAlias(b, a)
	}
	return false
}

// xAlias reports whether long is "x-" and short, for the two codings that
// have such an alias.
func xAlias(long, short string) bool {
	return (long[0] == 'x' || long[0] == 'X') && long[1] == '-' && strings.EqualFold(long[2:], short) &&
		(strings.EqualFold(short, "gzip") || strings.EqualFold(short, "compress"))
}

func (w *weights) of(i int) int {
	if w.q[i] >= 0 {
		return w.q[i]
	}
	return max(w.star, 0)
}

func (w *weights) identity() (q int, named bool) {
	switch {
	case w.ident >= 0:
		return w.ident, true
	case w.star >= 0:
		return w.star, true
	}
	return 0, false
}

// params reads what follows a member's coding: nothing but whitespace, or
// its parameters after a ";". ok is false for anything else ("gzip foo").
func params(rest string) (q int, ok bool) {
	rest = strings.TrimLeft(rest, " \t")
	if rest == "" {
		return 1000, true
	}
	if rest[0] != ';' {
		return 0, false
	}
	return qvalue(rest[1:])
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
