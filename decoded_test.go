package gincache

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"unsafe"
)

// headerOf has fields fields, the first nm of them ones a 304 carries, and
// values values in all (at least one a field).
func headerOf(fields, nm, values int) http.Header {
	carried := []string{"Cache-Control", "Content-Location", "Etag", "Expires", "Vary", "Date"}
	h := http.Header{}
	for i := range fields {
		k := "X-Field-" + strconv.Itoa(i)
		if i < nm {
			k = carried[i]
		}
		h[k] = []string{"v"}
	}
	for i := 0; values > fields; i, values = i+1, values-1 {
		k := "X-Field-" + strconv.Itoa(fields-1)
		if fields-1 < nm {
			k = carried[fields-1]
		}
		h[k] = append(h[k], "more"+strconv.Itoa(i))
	}
	return h
}

// coallocated reports whether e's prepared form lies in the decoded block
// that e starts.
func coallocated(e *Entry) bool {
	var d decoded
	return uintptr(unsafe.Pointer(e.hit))-uintptr(unsafe.Pointer(e)) == unsafe.Offsetof(d.hit)
}

// DecodeEntry puts the entry, its prepared form and the arrays behind both
// in one allocation when the header fits in decoded's room (fields,
// values), and still prepares one that does not, from
// arrays of its own; either way the prepared form is the one prepare makes
// for the same Header.
func TestDecodeEntryCoallocates(t *testing.T) {
	tests := []struct {
		name             string
		fields, nm, vals int
		wantCoallocated  bool
	}{
		{"one field", 1, 0, 1, true},
		{"a page's", 5, 2, 6, true},
		{"room exactly", decodedFields, 4, decodedValues, true},
		{"one field too many", decodedFields + 1, 4, decodedValues + 1, false},
		{"one value too many", decodedFields, 4, decodedValues + 1, false},
		{"many fields", 40, 5, 40, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := &Entry{Status: 200, ETag: `"e"`, Header: headerOf(tt.fields, tt.nm, tt.vals), Body: []byte("body")}
			got, err := DecodeEntry(string(mustMarshal(t, want)))
			if err != nil {
				t.Fatalf("DecodeEntry: %v", err)
			}
			if d := diffEntry(got, want); d != "" {
				t.Fatal(d)
			}
			if got.prepared() == nil {
				t.Fatal("prepared() = nil; want the form DecodeEntry made")
			}
			if c := coallocated(got); c != tt.wantCoallocated {
				t.Errorf("co-allocated = %v; want %v (%d fields, %d a 304 carries, %d values)", c, tt.wantCoallocated, tt.fields, tt.nm, tt.vals)
			}
			if n := len(got.hit.fields); n != tt.fields || got.hit.nm != tt.nm {
				t.Errorf("%d prepared fields, %d a 304's; want %d, %d", n, got.hit.nm, tt.fields, tt.nm)
			}
		})
	}
}

// A decoded entry's prepared form is what prepare makes for its Header:
// every field, the ones a 304 carries (which depend on the ETag), and
// whether there is a Cache-Control, with the Header's own value slices.
func TestDecodeEntryPrepared(t *testing.T) {
	base := fullEntry().Header
	withCC := base.Clone()
	withCC["Cache-Control"] = []string{"public, max-age=60"}
	withCC["Date"] = []string{"Mon, 23 Nov 2026 12:00:00 GMT"}
	withCC["Last-Modified"] = []string{"Mon, 23 Nov 2026 11:59:00 GMT"}
	tests := []struct {
		name string
		e    *Entry
	}{
		{"page", fullEntry()},
		{"Cache-Control, Date and an ETag", &Entry{Status: 200, ETag: `"a"`, Header: withCC}},
		{"Last-Modified the only validator", &Entry{Status: 200, Header: withCC}},
		{"a field without values", &Entry{Status: 200, Header: http.Header{"X-Empty": {}, "Vary": {"Accept"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeEntry(string(mustMarshal(t, tt.e)))
			if err != nil {
				t.Fatalf("DecodeEntry: %v", err)
			}
			p := got.prepared()
			if p == nil {
				t.Fatal("prepared() = nil; want a prepared form")
			}
			want := &Entry{ETag: got.ETag, Header: got.Header}
			want.prepare()
			wp := want.hit
			if g, w := fieldNames(p.fields), slices.Sorted(maps.Keys(got.Header)); !slices.Equal(g, w) {
				t.Errorf("fields %q; want %q", g, w)
			}
			if g, w := fieldNames(p.fields[:p.nm]), fieldNames(wp.fields[:wp.nm]); !slices.Equal(g, w) {
				t.Errorf("304 fields %q; want %q, as prepare makes", g, w)
			}
			if p.cc != wp.cc {
				t.Errorf("cc = %v; want %v", p.cc, wp.cc)
			}
			for _, f := range p.fields {
				vs := got.Header[f.name]
				if len(f.values) != len(vs) || len(vs) > 0 && &f.values[0] != &vs[0] {
					t.Errorf("%s: values %q are not Header's %q", f.name, f.values, vs)
				}
			}
		})
	}
}

// An entry without a header, or with a name twice (which MarshalBinary
// never writes, but a checksum does not rule out), has no prepared form: a
// replay iterates Header, as for any entry without one.
func TestDecodeEntryUnprepared(t *testing.T) {
	field := func(k, v string) []byte {
		return slices.Concat(uv(uint64(len(k))), []byte(k), uv(1), uv(uint64(len(v))), []byte(v))
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"no header", mustMarshal(t, &Entry{Status: 204})},
		{"a name twice", seal(payload(uv(0), uv(200), uv(0), uv(2), field("A", "1"), field("A", "2"), uv(0)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeEntry(string(tt.data))
			if err != nil {
				t.Fatalf("DecodeEntry: %v", err)
			}
			if got.prepared() != nil || got.hit != nil {
				t.Errorf("prepared form %+v; want none", got.hit)
			}
		})
	}
}

var headerSink http.Header

// A Redis hit's decode allocates the entry (with its prepared form and
// arrays, in one block when they fit), its Header map, and the Codings when
// there are some; nothing else, and no copy of the reply.
func TestDecodeEntryAllocs(t *testing.T) {
	mapAllocs := func(n int) int { // a Header of n fields, made as decode makes it
		keys := make([]string, n)
		for i := range keys {
			keys[i] = "K" + strconv.Itoa(i)
		}
		return int(testing.AllocsPerRun(100, func() {
			headerSink = make(http.Header, n)
			for _, k := range keys {
				headerSink[k] = nil
			}
		}))
	}
	cases := decodeCases()
	want := map[string]int{
		"no header":    1,
		"small header": 1 + mapAllocs(len(cases[1].e.Header)),
		"codings":      2 + mapAllocs(len(cases[2].e.Header)),
		"big header":   4 + mapAllocs(len(cases[3].e.Header)), // entry, prepared, fields, values
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			s := string(mustMarshal(t, tt.e))
			n := testing.AllocsPerRun(100, func() {
				if _, err := DecodeEntry(s); err != nil {
					t.Fatal(err)
				}
			})
			if int(n) != want[tt.name] {
				t.Errorf("%v allocations; want %d", n, want[tt.name])
			}
		})
	}
}
