package tiered

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gincache/gincache"
)

// TestCarryTags: what withTags stores, takeTags reads back — the entry as
// it was and its tags — without touching either entry it is given; a field
// of another version, or none, is unknown tags.
func TestCarryTags(t *testing.T) {
	orig := func() *gincache.Entry {
		return &gincache.Entry{Status: 200, Header: http.Header{"Content-Type": {"text/plain"}}, Body: []byte("x")}
	}
	tests := []struct {
		name      string
		stored    func() *gincache.Entry
		wantTags  []string
		wantKnown bool
	}{
		{"tagged", func() *gincache.Entry { return withTags(orig(), []string{"path:a", "user:1"}) }, []string{"path:a", "user:1"}, true},
		{"untagged", func() *gincache.Entry { return withTags(orig(), nil) }, []string{}, true},
		{"noField", orig, nil, false},
		{"otherVersion", func() *gincache.Entry {
			e := orig()
			e.Header[tagsField] = []string{"2", "user:1"}
			return e
		}, nil, false},
		{"emptyField", func() *gincache.Entry {
			e := orig()
			e.Header[tagsField] = nil
			return e
		}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := tt.stored()
			before := stored.Header.Clone()
			got, tags, known := takeTags(stored)
			if known != tt.wantKnown || !slices.Equal(tags, tt.wantTags) {
				t.Errorf("takeTags: tags %q, known %v; want %q, %v", tags, known, tt.wantTags, tt.wantKnown)
			}
			if _, ok := got.Header[tagsField]; ok {
				t.Errorf("the entry returned still carries %q", tagsField)
			}
			if want := orig(); !reflect.DeepEqual(got.Header, want.Header) || string(got.Body) != "x" || got.Status != 200 {
				t.Errorf("the entry returned = %+v; want %+v", got, want)
			}
			if !reflect.DeepEqual(stored.Header, before) {
				t.Errorf("takeTags modified the stored entry's header: %v; was %v", stored.Header, before)
			}
		})
	}
	e := orig()
	withTags(e, []string{"t"})
	if _, ok := e.Header[tagsField]; ok {
		t.Errorf("withTags modified the entry it was given")
	}
}

// TestCarryFieldInvalid: the field's name is no valid HTTP field name, so
// net/http would never send it, and no handler's header can be it.
func TestCarryFieldInvalid(t *testing.T) {
	h := http.Header{tagsField: {"1", "user:42"}, "X-Ok": {"1"}}
	var b strings.Builder
	if err := h.Write(&b); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "X-Ok: 1\r\n" {
		t.Errorf("net/http writes %q; want the tags field dropped", got)
	}
	if http.CanonicalHeaderKey(tagsField) != tagsField {
		t.Errorf("CanonicalHeaderKey(%q) = %q; want it unchanged", tagsField, http.CanonicalHeaderKey(tagsField))
	}
}
