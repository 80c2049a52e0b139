package gincache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// The tests here pin the binary form documented in codec.go. They build their
// own CRC-32C table rather than use the package's, so a change of checksum
// would show up as a broken format, which it is.
var testCastagnoli = crc32.MakeTable(crc32.Castagnoli)

// seal appends the checksum MarshalBinary would, to a payload built by hand.
func seal(payload []byte) []byte {
	return binary.LittleEndian.AppendUint32(slices.Clip(payload), crc32.Checksum(payload, testCastagnoli))
}

// unseal returns a valid encoding without its checksum.
func unseal(data []byte) []byte {
	return slices.Clone(data[:len(data)-4])
}

// fullEntry has everything an entry can hold: multi-valued headers, a body,
// an ETag and both times with nanoseconds.
func fullEntry() *Entry {
	return &Entry{
		Status: http.StatusOK,
		Header: http.Header{
			"Content-Type":   {"text/html; charset=utf-8"},
			"Vary":           {"Accept-Encoding", "Accept-Language"},
			"Link":           {"</a.css>; rel=preload", "</b.js>; rel=preload", ""},
			"Etag":           {`"abc123"`},
			"Content-Length": {"14"},
		},
		Body:         []byte("<h1>hello</h1>"),
		ETag:         `"abc123"`,
		LastModified: time.Date(2026, 11, 23, 11, 59, 0, 0, time.UTC),
		StoredAt:     time.Date(2026, 11, 23, 12, 0, 0, 123456789, time.UTC),
	}
}

// diffEntry reports how got differs from want, or "" when they are the same
// entry. A nil and an empty Header or Body are the same: the codec does not
// keep the difference and nothing downstream may rely on it.
func diffEntry(got, want *Entry) string {
	switch {
	case got.Status != want.Status:
		return fmt.Sprintf("Status = %d; want %d", got.Status, want.Status)
	case got.ETag != want.ETag:
		return fmt.Sprintf("ETag = %q; want %q", got.ETag, want.ETag)
	case !bytes.Equal(got.Body, want.Body):
		return fmt.Sprintf("Body = %.40q (%d bytes); want %.40q (%d bytes)", got.Body, len(got.Body), want.Body, len(want.Body))
	case !got.StoredAt.Equal(want.StoredAt) || got.StoredAt.IsZero() != want.StoredAt.IsZero():
		return fmt.Sprintf("StoredAt = %v; want %v", got.StoredAt, want.StoredAt)
	case !got.LastModified.Equal(want.LastModified) || got.LastModified.IsZero() != want.LastModified.IsZero():
		return fmt.Sprintf("LastModified = %v; want %v", got.LastModified, want.LastModified)
	case got.Lifetime != want.Lifetime:
		return fmt.Sprintf("Lifetime = %v; want %v", got.Lifetime, want.Lifetime)
	case len(got.Header) != len(want.Header):
		return fmt.Sprintf("Header = %q; want %q", got.Header, want.Header)
	case len(got.Codings) != len(want.Codings):
		return fmt.Sprintf("Codings = %d; want %d", len(got.Codings), len(want.Codings))
	}
	for i, w := range want.Codings {
		g := got.Codings[i]
		if g.Name != w.Name || g.ETag != w.ETag || g.Size != w.Size || !bytes.Equal(g.Body, w.Body) || (g.Body == nil) != (w.Body == nil) {
			return fmt.Sprintf("Codings[%d] = %q %q %d %.20q; want %q %q %d %.20q", i, g.Name, g.ETag, g.Size, g.Body, w.Name, w.ETag, w.Size, w.Body)
		}
	}
	for k, wv := range want.Header {
		gv, ok := got.Header[k]
		if !ok || !slices.Equal(gv, wv) {
			return fmt.Sprintf("Header[%q] = %q; want %q", k, gv, wv)
		}
	}
	return ""
}

func mustMarshal(t testing.TB, e *Entry) []byte {
	t.Helper()
	b, err := e.MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	return b
}

// roundTrip encodes and decodes e, failing t if either step fails.
func roundTrip(t testing.TB, e *Entry) *Entry {
	t.Helper()
	var got Entry
	if err := got.UnmarshalBinary(mustMarshal(t, e)); err != nil {
		t.Fatalf("UnmarshalBinary(MarshalBinary(e)): %v; want nil", err)
	}
	return &got
}

