// Package accept reads Accept-Encoding (RFC 9110 §12.5.3) for the packages
// of this module that negotiate a content-coding: the middleware's stored
// compressed responses and the assets package's precompressed files. It
// allocates nothing, so a cache hit can negotiate.
package accept

import "strings"

// maxNamed is how many distinct codings a request may name before further
// ones are ignored: real clients name four or five, and a bound keeps a
// hostile field from growing the work per coding looked up.
const maxNamed = 8

// Encodings holds the weights a request's Accept-Encoding gives codings, in
// thousandths. The zero value is a request without the field.
type Encodings struct {
	present bool // the field was sent, even empty
	n       int
	names   [maxNamed]string
	q       [maxNamed]int
	star    int // -1: "*" not named
	ident   int // -1: "identity" not named
}

// Parse reads the field lines of Accept-Encoding. The first mention of a
// coding counts; a member with a malformed q-value is ignored (RFC 9110
// §12.4.2); names compare case-insensitively and "x-gzip" is "gzip"
// (RFC 9110 §8.4.1.3).
func Parse(lines []string) Encodings {
	w := Encodings{present: len(lines) > 0, star: -1, ident: -1}
	for _, line := range lines {
		w.parse(line)
	}
	return w
}

func (w *Encodings) parse(line string) {
	for line != "" {
		var member string
		member, line, _ = strings.Cut(line, ",")
		coding, params, _ := strings.Cut(member, ";")
		coding = canonical(strings.TrimSpace(coding))
		q, ok := qvalue(params)
		if coding == "" || !ok {
			continue
		}
		switch {
		case coding == "*":
			if w.star < 0 {
				w.star = q
			}
		case strings.EqualFold(coding, "identity"):
			if w.ident < 0 {
				w.ident = q
			}
		case w.named(coding) < 0 && w.n < maxNamed:
			w.names[w.n], w.q[w.n] = coding, q
			w.n++
		}
	}
}

// canonical maps the aliases RFC 9110 §8.4.1 defines to their names.
func canonical(coding string) string {
	switch {
	case strings.EqualFold(coding, "x-gzip"):
		return "gzip"
	case strings.EqualFold(coding, "x-compress"):
		return "compress"
	}
	return coding
}

func (w *Encodings) named(coding string) int {
	for i := range w.n {
		if strings.EqualFold(w.names[i], coding) {
			return i
		}
	}
	return -1
}

// Of returns the weight of a content-coding other than identity: its own
// q-value, else that of "*", else 0 (not acceptable).
func (w *Encodings) Of(coding string) int {
	if i := w.named(canonical(coding)); i >= 0 {
		return w.q[i]
	}
	return max(w.star, 0)
}

// Identity returns the weight of identity, and whether the request named it
// (or "*"). Identity not named stays acceptable, but only as the last
// resort.
func (w *Encodings) Identity() (q int, named bool) {
	switch {
	case w.ident >= 0:
		return w.ident, true
	case w.star >= 0:
		return w.star, true
	}
	return 0, false
}

// Choose picks which of offered, content-codings in the server's order of
// preference, to send; -1 is identity (RFC 9110 §12.5.3):
//   - no field, or an empty one: identity;
//   - the highest weight wins; a tie goes to the earlier offered coding, and
//     between a coding and identity to the coding; identity not named is the
//     last resort ("gzip;q=0.5" alone still gets gzip);
//   - nothing acceptable, identity refused too: identity, not a 406, as
//     RFC 9110 §12.5.3 allows.
func (w *Encodings) Choose(offered []string) int {
	if !w.present {
		return -1
	}
	best, bestQ := -1, 0
	for i, c := range offered {
		if q := w.Of(c); q > bestQ {
			best, bestQ = i, q
		}
	}
	if q, named := w.Identity(); named && q > bestQ {
		return -1
	}
	return best
}

// Accepts reports whether coding may be sent: weighed above zero, or
// identity not refused.
func (w *Encodings) Accepts(coding string) bool {
	if strings.EqualFold(coding, "identity") || coding == "" {
		q, named := w.Identity()
		return !named || q > 0
	}
	return w.present && w.Of(coding) > 0
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
