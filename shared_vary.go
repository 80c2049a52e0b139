package gincache

import (
	"net/http"
	"slices"
	"strings"
)

// varyRule is how the values of a request field are normalised before they
// select a variant of a response that varies on it (RFC 9111 §4.1): two
// requests match when one's fields can be made the other's by adding or
// removing whitespace where the field's syntax allows it, combining field
// lines, and normalisations the field's definition makes meaningless.
type varyRule struct {
	list bool // a comma-separated list (RFC 9110 §5.6.1): members trimmed, empty members dropped
	fold bool // case-insensitive members: lower-cased
	sort bool // the order of members carries nothing: sorted
}

// varyRules are the fields normalised beyond whitespace at the ends of
// each line, which is always allowed (RFC 9110 §5.5). Being conservative,
// only fields whose grammar and semantics allow it are listed:
//   - Accept-Encoding (RFC 9110 §12.5.3): content codings are
//     case-insensitive (§8.4.1) and the weights, not the order, rank them,
//     so "GZIP, br" and "br,gzip" select one variant.
//   - Accept-Language (RFC 9110 §12.5.4): language ranges are
//     case-insensitive (RFC 4647 §2); their order is kept, since a server
//     may rank equal weights by it.
//   - Accept (RFC 9110 §12.5.1): only whitespace; parameter values may be
//     case-sensitive, and order may rank equal weights.
//
// Any other field — Cookie, Authorization, Origin, a custom one — keeps
// its value as sent, trimmed at the ends of each line: a cache cannot know
// what its case or its order mean. Whitespace around the ";" of a weight
// or parameter (RFC 9110 §5.6.6, §12.4.2) is removed in list fields; no
// whitespace is allowed around its "=", so none is removed there.
var varyRules = map[string]varyRule{
	"Accept":          {list: true},
	"Accept-Encoding": {list: true, fold: true, sort: true},
	"Accept-Language": {list: true, fold: true},
}

// varyValues is h's fields named in names, normalised (varyRules): the
// request fields that select a variant. An absent field stays absent, an
// empty one empty (RFC 9111 §4.1: absent matches only absent).
func varyValues(h http.Header, names []string) http.Header {
	out := make(http.Header, len(names))
	for _, name := range names {
		lines, ok := h[name]
		if !ok {
			continue
		}
		rule, known := varyRules[name]
		if !known {
			v := make([]string, len(lines))
			for i, line := range lines {
				v[i] = trimOWS(line)
			}
			out[name] = v
			continue
		}
		out[name] = []string{normalizeList(lines, rule)}
	}
	return out
}

// normalizeList combines a list field's lines into one value in normal form.
func normalizeList(lines []string, rule varyRule) string {
	var members []string
	for _, line := range lines {
		for m := range strings.SplitSeq(line, ",") { // no quoted commas in these fields' members
			m = trimOWS(m)
			if m == "" {
				continue
			}
			if strings.IndexByte(m, ';') >= 0 {
				parts := strings.Split(m, ";")
				for i := range parts {
					parts[i] = trimOWS(parts[i])
				}
				m = strings.Join(parts, ";")
			}
			if rule.fold {
				m = strings.ToLower(m)
			}
			members = append(members, m)
		}
	}
	if rule.sort {
		slices.Sort(members)
	}
	return strings.Join(members, ", ")
}
