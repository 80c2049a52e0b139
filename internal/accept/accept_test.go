package accept

import (
	"strings"
	"testing"
)

var offered = []string{"br", "zstd", "gzip"}

func TestChoose(t *testing.T) {
	tests := []struct {
		name  string
		lines []string // field lines; nil: no Accept-Encoding
		want  string   // "" is identity
	}{
		{"no header: identity", nil, ""},
		{"empty header: identity (RFC 9110 §12.5.3)", []string{""}, ""},
		{"Chrome", []string{"gzip, deflate, br, zstd"}, "br"},
		{"curl --compressed", []string{"deflate, gzip, br, zstd"}, "br"},
		{"gzip only", []string{"gzip"}, "gzip"},
		{"x-gzip is gzip (RFC 9110 §8.4.1.3)", []string{"x-gzip"}, "gzip"},
		{"case-insensitive", []string{"GZip, BR"}, "br"},
		{"tie goes to the server's order", []string{"gzip;q=0.8, zstd;q=0.8"}, "zstd"},
		{"q-values respected", []string{"br;q=0.5, gzip"}, "gzip"},
		{"q with spaces", []string{"br ; q=0.5 , gzip ; q=0.6"}, "gzip"},
		{"Q upper case", []string{"br;Q=0.1, gzip"}, "gzip"},
		{"refused coding", []string{"br;q=0, gzip"}, "gzip"},
		{"all refused", []string{"br;q=0, gzip;q=0"}, ""},
		{"identity preferred", []string{"identity, gzip;q=0.5"}, ""},
		{"identity tie goes to the coding", []string{"identity;q=0.5, gzip;q=0.5"}, "gzip"},
		{"identity not named is the last resort", []string{"gzip;q=0.1"}, "gzip"},
		{"identity refused, nothing else: identity anyway", []string{"identity;q=0"}, ""},
		{"star", []string{"*"}, "br"},
		{"star refused", []string{"*;q=0"}, ""},
		{"star low, identity high", []string{"*;q=0.1, identity"}, ""},
		{"star with br refused", []string{"*, br;q=0"}, "zstd"},
		{"first mention counts", []string{"br;q=0, gzip, br"}, "gzip"},
		{"several field lines", []string{"gzip;q=0.5", "br;q=0.9"}, "br"},
		{"malformed q ignored", []string{"br;q=2, gzip;q=0.x, zstd"}, "zstd"},
		{"malformed q, nothing else", []string{"br;q=abc"}, ""},
		{"q too precise", []string{"br;q=0.5555, gzip;q=0.1"}, "gzip"},
		{"q=1.000", []string{"gzip;q=1.000"}, "gzip"},
		{"q=1.001 is malformed", []string{"gzip;q=1.001"}, ""},
		{"unknown codings only", []string{"deflate, compress"}, ""},
		{"empty members", []string{",, ,gzip,,"}, "gzip"},
		{"other parameters", []string{"gzip;level=9;q=0.4, br;q=0.3"}, "gzip"},
		{"many names", []string{"a,b,c,d,e,f,g,h,gzip"}, "gzip"},
		{"a thousand members", []string{strings.Repeat("a,", 1000) + "gzip"}, "gzip"},
		{"x-gzip and gzip: the first counts", []string{"x-gzip;q=0, gzip"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if i := Choose(tt.lines, offered); i >= 0 {
				got = offered[i]
			}
			if got != tt.want {
				t.Errorf("Choose(%q) = %q; want %q", tt.lines, got, tt.want)
			}
		})
	}
}

func TestAccepts(t *testing.T) {
	tests := []struct {
		lines  []string
		coding string
		want   bool
	}{
		{nil, "gzip", false}, // no field: only identity is sent (see Accepts)
		{nil, "identity", true},
		{[]string{""}, "gzip", false},
		{[]string{"gzip"}, "gzip", true},
		{[]string{"gzip"}, "identity", true},
		{[]string{"gzip;q=0"}, "gzip", false},
		{[]string{"*"}, "deflate", true},
		{[]string{"*;q=0"}, "identity", false},
		{[]string{"identity;q=0, *"}, "identity", false},
		{[]string{"x-gzip"}, "gzip", true},
		{[]string{"gzip"}, "x-gzip", true},
		{[]string{"br"}, "gzip", false},
	}
	for _, tt := range tests {
		if got := Accepts(tt.lines, tt.coding); got != tt.want {
			t.Errorf("Parse(%q).Accepts(%q) = %v; want %v", tt.lines, tt.coding, got, tt.want)
		}
	}
}

func TestChooseAllocatesNothing(t *testing.T) {
	lines := []string{"gzip, deflate, br, zstd"}
	if n := testing.AllocsPerRun(100, func() {
		_ = Choose(lines, offered)
	}); n != 0 {
		t.Errorf("Parse and Choose: %v allocations; want 0", n)
	}
}

// FuzzChoose checks, for any field value, that Choose never picks a coding
// the request refused, and picks one whenever identity is refused and a
// coding is acceptable.
func FuzzChoose(f *testing.F) {
	for _, s := range []string{"", "gzip", "gzip, deflate, br, zstd", "identity;q=0", "*;q=0, gzip;q=0.5",
		"br;q=0.5555", "x-gzip;q=1.0", "gzip;q=", ";q=1", "*, br;q=0", "GZIP ;\tQ=0.9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lines := []string{s}
		i := Choose(lines, offered)
		if i < -1 || i >= len(offered) {
			t.Fatalf("Choose(%q) = %d: out of range", s, i)
		}
		if i >= 0 && !Accepts(lines, offered[i]) {
			t.Fatalf("Choose(%q) = %s, which the request does not accept", s, offered[i])
		}
		if i == -1 && !Accepts(lines, "identity") {
			for _, c := range offered {
				if Accepts(lines, c) {
					t.Fatalf("Choose(%q) = identity, refused, while %s is acceptable", s, c)
				}
			}
		}
		if i >= 0 {
			for _, c := range offered[:i] { // an earlier coding, as acceptable, would have won the tie
				if Choose(lines, []string{c, offered[i]}) == 0 && Choose(lines, []string{offered[i], c}) == 1 {
					t.Fatalf("Choose(%q) = %s; %s weighs more", s, offered[i], c)
				}
			}
		}
	})
}

// TestCommonFieldsAsScanned: the fields recognised whole choose what the
// scan of the same field would.
func TestCommonFieldsAsScanned(t *testing.T) {
	offers := [][]string{{"br", "gzip"}, {"gzip"}, {"zstd", "gzip"}, {"br", "zstd", "gzip"}, {"deflate"}, {"x-gzip"}, {"exi"}}
	for _, f := range commonFields {
		for _, o := range offers {
			fast, scanned := Choose([]string{f.field}, o), Choose([]string{f.field + ","}, o)
			if fast != scanned {
				t.Errorf("Choose(%q, %q) = %d; the scan gives %d", f.field, o, fast, scanned)
			}
		}
	}
}
