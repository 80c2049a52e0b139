package gincache

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gincache/gincache/internal/accept"
)

// errBadCoding is a stored body that does not decode to its identity.
var errBadCoding = errors.New("gincache: stored body does not decode to its identity")

// sending is the coding of a stored entry one response sends.
type sending struct {
	coding   string // the content-coding, "identity" for none
	etag     string
	body     []byte // nil for a HEAD, or an empty body
	size     int
	asStored bool // the entry's own body: its stored header says it all
}

// choose picks the coding of e that req gets (RFC 9110 §12.5.3): for an
// entry kept in one coding only, that one; otherwise the one the client's
// Accept-Encoding prefers among the entry's, identity when it takes none of
// them, and identity when outer, a compressing middleware outside the
// route, will encode the response itself. An identity not kept is decoded
// from the entry's body, except for a HEAD. err is a decode that failed.
func choose(req *http.Request, e *Entry, outer bool) (s sending, err error) {
	stored := sending{coding: "identity", etag: e.ETag, body: e.Body, size: len(e.Body), asStored: true}
	if len(e.Codings) == 0 {
		return stored, nil
	}
	primary := "identity"
	if v := e.Header["Content-Encoding"]; len(v) > 0 {
		primary = strings.ToLower(v[0])
		stored.coding = primary
	}
	pick := -1
	if !outer {
		var offered [8]string
		n := 0
		if primary != "identity" {
			offered[n], n = primary, n+1
		}
		for _, c := range e.Codings {
			if c.Name != "identity" && n < len(offered) {
				offered[n], n = c.Name, n+1
			}
		}
		pick = accept.Choose(req.Header["Accept-Encoding"], offered[:n])
		if pick >= 0 && offered[pick] == primary {
			return stored, nil
		}
		if pick >= 0 {
			pick = codingIndex(e, offered[pick])
		}
	}
	if pick < 0 {
		if primary == "identity" {
			return stored, nil
		}
		pick = codingIndex(e, "identity")
	}
	if pick < 0 { // no identity kept: a handler's coding stored before codings were
		return stored, nil
	}
	c := e.Codings[pick]
	s = sending{coding: c.Name, etag: c.ETag, body: c.Body, size: c.Size}
	if s.body == nil && c.Size > 0 && req.Method != http.MethodHead {
		from, coded := primary, e.Body
		if g := codingIndex(e, "gzip"); g >= 0 && e.Codings[g].Body != nil {
			from, coded = "gzip", e.Codings[g].Body // inflating is several times cheaper than decoding br
		}
		dec := coderFor(from)
		if dec == nil {
			return s, errBadCoding
		}
		if s.body, err = dec.decode(coded, c.Size); err == nil && len(s.body) != c.Size {
			err = errBadCoding
		}
	}
	return s, err
}

func codingIndex(e *Entry, name string) int {
	for i, c := range e.Codings {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// apply sets the fields of h that differ between an entry's codings, when
// s is not the stored one.
func (s sending) apply(h http.Header) {
	if !s.asStored {
		setCoding(h, s.coding, s.etag, s.size)
	}
}

// outer makes s what goes through a compressing middleware outside the
// route, which encodes the identity s is in content-coding: the ETag is that
// coding's, not the identity's (RFC 9110 §8.8.3).
func (s *sending) outer(coding []string) {
	if len(coding) > 0 && s.etag != "" {
		s.etag = codingETag(s.etag, strings.ToLower(strings.TrimSpace(coding[0])))
		s.asStored = false
	}
}