func TestEntryRoundTrip(t *testing.T) {
	mib := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	tests := []struct {
		name string
		e    *Entry
	}{
		{"full", fullEntry()},
		{"empty", &Entry{}},
		{"status only", &Entry{Status: http.StatusNoContent}},
		{"nil header", &Entry{Status: 200, Header: nil, Body: []byte("x")}},
		{"empty header", &Entry{Status: 200, Header: http.Header{}, Body: []byte("x")}},
		{"field without values", &Entry{Status: 200, Header: http.Header{"X-Empty": {}}}},
		{"empty body", &Entry{Status: 200, Header: http.Header{"A": {"b"}}, Body: []byte{}}},
		{"binary body", &Entry{Status: 200, Body: []byte{0, 0xff, 'G', 'C', 'E', 1, 0}}},
		{"1 MiB body", &Entry{Status: 200, Body: mib, ETag: `W/"big"`}},
		{"nanoseconds", &Entry{
			Status:       200,
			StoredAt:     time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.UTC),
			LastModified: time.Date(2026, 1, 2, 3, 4, 5, 1, time.UTC),
		}},
		{"before 1970", &Entry{
			Status:       200,
			StoredAt:     time.Date(1969, 7, 20, 20, 17, 40, 123, time.UTC),
			LastModified: time.Date(1901, 12, 14, 0, 0, 0, 0, time.UTC),
		}},
		{"the epoch", &Entry{Status: 200, StoredAt: time.Unix(0, 0), LastModified: time.Unix(0, 0)}},
		{"only StoredAt", &Entry{Status: 200, StoredAt: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}},
		{"only LastModified", &Entry{Status: 200, LastModified: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}},
		{"other time zone", &Entry{Status: 200, StoredAt: time.Date(2026, 11, 23, 12, 0, 0, 5, time.FixedZone("X", 5*3600))}},
		{"largest status", &Entry{Status: 999}},
		{"handler's lifetime", &Entry{Status: 200, StoredAt: time.Unix(1795521600, 0), Lifetime: 90 * time.Second}},
		{"one-nanosecond lifetime", &Entry{Status: 200, Lifetime: 1}},
		{"codings", &Entry{
			Status: 200,
			Header: http.Header{"Content-Encoding": {"gzip"}, "Vary": {"Accept-Encoding"}},
			Body:   []byte("\x1f\x8bgzip bytes"),
			ETag:   `"abc-gzip"`,
			Codings: []Coding{
				{Name: "br", ETag: `"abc-br"`, Size: 8, Body: []byte("br bytes")},
				{Name: "identity", ETag: `"abc"`, Size: 32768},
			},
		}},
		{"unicode and NULs", &Entry{
			Status: 200,
			Header: http.Header{"X-Ünï": {"☃\x00☃"}},
			ETag:   "\"\x00\"",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := diffEntry(roundTrip(t, tt.e), tt.e); d != "" {
				t.Error(d)
			}
		})
	}
}

// An entry with a Lifetime is refused, never misread, by a decoder that
// predates the field: such a decoder ignores flag bit 2, as this one does
// once the bit is cleared, and reads the lifetime as the status.
func TestEntryLifetimeUnknownToOlderDecoders(t *testing.T) {
	for _, lt := range []time.Duration{time.Microsecond, time.Second, 10 * time.Minute, 365 * 24 * time.Hour} {
		e := fullEntry()
		e.Lifetime = lt
		p := unseal(mustMarshal(t, e))
		flags := p[len(codecMagic)+1]
		if flags&flagLifetime == 0 {
			t.Fatalf("flags = %#x; want bit 2 set", flags)
		}
		p[len(codecMagic)+1] = flags &^ flagLifetime
		var got Entry
		if err := got.UnmarshalBinary(seal(p)); err == nil {
			t.Errorf("Lifetime %v: an older decoder reads %+v; want an error", lt, got)
		}
	}
	if _, err := (&Entry{Lifetime: -1}).MarshalBinary(); err == nil {
		t.Error("MarshalBinary with a negative Lifetime = nil error; want one")
	}
	// Without a Lifetime an entry encodes exactly as before the field.
	if b := mustMarshal(t, &Entry{Status: 200}); !bytes.Equal(b, seal(payload(uv(0), uv(200), uv(0), uv(0), uv(0)))) {
		t.Errorf("entry without Lifetime = %q; want the version-1 bytes of before", b)
	}
}

