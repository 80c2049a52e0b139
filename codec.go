package gincache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"net/http"
	"slices"
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
// a panic and never a partly filled entry. It does not retain data (see
// decode), and a decode costs a handful of allocations whatever the headers.
func (e *Entry) UnmarshalBinary(data []byte) error {
	out, err := decode(data)
	if err != nil {
		return err
	}
	*e = out
	return nil
}

// DecodeEntry decodes what MarshalBinary produced from a string — the form in
// which go-redis returns a value — without copying it first. The entry does
// not keep s: a store that holds decoded entries (tiered's local tier) holds
// what they weigh, not their Redis replies beside them. Errors are those of
// UnmarshalBinary.
func DecodeEntry(s string) (*Entry, error) {
	data := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	out, err := decode(data)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// decode parses data, which it only reads and does not retain: the head up
// to the body is copied into one string, which the ETag and header strings
// are views of, and the body into a slice of its own. So an entry holds its
// own bytes once, and the input — a whole Redis reply — can be collected.
// One allocation for the head and one for the body is what measured
// cheapest: a single buffer for both saves the small one but pushes a body
// at a size-class limit into the next class (a 32 KiB body into the large
// object path, 8 KiB more), see BENCHMARKS.md.
func decode(data []byte) (Entry, error) {
	var out Entry
	if len(data) < len(codecMagic)+1+4 {
		return out, errCodecShort
	}
	if string(data[:len(codecMagic)]) != codecMagic {
		return out, errCodecMagic
	}
	if data[len(codecMagic)] != codecVersion {
		return out, errCodecVersion
	}
	payload, sum := data[:len(data)-4], data[len(data)-4:]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(sum) {
		return out, errCodecChecksum
	}

	d := decoder{b: payload, off: len(codecMagic) + 1}
	flags := d.uvarint()
	if flags&flagStoredAt != 0 {
		out.StoredAt = d.time()
	}
	if flags&flagLastModified != 0 {
		out.LastModified = d.time()
	}
	if flags&flagLifetime != 0 {
		lt := d.uvarint()
		if d.err == nil && (lt == 0 || lt > math.MaxInt64) { // canonical: the flag says it is set
			d.err = errCodecField
		}
		out.Lifetime = time.Duration(lt)
	}
	status := d.uvarint()
	if status > 999 {
		d.err = errCodecField
	}
	out.Status = int(status)

	// Everything up to the body is one string; the entry's strings are
	// substrings of it. Find the body's start by walking the fields first.
	etagOff, etagLen := d.span()
	nfields := d.count(2)
	fieldStart := d.off
	nvals := 0
	for i := uint64(0); i < nfields && d.err == nil; i++ {
		d.span()
		n := d.count(1)
		nvals += int(n)
		for j := uint64(0); j < n && d.err == nil; j++ {
			d.span()
		}
	}
	headEnd := d.off
	bodyOff, bodyLen := d.span()
	if flags&flagCodings != 0 {
		out.Codings = d.codings()
	}
	if d.err != nil {
		return Entry{}, d.err
	}
	if d.off != len(payload) {
		return Entry{}, errCodecTrailing
	}

	hs := string(payload[:headEnd])
	out.ETag = hs[etagOff : etagOff+etagLen]
	if nfields > 0 {
		out.Header = make(http.Header, nfields)
		values := make([]string, nvals)
		d = decoder{b: payload[:headEnd], off: fieldStart}
		for i := uint64(0); i < nfields; i++ {
			ko, kl := d.span()
			n := int(d.count(1))
			vs := values[:n:n]
			values = values[n:]
			for j := range vs {
				vo, vl := d.span()
				vs[j] = hs[vo : vo+vl]
			}
			out.Header[hs[ko:ko+kl]] = vs
		}
	}
	if bodyLen > 0 {
		out.Body = slices.Clone(payload[bodyOff : bodyOff+bodyLen])
	}
	return out, nil
}

// codings reads the entry's other content-codings: at least one, each
// named, its size that of its body when it has one (the canonical form
// MarshalBinary writes).
func (d *decoder) codings() []Coding {
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
		out[i] = Coding{Name: string(d.b[no : no+nl]), ETag: string(d.b[eo : eo+el]), Size: int(size)}
		if bl > 0 {
			out[i].Body = slices.Clone(d.b[bo : bo+bl])
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
