package gincache

import (
	"net/http"
	"unsafe"
)

// prepared is an entry's Header in the form a replay writes it: a slice of
// fields, read in order, where a hit would otherwise iterate the map on every
// request — starting and walking a map iterator costs more than the writes it
// feeds. It is made once, before the entry is published (stored or decoded),
// and never changes, so any number of replays may read it at once.
//
// It belongs to the Header map it was made from: an Entry copied with another
// Header, or one a Store built, has no prepared form that matches
// (Entry.prepared) until it is given one (Entry.Prepare), and its replay
// iterates Header meanwhile.
type prepared struct {
	header unsafe.Pointer // the map it was made from
	n      int            // how many fields that map had
	fields []field        // every field of Header, as stored: first the nm a 304 carries
	nm     int            // fields[:nm] are carried by a 304 (RFC 9110 §15.4.5), see notModifiedCarries
	cc     bool           // Header has Cache-Control: the handler's own, stored with the response
}

// field is one stored header field and its values, shared with Header.
type field struct {
	name   string
	values []string
}

// smallPrepared is a prepared form and its fields in one allocation, for
// the usual entry: a miss that stores pays one allocation for it, not two.
type smallPrepared struct {
	p prepared
	a [10]field
}

// Prepare readies e for replay: it records e's Header in the form a hit
// writes it from, so that each hit does not iterate the map. The middleware
// prepares every entry it stores, and DecodeEntry every entry it decodes; a
// Store that builds an Entry of its own, or copies one with another Header
// map (as tiered does to strip what it carries), calls Prepare on it before
// keeping or returning it. Without it a hit is right, only slower (tiered's
// unprepared copies took 1.12–1.16× the time of a prepared entry's hit:
// BENCHMARKS.md, "Round 5").
//
// Prepare records Header and ETag as they are, and writes to e: call it
// only while no other goroutine can see e, once both are final. A later
// change to Header that alters its number of fields makes hits iterate
// Header again; any other change is not seen, and hits would send what was
// prepared — call Prepare again after any change.
func (e *Entry) Prepare() { e.prepare() }

// prepare gives e its prepared form, in one pass over Header. It must be
// called only on an entry no other goroutine can see yet: one just built
// to be stored, or just decoded.
func (e *Entry) prepare() {
	n := len(e.Header)
	if n == 0 {
		e.hit = nil
		return
	}
	var p *prepared
	if n <= len(smallPrepared{}.a) {
		sp := new(smallPrepared)
		sp.p.fields = sp.a[:n:n]
		p = &sp.p
	} else {
		p = &prepared{fields: make([]field, n)}
	}
	p.header, p.n = mapPointer(e.Header), n
	last := n - 1
	for k, v := range e.Header { // a 304's fields from the front, the others from the back
		if notModifiedCarries(e, k) {
			p.fields[p.nm] = field{k, v}
			p.nm++
		} else {
			p.fields[last] = field{k, v}
			last--
		}
		p.cc = p.cc || k == "Cache-Control"
	}
	e.hit = p
}

// prepared returns e's prepared form, or nil when it has none that matches
// its Header (an entry built or copied outside the middleware).
func (e *Entry) prepared() *prepared {
	if p := e.hit; p != nil && p.header == mapPointer(e.Header) && p.n == len(e.Header) {
		return p
	}
	return nil
}

// notModifiedCarries reports whether a 304 for e carries its stored field
// named k: those of notModifiedHeaders, Last-Modified when it is the only
// validator, and the Date a SharedCache entry keeps.
func notModifiedCarries(e *Entry, k string) bool {
	return notModifiedField(k) || k == "Last-Modified" && e.ETag == "" || k == "Date"
}

// mapPointer is the identity of a map: two Header values are the same map
// when their pointers are equal.
func mapPointer(h http.Header) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&h))
}
