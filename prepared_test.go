package gincache

import (
	"maps"
	"net/http"
	"slices"
	"testing"
)

// TestPrepared: an entry's prepared form holds every field of its Header and,
// for a 304, exactly the fields notModifiedCarries names; an Entry copied
// with another Header, grown after preparation, or never prepared has none,
// so its replay reads Header itself.
func TestPrepared(t *testing.T) {
	stored := func(etag string) *Entry {
		return &Entry{Status: 200, ETag: etag, Header: http.Header{
			"Content-Type":  {"text/plain"},
			"Cache-Control": {"public, max-age=60"},
			"Etag":          {etag},
			"Last-Modified": {"Mon, 02 Jan 2006 15:04:05 GMT"},
			"Date":          {"Mon, 02 Jan 2006 15:04:05 GMT"},
			"Vary":          {"Accept", "Accept-Language"},
		}}
	}
	tests := []struct {
		name    string
		etag    string
		want304 []string
	}{
		{"withETag", `"a"`, []string{"Cache-Control", "Date", "Etag", "Vary"}},
		{"lastModifiedOnly", "", []string{"Cache-Control", "Date", "Etag", "Last-Modified", "Vary"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := stored(tt.etag)
			e.prepare()
			p := preparedAsHeader(t, e)
			if got := fieldNames(p.fields[:p.nm]); !slices.Equal(got, tt.want304) {
				t.Errorf("304 fields %q; want %q", got, tt.want304)
			}
			if !p.cc {
				t.Error("cc = false; the Header has Cache-Control")
			}
		})
	}

	t.Run("copiedWithAnotherHeader", func(t *testing.T) {
		e := stored(`"a"`)
		e.prepare()
		c := *e
		c.Header = e.Header.Clone()
		if c.prepared() != nil {
			t.Error("a copy with another Header kept the prepared form")
		}
		if e.prepared() == nil {
			t.Error("the original lost its prepared form")
		}
	})
	t.Run("copiedThenPrepared", func(t *testing.T) { // what tiered does with a filled copy
		e := stored(`"a"`)
		e.prepare()
		c := *e
		c.Header = e.Header.Clone()
		delete(c.Header, "Vary")
		c.Prepare()
		preparedAsHeader(t, &c)
		if e.prepared() == nil || len(e.prepared().fields) != len(e.Header) {
			t.Error("preparing the copy changed the original's prepared form")
		}
	})
	t.Run("grownAfterPrepare", func(t *testing.T) {
		e := stored(`"a"`)
		e.prepare()
		e.Header["X-Late"] = []string{"1"}
		if e.prepared() != nil {
			t.Error("a Header grown after prepare kept the prepared form")
		}
	})
	t.Run("neverPrepared", func(t *testing.T) {
		if stored(`"a"`).prepared() != nil {
			t.Error("an entry built elsewhere has a prepared form")
		}
	})
	t.Run("noHeader", func(t *testing.T) {
		e := &Entry{Status: 204}
		e.prepare()
		if e.prepared() != nil {
			t.Error("an entry without header fields has a prepared form")
		}
	})
}

// preparedAsHeader returns e's prepared form, checking that it holds every
// field of e's own Header with the same values.
func preparedAsHeader(t *testing.T, e *Entry) *prepared {
	t.Helper()
	p := e.prepared()
	if p == nil {
		t.Fatal("no prepared form after preparing")
	}
	if got, want := fieldNames(p.fields), slices.Sorted(maps.Keys(e.Header)); !slices.Equal(got, want) {
		t.Errorf("fields %q; want the Header's %q", got, want)
	}
	for _, f := range p.fields {
		if !slices.Equal(f.values, e.Header[f.name]) {
			t.Errorf("%s: %q; want %q", f.name, f.values, e.Header[f.name])
		}
	}
	return p
}

// fieldNames are the names of fs, sorted.
func fieldNames(fs []field) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.name)
	}
	slices.Sort(out)
	return out
}
