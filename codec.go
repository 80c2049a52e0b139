package gincache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
	"unsafe"
)

// The binary form of an Entry, version 1:
//
//	"GCE" 0x01                   magic and format version
//	uvarint flags                bit 0: StoredAt set, bit 1: LastModified set, bit 2: Lifetime set
//	time    StoredAt             when set
//	time    LastModified         when set
//	uvarint Lifetime             when set: nanoseconds, above zero
//	uvarint Status               0 to 999
//	string  ETag
//	uvarint header count, then per field: string name, uvarint n, n × string value
//	string  Body
//	codings                      when bit 3 is set: uvarint n, then n × (string name, string ETag, uvarint size, string body)
//	uint32  CRC-32C (Castagnoli) of everything before it, little endian
//
// where string is a uvarint length followed by the bytes and time is a varint
// of Unix seconds and a uvarint of nanoseconds, which spans any year (Unix
// nanoseconds alone would wrap outside 1678–2262). Body comes last so a
// decoder can find where the head ends and copy head and body in one go. The
// checksum turns a flipped bit in a store into a miss rather than a wrong page.
//
// Codings (bit 3) came later still, after the body: a decoder that predates
// them finds trailing bytes and refuses the entry, a miss.
//
// Lifetime came after the first entries were written, so it is optional and
// additive: an entry without one encodes exactly as before. A decoder that
// predates it ignores bit 2 and reads the nanoseconds as the status, which is
// then above 999 for any lifetime of a microsecond or more, and refuses the
// entry (a miss, never a wrong page) instead of misreading it.
const (
	codecMagic   = "GCE"
	codecVersion = 1

	flagStoredAt     = 1 << 0
	flagLastModified = 1 << 1
	flagLifetime     = 1 << 2
	flagCodings      = 1 << 3
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors returned by UnmarshalBinary. A store maps any of them to ErrNotFound.
var (
	errCodecShort    = errors.New("gincache: entry: truncated")
	errCodecMagic    = errors.New("gincache: entry: not a gincache entry")
	errCodecVersion  = errors.New("gincache: entry: unknown format version")
	errCodecChecksum = errors.New("gincache: entry: checksum mismatch")
	errCodecTrailing = errors.New("gincache: entry: trailing bytes")
	errCodecField    = errors.New("gincache: entry: malformed field")
)

// MarshalBinary encodes the entry in a compact, versioned and checksummed
// form, for stores that keep bytes. Header fields are written in sorted order,
// so equal entries encode to equal bytes.
func (e *Entry) MarshalBinary() ([]byte, error) {
	keys := make([]string, 0, len(e.Header))
	size := len(codecMagic) + 1 + 4*binary.MaxVarintLen64 + len(e.ETag) + len(e.Body) + 4
	for k, vs := range e.Header {
		keys = append(keys, k)
		size += 2*binary.MaxVarintLen64 + len(k)
		for _, v := range vs {
			size += binary.MaxVarintLen64 + len(v)
		}
	}
	slices.Sort(keys)

	b := make([]byte, 0, size)
	b = append(b, codecMagic...)
	b = append(b, codecVersion)
	var flags uint64
	if !e.StoredAt.IsZero() {
		flags |= flagStoredAt
	}
	if !e.LastModified.IsZero() {
		flags |= flagLastModified
	}
	if e.Lifetime < 0 {
		return nil, fmt.Errorf("gincache: entry: negative lifetime %v", e.Lifetime)
	}
	if e.Lifetime > 0 {
		flags |= flagLifetime
	}
	if len(e.Codings) > 0 {
		flags |= flagCodings
		for _, c := range e.Codings {
			if c.Name == "" || c.Size < 0 || c.Body != nil && c.Size != len(c.Body) {
				return nil, fmt.Errorf("gincache: entry: coding %q: size %d for a body of %d bytes", c.Name, c.Size, len(c.Body))
			}
			b = slices.Grow(b, 4*binary.MaxVarintLen64+len(c.Name)+len(c.ETag)+len(c.Body))
		}
	}
	b = binary.AppendUvarint(b, flags)
	if flags&flagStoredAt != 0 {
		b = appendTime(b, e.StoredAt)
	}
	if flags&flagLastModified != 0 {
		b = appendTime(b, e.LastModified)
	}
	if flags&flagLifetime != 0 {
		b = binary.AppendUvarint(b, uint64(e.Lifetime))
	}
	if e.Status < 0 || e.Status > 999 {
		return nil, fmt.Errorf("gincache: entry: status %d is not three digits", e.Status)
	}
	b = binary.AppendUvarint(b, uint64(e.Status))
	b = appendString(b, e.ETag)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		vs := e.Header[k]
		b = appendString(b, k)
		b = binary.AppendUvarint(b, uint64(len(vs)))
		for _, v := range vs {
			b = appendString(b, v)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(e.Body)))
	b = append(b, e.Body...)
	if flags&flagCodings != 0 {
		b = binary.AppendUvarint(b, uint64(len(e.Codings)))
		for _, c := range e.Codings {
			b = appendString(b, c.Name)
			b = appendString(b, c.ETag)
			b = binary.AppendUvarint(b, uint64(c.Size))
			b = binary.AppendUvarint(b, uint64(len(c.Body)))
			b = append(b, c.Body...)
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli)), nil
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// UnmarshalBinary decodes what MarshalBinary produced. Corrupt, truncated or
// foreign input, and input from another format version, give an error, never
// a panic and never a partly filled entry. It does not retain data, which its
// caller may reuse: the head up to the body is copied into one string, which
// the ETag and header strings are views of, and the body into a slice of its
// own, so a decode costs a handful of allocations whatever the headers. One
// allocation for the head and one for the body is what measured cheapest: a
// single buffer for both saves the small one but pushes a body at a
// size-class limit into the next class (a 32 KiB body into the large object
// path, 8 KiB more), see BENCHMARKS.md.
func (e *Entry) UnmarshalBinary(data []byte) error {
	if err := checkEntry(data); err != nil {
		return err
	}
	l, err := scan(unsafe.String(unsafe.SliceData(data), len(data))) // read only; all it keeps is copied below
	if err != nil {
		return err
	}
	out := l.hd
	hs := string(data[:l.headEnd])
	out.ETag = hs[l.etagOff : l.etagOff+len(out.ETag)]
	out.Body = slices.Clone(out.Body)
	for i := range out.Codings {
		c := &out.Codings[i]
		c.Name, c.ETag, c.Body = strings.Clone(c.Name), strings.Clone(c.ETag), slices.Clone(c.Body)
	}
	if l.nfields > 0 {
		l.header(&out, hs, make([]string, l.nvals), nil, nil)
	}
	*e = out
	return nil
}

// DecodeEntry decodes what MarshalBinary produced from a string — the form in
// which go-redis returns a value — without copying any of it: the entry's
// strings, its Body and its codings' bodies are views of s. Errors are those
// of UnmarshalBinary.
//
// Aliasing is safe because s cannot change. A Go string is immutable, and
// the one a go-redis v9 GET returns is not a view of a buffer it reuses: its
// reader makes each bulk-string reply in a fresh make([]byte, n+2), reads the
// value into it and turns it into the string with an unsafe conversion,
// never touching the slice again (proto.Reader.readStringReply). A caller
// that made s with unsafe from a buffer of its own must not reuse that
// buffer while the entry lives. Body has no spare capacity, so an append
// copies it, and nothing may write into it: it is s's memory (as for any
// stored Entry, which is immutable once stored).
//
// So the entry keeps s — all of it: the checksum, the codings, whatever
// framed the entry inside s — for as long as it lives, instead of copies of
// its parts. A store that holds decoded entries (tiered's local tier) holds
// each reply once, about what the entry weighs (memstore counts its body,
// strings and codings: the reply less its varints and checksum), and never
// the reply beside a copy. A caller that keeps a small part of a large s
// must copy that part.
//
// The entry comes ready for a hit: its Header is also held in the form a
// replay writes it from (prepared.go), made here at no extra allocation and
// tied to this Header map. A Store that changes the entry before returning
// it must give it another Header map rather than write into this one, and
// call Prepare on the result, as tiered does.
func DecodeEntry(s string) (*Entry, error) {
	if err := checkEntry(bytesOf(s)); err != nil {
		return nil, err
	}
	l, err := scan(s)
	if err != nil {
		return nil, err
	}
	if l.nfields == 0 {
		e := new(Entry)
		*e = l.hd
		return e, nil
	}
	e, p, fields, values := newDecoded(l.nfields, l.nvals)
	*e = l.hd
	l.header(e, s, values, fields, p)
	return e, nil
}

// checkEntry checks data's magic, version and checksum, before anything of
// it is read or copied.
func checkEntry(data []byte) error {
	if len(data) < len(codecMagic)+1+4 {
		return errCodecShort
	}
	if string(data[:len(codecMagic)]) != codecMagic {
		return errCodecMagic
	}
	if data[len(codecMagic)] != codecVersion {
		return errCodecVersion
	}
	payload, sum := data[:len(data)-4], data[len(data)-4:]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(sum) {
		return errCodecChecksum
	}
	return nil
}

// layout is what a first walk over an entry finds: everything but its
// Header, and where the header's fields are and how many, so that the
// arrays behind Header can be allocated at once, at their size.
type layout struct {
	hd         Entry // all but Header; its strings and byte slices views of the input
	etagOff    int
	nfields    int // header fields
	nvals      int // their values
	fieldStart int // the first field's offset
	headEnd    int // the body's length prefix's offset: the end of the header
}

// scan walks s, which checkEntry accepted, and returns its layout.
func scan(s string) (layout, error) {
	var l layout
	d := decoder{b: bytesOf(s[:len(s)-4]), off: len(codecMagic) + 1}
	flags := d.uvarint()
	if flags&flagStoredAt != 0 {
		l.hd.StoredAt = d.time()
	}
	if flags&flagLastModified != 0 {
		l.hd.LastModified = d.time()
	}
	if flags&flagLifetime != 0 {
		lt := d.uvarint()
		if d.err == nil && (lt == 0 || lt > math.MaxInt64) { // canonical: the flag says it is set
			d.err = errCodecField
		}
		l.hd.Lifetime = time.Duration(lt)
	}
	status := d.uvarint()
	if status > 999 {
		d.err = errCodecField
	}
	l.hd.Status = int(status)
	etagOff, etagLen := d.span()
	l.etagOff, l.hd.ETag = etagOff, s[etagOff:etagOff+etagLen]

	nfields := d.count(2)
	l.fieldStart = d.off
	for i := uint64(0); i < nfields && d.err == nil; i++ {
		d.span()
		n := d.count(1)
		l.nvals += int(n)
		for j := uint64(0); j < n && d.err == nil; j++ {
			d.span()
		}
	}
	l.nfields, l.headEnd = int(nfields), d.off
	bodyOff, bodyLen := d.span()
	if flags&flagCodings != 0 {
		l.hd.Codings = d.codings(s)
	}
	if d.err != nil {
		return layout{}, d.err
	}
	if d.off != len(d.b) {
		return layout{}, errCodecTrailing
	}
	if bodyLen > 0 {
		l.hd.Body = bytesOf(s[bodyOff : bodyOff+bodyLen])
	}
	return l, nil
}

// header gives e, which has l.nfields fields, its Header, with strings that
// are views of hs (the input up to l.headEnd, or more) and values in
// values, which has room for l.nvals. With p, e gets that prepared form
// too, in fields, which has room for l.nfields: the fields a 304 carries
// from the front, the others from the back, as prepare orders them.
func (l *layout) header(e *Entry, hs string, values []string, fields []field, p *prepared) {
	e.Header = make(http.Header, l.nfields)
	d := decoder{b: bytesOf(hs[:l.headEnd]), off: l.fieldStart}
	for i := range l.nfields {
		ko, kl := d.span()
		k := hs[ko : ko+kl]
		n := int(d.count(1))
		vs := values[:n:n]
		values = values[n:]
		for j := range vs {
			vo, vl := d.span()
			vs[j] = hs[vo : vo+vl]
		}
		e.Header[k] = vs
		if p != nil {
			if notModifiedCarries(e, k) {
				fields[p.nm] = field{k, vs}
				p.nm++
			} else {
				fields[l.nfields-1-(i-p.nm)] = field{k, vs}
			}
			p.cc = p.cc || k == "Cache-Control"
		}
	}
	// A name twice (which MarshalBinary never writes) leaves fewer fields
	// in the map than were read: no prepared form, a replay reads Header.
	if p == nil || len(e.Header) != l.nfields {
		return
	}
	p.header, p.n, p.fields = mapPointer(e.Header), l.nfields, fields[:l.nfields:l.nfields]
	e.hit = p
}

// bytesOf is s's memory as a byte slice without spare capacity, for the
// views DecodeEntry documents: read only.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// codings reads the entry's other content-codings: at least one, each
// named, its size that of its body when it has one (the canonical form
// MarshalBinary writes). Their strings and bodies are views of s, whose
// bytes d reads.
func (d *decoder) codings(s string) []Coding {
	n := d.count(4)
	if d.err == nil && n == 0 {
		d.err = errCodecField
	}
	if d.err != nil {
		return nil
	}
	out := make([]Coding, n)
	for i := range out {
		no, nl := d.span()
		eo, el := d.span()
		size := d.uvarint()
		bo, bl := d.span()
		if d.err == nil && (nl == 0 || size > math.MaxInt32 || bl > 0 && size != uint64(bl)) {
			d.err = errCodecField
		}
		if d.err != nil {
			return nil
		}
		out[i] = Coding{Name: s[no : no+nl], ETag: s[eo : eo+el], Size: int(size)}
		if bl > 0 {
			out[i].Body = bytesOf(s[bo : bo+bl])
		}
	}
	return out
}

// decoder reads varints and length-prefixed spans from b, remembering the
// first error so callers check once.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.err = errCodecShort
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.err = errCodecShort
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) time() time.Time {
	sec, nsec := d.varint(), d.uvarint()
	if nsec >= 1e9 {
		d.err = errCodecField
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec))
}

// span reads a length and returns the offset and length of the bytes that follow.
func (d *decoder) span() (off, n int) {
	l := d.uvarint()
	if d.err != nil {
		return 0, 0
	}
	if l > uint64(len(d.b)-d.off) {
		d.err = errCodecShort
		return 0, 0
	}
	off = d.off
	d.off += int(l)
	return off, int(l)
}

// count reads a count of items that take at least size bytes each, refusing
// counts the remaining input cannot hold, so no input makes us allocate more
// than its own size.
func (d *decoder) count(size int) uint64 {
	c := d.uvarint()
	if d.err == nil && c > uint64((len(d.b)-d.off)/size) {
		d.err = errCodecField
		return 0
	}
	return c
}