// An entry with Codings is refused, never misread, by a decoder that
// predates them: it ignores bit 3 and finds the codings as trailing bytes.
func TestEntryCodingsUnknownToOlderDecoders(t *testing.T) {
	e := fullEntry()
	e.Codings = []Coding{{Name: "identity", ETag: `"x"`, Size: 40}}
	p := unseal(mustMarshal(t, e))
	p[len(codecMagic)+1] &^= flagCodings
	mustReject(t, seal(p), errCodecTrailing)
	for _, bad := range []Coding{{Name: ""}, {Name: "br", Size: 3, Body: []byte("ab")}, {Name: "br", Size: -1}} {
		if _, err := (&Entry{Codings: []Coding{bad}}).MarshalBinary(); err == nil {
			t.Errorf("MarshalBinary with coding %+v = nil error; want one", bad)
		}
	}
}

func TestEntryMarshalDeterministic(t *testing.T) {
	// Two maps with the same fields inserted in opposite orders, each
	// encoded several times so Go's random map iteration gets its chances.
	forward, backward := http.Header{}, http.Header{}
	for i := range 40 {
		k := "X-Field-" + strconv.Itoa(i)
		forward[k] = []string{k, "second"}
	}
	for i := 39; i >= 0; i-- {
		k := "X-Field-" + strconv.Itoa(i)
		backward[k] = []string{k, "second"}
	}
	a, b := fullEntry(), fullEntry()
	a.Header, b.Header = forward, backward

	want := mustMarshal(t, a)
	for i := range 10 {
		for _, e := range []*Entry{a, b} {
			if got := mustMarshal(t, e); !bytes.Equal(got, want) {
				t.Fatalf("encoding %d differs from the first:\n got %q\nwant %q", i, got, want)
			}
		}
	}
}

func TestEntryMarshalNegativeStatus(t *testing.T) {
	if b, err := (&Entry{Status: -1}).MarshalBinary(); err == nil {
		t.Errorf("MarshalBinary(Status -1) = %q, nil; want an error", b)
	}
}

// mustReject decodes data into an entry that already holds something and
// checks that it fails with want (any error when want is nil) and leaves the
// entry as it was.
func mustReject(t *testing.T, data []byte, want error) {
	t.Helper()
	before := fullEntry()
	e := fullEntry()
	err := e.UnmarshalBinary(data)
	switch {
	case err == nil:
		t.Fatalf("UnmarshalBinary(%.60q) = nil; want an error", data)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("UnmarshalBinary(%.60q) = %v; want %v", data, err, want)
	}
	if d := diffEntry(e, before); d != "" {
		t.Fatalf("after a failed UnmarshalBinary the entry changed: %s", d)
	}
}

// uv returns the uvarint encoding of v.
func uv(v uint64) []byte { return binary.AppendUvarint(nil, v) }

