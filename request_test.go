package gincache

import (
	"net/http"
	"reflect"
	"testing"
)

func TestParseRequestDirectives(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   reqFlags
	}{
		{name: "no header", header: http.Header{}},
		{name: "no-cache", header: http.Header{"Cache-Control": {"no-cache"}}, want: reqFlags{noCache: true}},                  // RFC 9111 §5.2.1.4
		{name: "no-store", header: http.Header{"Cache-Control": {"no-store"}}, want: reqFlags{noStore: true}},                  // RFC 9111 §5.2.1.5
		{name: "only-if-cached", header: http.Header{"Cache-Control": {"only-if-cached"}}, want: reqFlags{onlyIfCached: true}}, // RFC 9111 §5.2.1.7
		{
			name:   "all three",
			header: http.Header{"Cache-Control": {"no-cache, no-store, only-if-cached"}},
			want:   reqFlags{noCache: true, noStore: true, onlyIfCached: true},
		},
		{
			name:   "names are case-insensitive",
			header: http.Header{"Cache-Control": {"No-Cache, NO-STORE, Only-If-Cached"}},
			want:   reqFlags{noCache: true, noStore: true, onlyIfCached: true},
		},
		{name: "argument form", header: http.Header{"Cache-Control": {`no-cache="Set-Cookie"`}}, want: reqFlags{noCache: true}},
		{name: "token argument", header: http.Header{"Cache-Control": {"no-store=1"}}, want: reqFlags{noStore: true}},
		{
			name:   "odd spacing",
			header: http.Header{"Cache-Control": {"  no-cache ,\tno-store\t,only-if-cached  "}},
			want:   reqFlags{noCache: true, noStore: true, onlyIfCached: true},
		},
		{name: "empty members", header: http.Header{"Cache-Control": {", ,no-store,,"}}, want: reqFlags{noStore: true}},
		{
			name:   "multiple lines",
			header: http.Header{"Cache-Control": {"max-age=0", "no-cache", "only-if-cached"}},
			want:   reqFlags{noCache: true, onlyIfCached: true},
		},
		{
			name:   "unknown directives ignored",
			header: http.Header{"Cache-Control": {"max-stale=10, min-fresh=5, no-transform, foo=bar, stale-if-error=60"}},
		},
		{name: "lookalike names ignored", header: http.Header{"Cache-Control": {"no-cachex, xno-store, no_cache, no cache, only-if"}}},
		{name: "max-age=0 is not no-cache", header: http.Header{"Cache-Control": {"max-age=0"}}},
		{name: "empty Cache-Control", header: http.Header{"Cache-Control": {""}}},
		{
			name:   "directive after a quoted argument",
			header: http.Header{"Cache-Control": {`foo="bar", no-store`}},
			want:   reqFlags{noStore: true},
		},
		{
			name:   "directive name inside a quoted argument",
			header: http.Header{"Cache-Control": {`foo="a,no-store,b"`}},
		},

		// RFC 9111 §5.2.1.4, RFC 9111 §5.4: Pragma counts only without Cache-Control.
		{name: "Pragma no-cache", header: http.Header{"Pragma": {"no-cache"}}, want: reqFlags{noCache: true}},
		{name: "Pragma case-insensitive", header: http.Header{"Pragma": {"No-Cache"}}, want: reqFlags{noCache: true}},
		{name: "Pragma in a list", header: http.Header{"Pragma": {"foo, no-cache"}}, want: reqFlags{noCache: true}},
		{name: "Pragma on a second line", header: http.Header{"Pragma": {"foo", " no-cache "}}, want: reqFlags{noCache: true}},
		{name: "Pragma other token", header: http.Header{"Pragma": {"foo"}}},
		{name: "Pragma no-store is not a pragma", header: http.Header{"Pragma": {"no-store, only-if-cached"}}},
		{
			name:   "Pragma ignored beside Cache-Control",
			header: http.Header{"Cache-Control": {"max-age=0"}, "Pragma": {"no-cache"}},
		},
		{
			name:   "Pragma ignored beside empty Cache-Control",
			header: http.Header{"Cache-Control": {""}, "Pragma": {"no-cache"}},
		},
		{
			name:   "Cache-Control read beside Pragma",
			header: http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}},
			want:   reqFlags{noStore: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := flagsOf(parseRequestDirectives(tt.header)); got != tt.want {
				t.Errorf("parseRequestDirectives(%q) = %+v; want %+v", tt.header, got, tt.want)
			}
		})
	}
}

// reqFlags are the three directives requestDirectives acts on itself,
// comparable with ==.
type reqFlags struct{ noCache, noStore, onlyIfCached bool }

func flagsOf(d requestDirectives) reqFlags {
	return reqFlags{noCache: d.noCache, noStore: d.noStore, onlyIfCached: d.onlyIfCached}
}

// commasOutsideQuotes returns the offsets of the commas in s that separate
// list members: those outside quoted-strings (RFC 9110 §5.6.4).
func commasOutsideQuotes(s string) []int {
	var at []int
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			at = append(at, i)
		}
	}
	return at
}

func FuzzRequestDirectives(f *testing.F) {
	f.Add("no-cache", "")
	f.Add(`no-cache="Set-Cookie", max-age=0`, "no-cache")
	f.Add("NO-STORE,,only-if-cached", "")
	f.Add(`foo="a,b", no-store`, "")
	f.Add(`foo="a\",no-cache"`, "")
	f.Add("", "no-cache")
	f.Add(",", "foo, no-cache")
	f.Fuzz(func(t *testing.T, cc, pragma string) {
		whole := parseRequestDirectives(http.Header{"Cache-Control": {cc}})

		// Splitting the field into two lines at a member boundary changes nothing.
		for _, i := range commasOutsideQuotes(cc) {
			lines := []string{cc[:i], cc[i+1:]}
			if got := parseRequestDirectives(http.Header{"Cache-Control": lines}); !reflect.DeepEqual(got, whole) {
				t.Fatalf("parseRequestDirectives(Cache-Control %q) = %+v; split as %q: got %+v; want the same",
					cc, whole, lines, got)
			}
		}

		// RFC 9111 §5.4: with Cache-Control present, Pragma changes nothing.
		if got := parseRequestDirectives(http.Header{"Cache-Control": {cc}, "Pragma": {pragma}}); !reflect.DeepEqual(got, whole) {
			t.Fatalf("parseRequestDirectives(Cache-Control %q, Pragma %q) = %+v; want %+v, as without Pragma", cc, pragma, got, whole)
		}

		// Without Cache-Control, Pragma sets no-cache at most, also when split.
		p := parseRequestDirectives(http.Header{"Pragma": {pragma}})
		if p.noStore || p.onlyIfCached {
			t.Fatalf("parseRequestDirectives(Pragma %q) = %+v; want no-cache at most", pragma, p)
		}
		for _, i := range commasOutsideQuotes(pragma) {
			lines := []string{pragma[:i], pragma[i+1:]}
			if got := parseRequestDirectives(http.Header{"Pragma": lines}); !reflect.DeepEqual(got, p) {
				t.Fatalf("parseRequestDirectives(Pragma %q) = %+v; split as %q: got %+v; want the same", pragma, p, lines, got)
			}
		}
	})
}
