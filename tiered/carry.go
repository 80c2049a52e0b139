package tiered

import (
	"net/http"

	"github.com/gincache/gincache"
)

// tagsField is the header field under which an entry carries its tags in
// the remote store, so that a copy another replica takes from it knows them
// and a tag purge drops only the copies it names. gincache's Entry codec has
// no field for tags, and a header travels through every store unchanged.
//
// The leading space makes it no valid field name (RFC 9110 §5.1: a token),
// so no handler's header can collide with it, and net/http drops it rather
// than send it should a store without this layer ever replay the entry. Get
// takes it out before anyone sees the entry.
const tagsField = " Tiered-Tags"

// carryVersion is the field's first value; a field of another version is
// read as no field: the tags are unknown.
const carryVersion = "1"

// withTags returns what is stored in remote for e with tags: a shallow copy
// of e whose header holds tagsField too. e itself, kept in the local tier
// and shared with the caller, is not modified.
func withTags(e *gincache.Entry, tags []string) *gincache.Entry {
	c := *e
	c.Header = make(http.Header, len(e.Header)+1)
	for k, v := range e.Header {
		c.Header[k] = v
	}
	v := make([]string, 0, 1+len(tags))
	c.Header[tagsField] = append(append(v, carryVersion), tags...)
	return &c
}

// takeTags returns the entry a remote read stands for, without tagsField,
// and the tags it carried; known is false for an entry stored without them
// (by a store without this layer, or an older version), whose copy must
// then be dropped by every tag purge. The entry returned by remote is not
// modified: a remote store in memory may share it.
func takeTags(e *gincache.Entry) (out *gincache.Entry, tags []string, known bool) {
	v, ok := e.Header[tagsField]
	if !ok {
		return e, nil, false
	}
	c := *e
	c.Header = make(http.Header, len(e.Header)-1)
	for k, vs := range e.Header {
		if k != tagsField {
			c.Header[k] = vs
		}
	}
	c.Prepare() // a new Header map: the decoded entry's prepared form is not its own
	if len(v) == 0 || v[0] != carryVersion {
		return &c, nil, false
	}
	return &c, v[1:], true
}