// payload builds an unsealed encoding by hand from its parts, after the
// magic and version 1.
func payload(parts ...[]byte) []byte {
	b := []byte("GCE\x01")
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func TestEntryUnmarshalRejects(t *testing.T) {
	valid := mustMarshal(t, fullEntry())
	withVersion := func(v byte) []byte {
		p := unseal(valid)
		p[3] = v
		return seal(p)
	}
	huge := uv(1 << 62)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"nil", nil, errCodecShort},
		{"empty", []byte{}, errCodecShort},
		{"shorter than any entry", []byte("GCE\x01\x00\x00\x00"), errCodecShort},
		{"magic and checksum only", seal([]byte("GCE\x01")), errCodecShort},
		{"wrong magic", append([]byte("XYZ"), valid[3:]...), errCodecMagic},
		{"JSON", []byte(`{"status":200,"body":"hello"}`), errCodecMagic},
		// versioned entries: an entry written by another format version is a
		// miss, never misread, even when its checksum is right.
		{"future version 2", withVersion(2), errCodecVersion},
		{"version 0", withVersion(0), errCodecVersion},
		{"version 255", withVersion(255), errCodecVersion},
		{"bad checksum", append(unseal(valid), 0, 0, 0, 0), errCodecChecksum},
		{"garbage after checksum", append(slices.Clone(valid), 'x'), errCodecChecksum},
		{"garbage before checksum", seal(append(unseal(valid), 'x')), errCodecTrailing},
		{"status 1000", seal(payload(uv(0), uv(1000), uv(0), uv(0), uv(0))), errCodecField},
		{"huge ETag length", seal(payload(uv(0), uv(200), huge)), errCodecShort},
		{"huge header count", seal(payload(uv(0), uv(200), uv(0), huge)), errCodecField},
		{"huge value count", seal(payload(uv(0), uv(200), uv(0), uv(1), uv(1), []byte("A"), huge)), errCodecField},
		{"huge value length", seal(payload(uv(0), uv(200), uv(0), uv(1), uv(1), []byte("A"), uv(1), huge)), errCodecShort},
		{"huge body length", seal(payload(uv(0), uv(200), uv(0), uv(0), huge)), errCodecShort},
		{"body length one too many", seal(payload(uv(0), uv(200), uv(0), uv(0), uv(3), []byte("ab"))), errCodecShort},
		{"varint overflow", seal(payload(bytes.Repeat([]byte{0xff}, 11), uv(200), uv(0), uv(0), uv(0))), errCodecShort},
		{"StoredAt missing", seal(payload(uv(flagStoredAt))), errCodecShort},
		{"nanoseconds past a second", seal(payload(uv(flagStoredAt), binary.AppendVarint(nil, 0), uv(1e9), uv(200), uv(0), uv(0), uv(0))), errCodecField},
		{"Lifetime flag with zero", seal(payload(uv(flagLifetime), uv(0), uv(200), uv(0), uv(0), uv(0))), errCodecField},
		{"Lifetime past MaxInt64", seal(payload(uv(flagLifetime), uv(math.MaxInt64+1), uv(200), uv(0), uv(0), uv(0))), errCodecField},
		{"Lifetime missing", seal(payload(uv(flagLifetime))), errCodecShort},
		{"Codings flag, none", seal(payload(uv(flagCodings), uv(200), uv(0), uv(0), uv(0), uv(0))), errCodecField},
		{"Codings missing", seal(payload(uv(flagCodings), uv(200), uv(0), uv(0), uv(0))), errCodecShort},
		{"coding without a name", seal(payload(uv(flagCodings), uv(200), uv(0), uv(0), uv(0), uv(1), uv(0), uv(0), uv(0), uv(0))), errCodecField},
		{"coding size not its body's", seal(payload(uv(flagCodings), uv(200), uv(0), uv(0), uv(0), uv(1), uv(2), []byte("br"), uv(0), uv(3), uv(2), []byte("ab"))), errCodecField},
		{"huge coding count", seal(payload(uv(flagCodings), uv(200), uv(0), uv(0), uv(0), huge)), errCodecField},
		{"huge coding size", seal(payload(uv(flagCodings), uv(200), uv(0), uv(0), uv(0), uv(1), uv(2), []byte("br"), uv(0), huge, uv(0))), errCodecField},
		{"coding body truncated", seal(payload(uv(flagCodings), uv(200), uv(0), uv(0), uv(0), uv(1), uv(2), []byte("br"), uv(0), uv(3), uv(3), []byte("ab"))), errCodecShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { mustReject(t, tt.data, tt.want) })
	}
}

func TestEntryUnmarshalHandBuilt(t *testing.T) {
	// The smallest valid encodings, built from the documented format, so
	// the tests above that craft bytes by hand are known to start from a
	// decodable base.
	tests := []struct {
		name string
		data []byte
		want *Entry
	}{
		{"empty 204", seal(payload(uv(0), uv(204), uv(0), uv(0), uv(0))), &Entry{Status: 204}},
		{"one header", seal(payload(uv(0), uv(200), uv(0), uv(1), uv(1), []byte("A"), uv(1), uv(1), []byte("b"), uv(2), []byte("hi"))),
			&Entry{Status: 200, Header: http.Header{"A": {"b"}}, Body: []byte("hi")}},
		{"StoredAt -1ns", seal(payload(uv(flagStoredAt), binary.AppendVarint(nil, -1), uv(999999999), uv(200), uv(0), uv(0), uv(0))),
			&Entry{Status: 200, StoredAt: time.Unix(0, -1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Entry
			if err := got.UnmarshalBinary(tt.data); err != nil {
				t.Fatalf("UnmarshalBinary: %v; want nil", err)
			}
			if d := diffEntry(&got, tt.want); d != "" {
				t.Error(d)
			}
			if re := mustMarshal(t, &got); !bytes.Equal(re, tt.data) {
				t.Errorf("re-encoding = %q; want the input %q", re, tt.data)
			}
		})
	}
}

func TestEntryUnmarshalTruncated(t *testing.T) {
	valid := mustMarshal(t, fullEntry())
	for n := range len(valid) {
		t.Run(strconv.Itoa(n), func(t *testing.T) { mustReject(t, valid[:n], nil) })
	}
}

func TestEntryUnmarshalByteFlips(t *testing.T) {
	// CRC-32C catches every error confined to 32 consecutive bits, so no
	// change to a single byte may decode.
	valid := mustMarshal(t, fullEntry())
	for i := range valid {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			t.Run(fmt.Sprintf("byte%d^%#02x", i, mask), func(t *testing.T) {
				data := slices.Clone(valid)
				data[i] ^= mask
				mustReject(t, data, nil)
			})
		}
	}
}

func TestEntryUnmarshalDoesNotRetainInput(t *testing.T) {
	data := mustMarshal(t, fullEntry())
	var e Entry
	if err := e.UnmarshalBinary(data); err != nil {
		t.Fatalf("UnmarshalBinary: %v", err)
	}
	clear(data)
	if d := diffEntry(&e, fullEntry()); d != "" {
		t.Errorf("after the input was overwritten: %s", d)
	}
}

func TestEntryHeaderValuesHaveNoSpareCapacity(t *testing.T) {
	// Decoded values share one backing array. A middleware that appends to
	// one field must get a copy, not write into the next field's values.
	e := roundTrip(t, fullEntry())
	for k, vs := range e.Header {
		if cap(vs) != len(vs) {
			t.Errorf("cap(Header[%q]) = %d; want len = %d", k, cap(vs), len(vs))
		}
	}
	snapshot := e.Header.Clone()
	grown := make(http.Header, len(e.Header))
	for k, vs := range e.Header {
		grown[k] = append(vs, "appended")
	}
	if d := diffEntry(e, &Entry{
		Status: e.Status, Header: snapshot, Body: e.Body, ETag: e.ETag,
		LastModified: e.LastModified, StoredAt: e.StoredAt,
	}); d != "" {
		t.Errorf("appending to decoded header values changed the entry: %s", d)
	}
}

func TestEntryCodecLimits(t *testing.T) {
	// What MarshalBinary accepts, UnmarshalBinary must give back: a store
	// would otherwise turn such an entry into a permanent miss, or worse,
	// into a different page.
	tests := []struct {
		name string
		e    *Entry
	}{
		{"status 1000", &Entry{Status: 1000}},
		{"LastModified in 1600", &Entry{Status: 200, LastModified: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"StoredAt in 2300", &Entry{Status: 200, StoredAt: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.e.MarshalBinary()
			if err != nil {
				return // refusing is fine
			}
			var got Entry
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatalf("MarshalBinary accepted the entry but UnmarshalBinary = %v", err)
			}
			if d := diffEntry(&got, tt.e); d != "" {
				t.Errorf("MarshalBinary accepted the entry but it decodes differently: %s", d)
			}
		})
	}
}

func benchEntry(size int) *Entry {
	e := fullEntry()
	e.Body = bytes.Repeat([]byte("x"), size)
	e.Header.Set("Content-Length", strconv.Itoa(size))
	return e
}

func BenchmarkEntryMarshal(b *testing.B) {
	for _, size := range []int{1 << 10, 32 << 10} {
		b.Run(strconv.Itoa(size>>10)+"KiB", func(b *testing.B) {
			e := benchEntry(size)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := e.MarshalBinary(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEntryUnmarshal(b *testing.B) {
	for _, size := range []int{1 << 10, 32 << 10} {
		b.Run(strconv.Itoa(size>>10)+"KiB", func(b *testing.B) {
			data := mustMarshal(b, benchEntry(size))
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				var e Entry
				if err := e.UnmarshalBinary(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzEntryUnmarshalBinary checks that no input makes the decoder panic, and
// that whatever it accepts re-encodes to an entry that decodes the same
// (versioned entries: an entry is read back exactly or not at all). The
// fuzzer's input is tried as it is and with a valid checksum appended, so
// that mutations reach the field parsing behind the checksum.
func FuzzEntryUnmarshalBinary(f *testing.F) {
	for _, e := range []*Entry{fullEntry(), {}, {Status: 204}, benchEntry(100)} {
		f.Add(unseal(mustMarshal(f, e)))
	}
	f.Add([]byte{})
	f.Add([]byte("GCE\x02\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, seal(data)} {
			in = slices.Clone(in) // scribbled over below
			sentinel := Entry{Status: 599, ETag: `"sentinel"`}
			e := sentinel
			err := e.UnmarshalBinary(in)
			fromString, err2 := DecodeEntry(string(in))
			if (err == nil) != (err2 == nil) {
				t.Fatalf("UnmarshalBinary = %v but DecodeEntry = %v for %q", err, err2, in)
			}
			if err != nil {
				// Never a partly filled entry.
				if d := diffEntry(&e, &sentinel); d != "" {
					t.Fatalf("UnmarshalBinary(%q) = %v and changed the entry: %s", in, err, d)
				}
				if fromString != nil {
					t.Fatalf("DecodeEntry(%q) = %+v, %v; want nil with the error", in, fromString, err2)
				}
				continue
			}
			if d := diffEntry(fromString, &e); d != "" {
				t.Errorf("DecodeEntry differs from UnmarshalBinary for %q: %s", in, d)
			}
			enc := mustMarshal(t, &e)
			again := roundTrip(t, &e)
			if d := diffEntry(again, &e); d != "" {
				t.Errorf("decode(encode(decode(%q))): %s", in, d)
			}
			// Equal entries encode to equal bytes: the encoding is canonical.
			if enc2 := mustMarshal(t, again); !bytes.Equal(enc2, enc) {
				t.Errorf("encode(decode(encode(e))) = %q; want encode(e) = %q", enc2, enc)
			}
			for k, vs := range e.Header {
				if cap(vs) != len(vs) {
					t.Errorf("cap(Header[%q]) = %d; want len = %d", k, cap(vs), len(vs))
				}
			}
			// UnmarshalBinary retains nothing of its input.
			for i := range in {
				in[i] ^= 0xff
			}
			if enc2 := mustMarshal(t, &e); !bytes.Equal(enc2, enc) {
				t.Errorf("entry decoded from %q changed when its input was overwritten", data)
			}
		}
	})
}

// fuzzHeader builds a header from s: one field a line, "name:value" with
// values separated by NUL; a line without ':' is a field with no values.
func fuzzHeader(s string) http.Header {
	h := http.Header{}
	for line := range strings.SplitSeq(s, "\n") {
		name, vals, ok := strings.Cut(line, ":")
		if !ok {
			h[name] = []string{}
			continue
		}
		h[name] = strings.Split(vals, "\x00")
	}
	return h
}

// FuzzEntryRoundTrip checks decode(encode(e)) == e for every entry the
// encoder accepts — any status from 0 to 999, header names, values and counts,
// body, ETag, and both times at any second and nanosecond, zero or not — and
// that equal entries encode to equal bytes (versioned entries).
func FuzzEntryRoundTrip(f *testing.F) {
	f.Add(200, `"abc"`, []byte("<h1>hello</h1>"), "Content-Type:text/html\nVary:Accept-Encoding\x00Accept", int64(1795521600), int64(123456789), int64(1795521540), int64(0), uint8(0))
	f.Add(0, "", []byte(nil), "", int64(0), int64(0), int64(0), int64(0), uint8(15))
	f.Add(999, `W/"x"`, []byte{0, 1, 2}, "X-Empty\n:\n\x00:\x00", int64(-1), int64(999999999), int64(-62135596800), int64(0), uint8(0))
	f.Add(1000, "", []byte{}, "", int64(math.MaxInt64), int64(-1), int64(math.MinInt64), int64(1e9), uint8(0))
	f.Fuzz(func(t *testing.T, status int, etag string, body []byte, header string, storedSec, storedNsec, lmSec, lmNsec int64, zero uint8) {
		e := &Entry{
			Status:       status,
			Header:       fuzzHeader(header),
			Body:         body,
			ETag:         etag,
			StoredAt:     time.Unix(storedSec, storedNsec),
			LastModified: time.Unix(lmSec, lmNsec),
		}
		if zero&1 != 0 {
			e.StoredAt = time.Time{}
		}
		if zero&2 != 0 {
			e.LastModified = time.Time{}
		}
		if zero&4 != 0 {
			e.Header = nil
		}
		if zero&8 != 0 {
			e.Body = nil
		}
		if zero&16 != 0 { // a handler's lifetime (StoreFor), from a seed's spare bits
			e.Lifetime = time.Duration(storedNsec & math.MaxInt64)
		}
		b, err := e.MarshalBinary()
		if err != nil {
			if status >= 0 && status <= 999 {
				t.Fatalf("MarshalBinary: %v; want nil for status %d", err, status)
			}
			return
		}
		if status < 0 || status > 999 {
			t.Fatalf("MarshalBinary with status %d: nil error; want one", status)
		}
		var got Entry
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("UnmarshalBinary(MarshalBinary(e)): %v; want nil", err)
		}
		if d := diffEntry(&got, e); d != "" {
			t.Error(d)
		}
		fromString, err := DecodeEntry(string(b))
		if err != nil {
			t.Fatalf("DecodeEntry(MarshalBinary(e)): %v; want nil", err)
		}
		if d := diffEntry(fromString, e); d != "" {
			t.Errorf("DecodeEntry: %s", d)
		}
		if b2 := mustMarshal(t, &got); !bytes.Equal(b2, b) {
			t.Errorf("encode(decode(encode(e))) = %q; want encode(e) = %q", b2, b)
		}
	})
}

// DecodeEntry reads the same bytes as UnmarshalBinary, from a string.
func TestDecodeEntry(t *testing.T) {
	want := fullEntry()
	b := mustMarshal(t, want)
	got, err := DecodeEntry(string(b))
	if err != nil {
		t.Fatalf("DecodeEntry: %v", err)
	}
	if d := diffEntry(got, want); d != "" {
		t.Error(d)
	}
	for i := range len(b) { // every truncation is refused, as by UnmarshalBinary
		if _, err := DecodeEntry(string(b[:i])); err == nil {
			t.Fatalf("DecodeEntry(first %d bytes) = nil error; want one", i)
		}
	}
}

// An entry decoded from a Redis reply holds its own bytes and not the reply:
// tiered's local tier keeps decoded entries, and each would otherwise hold
// its body twice, once in the reply its header strings point into.
func TestDecodeEntryRetainsOnlyItself(t *testing.T) {
	const n = 64
	e := fullEntry()
	e.Body = bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	enc := mustMarshal(t, e)
	tests := []struct {
		name   string
		decode func(reply []byte) *Entry
	}{
		{"DecodeEntry", func(reply []byte) *Entry {
			got, err := DecodeEntry(string(reply))
			if err != nil {
				t.Fatalf("DecodeEntry: %v", err)
			}
			return got
		}},
		{"UnmarshalBinary", func(reply []byte) *Entry {
			var got Entry
			if err := got.UnmarshalBinary(slices.Clone(reply)); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			return &got
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept := make([]*Entry, n)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for i := range kept {
				kept[i] = tt.decode(enc) // a new reply each time, dropped at once
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			// An entry weighs its encoding, give or take its map and
			// slices; holding the reply too would double that.
			limit := int64(n) * int64(len(enc)) * 5 / 4
			if grew > limit {
				t.Errorf("heap grew %d bytes for %d entries of %d encoded bytes; want at most %d (each holds its reply?)", grew, n, len(enc), limit)
			}
			for _, got := range kept {
				if d := diffEntry(got, e); d != "" {
					t.Fatal(d)
				}
			}
			runtime.KeepAlive(kept)
		})
	}
}

// Body is the reply's memory (DecodeEntry aliases it), so it has no spare
// capacity: an append copies it instead of writing into the reply, and so
// into whatever follows Body there. Nothing writes into Body itself — it is
// a Go string's memory, immutable like any stored entry.
func TestDecodedBodyAppendCopies(t *testing.T) {
	got, err := DecodeEntry(string(mustMarshal(t, fullEntry())))
	if err != nil {
		t.Fatalf("DecodeEntry: %v", err)
	}
	if cap(got.Body) != len(got.Body) {
		t.Fatalf("Body has len %d, cap %d; an append would write into the reply", len(got.Body), cap(got.Body))
	}
}

// BenchmarkDecodeEntry is the decode of a Redis hit: from the reply string.
func BenchmarkDecodeEntry(b *testing.B) {
	for _, size := range []int{1 << 10, 32 << 10} {
		b.Run(strconv.Itoa(size>>10)+"KiB", func(b *testing.B) {
			reply := string(mustMarshal(b, benchEntry(size)))
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := DecodeEntry(reply); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// decodeCases are entries of each shape DecodeEntry allocates differently
// for: no header, a header that fits in a decoded entry's own room, codings,
// and a header too big for it (decoded.go).
func decodeCases() []struct {
	name string
	e    *Entry
} {
	big := fullEntry()
	for i := range 2 * decodedFields {
		big.Header["X-Field-"+strconv.Itoa(i)] = []string{"v" + strconv.Itoa(i)}
	}
	coded := fullEntry()
	coded.Codings = []Coding{
		{Name: "br", ETag: `"abc123-br"`, Size: 8, Body: []byte("br bytes")},
		{Name: "identity", ETag: `"abc123-id"`, Size: 40},
	}
	return []struct {
		name string
		e    *Entry
	}{
		{"no header", &Entry{Status: 204, ETag: `"e"`, Body: []byte("x")}},
		{"small header", fullEntry()},
		{"codings", coded},
		{"big header", big},
	}
}

// inString reports whether the n bytes at p lie within s's memory.
func inString(s string, p unsafe.Pointer, n int) bool {
	lo := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return uintptr(p) >= lo && uintptr(p)+uintptr(n) <= lo+uintptr(len(s))
}

// DecodeEntry copies nothing: every string and byte slice of the entry is a
// view of the reply (the aliasing its doc comment argues is safe), the body
// with no spare capacity, and the entry is the one UnmarshalBinary gives.
func TestDecodeEntryAliasesInput(t *testing.T) {
	for _, tt := range decodeCases() {
		t.Run(tt.name, func(t *testing.T) {
			s := string(mustMarshal(t, tt.e))
			got, err := DecodeEntry(s)
			if err != nil {
				t.Fatalf("DecodeEntry: %v", err)
			}
			var want Entry
			if err := want.UnmarshalBinary([]byte(s)); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			if d := diffEntry(got, &want); d != "" {
				t.Errorf("DecodeEntry differs from UnmarshalBinary: %s", d)
			}
			view := func(what string, p unsafe.Pointer, n int) {
				t.Helper()
				if n > 0 && !inString(s, p, n) {
					t.Errorf("%s is a copy; want a view of the input", what)
				}
			}
			view("ETag", unsafe.Pointer(unsafe.StringData(got.ETag)), len(got.ETag))
			view("Body", unsafe.Pointer(unsafe.SliceData(got.Body)), len(got.Body))
			if cap(got.Body) != len(got.Body) {
				t.Errorf("cap(Body) = %d; want len = %d, so an append copies", cap(got.Body), len(got.Body))
			}
			for k, vs := range got.Header {
				view("header name "+k, unsafe.Pointer(unsafe.StringData(k)), len(k))
				for _, v := range vs {
					view("a value of "+k, unsafe.Pointer(unsafe.StringData(v)), len(v))
				}
			}
			for _, c := range got.Codings {
				view("coding "+c.Name, unsafe.Pointer(unsafe.StringData(c.Name)), len(c.Name))
				view("coding ETag "+c.ETag, unsafe.Pointer(unsafe.StringData(c.ETag)), len(c.ETag))
				view("coding body "+c.Name, unsafe.Pointer(unsafe.SliceData(c.Body)), len(c.Body))
				if cap(c.Body) != len(c.Body) {
					t.Errorf("cap(coding %s body) = %d; want len = %d", c.Name, cap(c.Body), len(c.Body))
				}
			}
		})
	}
}

// UnmarshalBinary keeps copying, whatever DecodeEntry does: its caller may
// reuse data, and the entry decoded from it must not change when it does.
func TestUnmarshalBinaryCopiesInput(t *testing.T) {
	for _, tt := range decodeCases() {
		t.Run(tt.name, func(t *testing.T) {
			data := mustMarshal(t, tt.e)
			var got Entry
			if err := got.UnmarshalBinary(data); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			for i := range data {
				data[i] = 0xa5
			}
			if d := diffEntry(&got, tt.e); d != "" {
				t.Errorf("after the input was overwritten: %s", d)
			}
			if got.prepared() != nil {
				t.Error("UnmarshalBinary's entry has a prepared form; only DecodeEntry's, for a hit, has one")
			}
		})
	}
}

// A corrupt or truncated reply is still a miss: DecodeEntry returns an
// error and no entry, never a panic, for every truncation and every changed
// byte (CRC-32C catches any error confined to 32 consecutive bits).
func TestDecodeEntryRejects(t *testing.T) {
	for _, tt := range decodeCases() {
		t.Run(tt.name, func(t *testing.T) {
			valid := mustMarshal(t, tt.e)
			reject := func(what string, s string) {
				t.Helper()
				if e, err := DecodeEntry(s); err == nil || e != nil {
					t.Fatalf("DecodeEntry(%s) = %v, %v; want nil and an error", what, e, err)
				}
			}
			for n := range len(valid) {
				reject(fmt.Sprintf("first %d bytes", n), string(valid[:n]))
			}
			for i := range valid {
				data := slices.Clone(valid)
				data[i] ^= 0xff
				reject(fmt.Sprintf("byte %d flipped", i), string(data))
			}
			reject("trailing byte", string(seal(append(unseal(valid), 0))))
		})
	}
}
