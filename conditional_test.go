package gincache

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
)

func TestETagListMatch(t *testing.T) {
	tests := []struct {
		name      string
		lines     []string
		etag      string
		wantMatch bool
		wantValid bool
	}{
		{name: "single strong match", lines: []string{`"a"`}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "single strong mismatch", lines: []string{`"b"`}, etag: `"a"`, wantValid: true},
		{name: "prefix is not a match", lines: []string{`"ab"`}, etag: `"a"`, wantValid: true},
		{name: "empty opaque tag", lines: []string{`""`}, etag: `""`, wantMatch: true, wantValid: true},

		// RFC 9110 §8.8.3.2: the weak comparison, both ways.
		{name: "weak member matches strong etag", lines: []string{`W/"a"`}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "strong member matches weak etag", lines: []string{`"a"`}, etag: `W/"a"`, wantMatch: true, wantValid: true},
		{name: "weak member matches weak etag", lines: []string{`W/"a"`}, etag: `W/"a"`, wantMatch: true, wantValid: true},
		{name: "weak member mismatch", lines: []string{`W/"b"`}, etag: `"a"`, wantValid: true},

		// RFC 9110 §13.1.2: lists, any member matching.
		{name: "list with match last", lines: []string{`"x", W/"y" , "a"`}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "list with match first", lines: []string{`"a", "x"`}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "list without match", lines: []string{`"x", W/"y"`}, etag: `"a"`, wantValid: true},
		{name: "no spaces", lines: []string{`"x","a"`}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "tabs and spaces", lines: []string{" \t\"x\"\t ,\t \"a\" \t"}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "empty members", lines: []string{`, ,"a"`}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "trailing empty members", lines: []string{`"a",, ,`}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "only commas", lines: []string{` , ,`}, etag: `"a"`, wantValid: true},
		{name: "empty field", lines: []string{""}, etag: `"a"`, wantValid: true},
		{name: "match on second line", lines: []string{`"x"`, `"y", "a"`}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "match on first line", lines: []string{`W/"a"`, `"y"`}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "no match on any line", lines: []string{`"x"`, `"y"`}, etag: `"a"`, wantValid: true},
		{name: "star", lines: []string{"*"}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "star with spaces", lines: []string{" * "}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "star on second line", lines: []string{`"x"`, "*"}, etag: `"a"`, wantMatch: true, wantValid: true},
		{name: "star matches a representation without etag", lines: []string{"*"}, etag: "", wantMatch: true, wantValid: true},
		{name: "tag never matches a representation without etag", lines: []string{`"a"`}, etag: "", wantValid: true},

		// Commas and other etagc inside the quotes belong to the tag.
		{name: "comma inside tag matches whole", lines: []string{`"a,b"`}, etag: `"a,b"`, wantMatch: true, wantValid: true},
		{name: "comma inside tag is not a separator", lines: []string{`"a,b"`}, etag: `"a"`, wantValid: true},
		{name: "list does not match tag with comma", lines: []string{`"a", "b"`}, etag: `"a,b"`, wantValid: true},
		{name: "tag with comma in a list", lines: []string{`"x", "a,b", "y"`}, etag: `"a,b"`, wantMatch: true, wantValid: true},
		{name: "backslash is not an escape", lines: []string{`"a\"`}, etag: `"a\"`, wantMatch: true, wantValid: true},
		{name: "obs-text", lines: []string{"\"caf\xc3\xa9\""}, etag: "\"caf\xc3\xa9\"", wantMatch: true, wantValid: true},

		// RFC 9110 §13.1: malformed fields are reported invalid (and ignored by the caller).
		{name: "unquoted", lines: []string{"a"}, etag: `"a"`},
		{name: "unquoted equal to opaque tag", lines: []string{"a"}, etag: "a"},
		{name: "unquoted member in a list", lines: []string{`"a", b`}, etag: `"a"`},
		{name: "unterminated quote", lines: []string{`"a`}, etag: `"a"`},
		{name: "unterminated quote after a match", lines: []string{`"a", "b`}, etag: `"a"`},
		{name: "malformed line after a matching line", lines: []string{`"a"`, "b"}, etag: `"a"`},
		{name: "W/ without quote", lines: []string{"W/a"}, etag: `"a"`},
		{name: "W/ alone", lines: []string{"W/"}, etag: `"a"`},
		{name: "lower-case w/", lines: []string{`w/"a"`}, etag: `"a"`},
		{name: "space after W/", lines: []string{`W/ "a"`}, etag: `"a"`},
		{name: "garbage after a tag", lines: []string{`"a"x`}, etag: `"a"`},
		{name: "garbage after a space", lines: []string{`"a" x`}, etag: `"a"`},
		{name: "two tags without comma", lines: []string{`"a""b"`}, etag: `"a"`},
		{name: "parameter after a tag", lines: []string{`"a";q=1`}, etag: `"a"`},
		{name: "quote inside a tag", lines: []string{`"a"b"`}, etag: `"a"`},
		{name: "space inside a tag", lines: []string{`"a b"`}, etag: `"a b"`},
		{name: "star followed by garbage", lines: []string{"*x"}, etag: `"a"`},
		{name: "double star", lines: []string{"**"}, etag: `"a"`},
		{name: "NUL inside a tag", lines: []string{"\"a\x00\""}, etag: "\"a\x00\""},
		{name: "tab inside a tag", lines: []string{"\"a\tb\""}, etag: "\"a\tb\""},
		{name: "newline inside a tag", lines: []string{"\"a\nb\""}, etag: "\"a\nb\""},
		{name: "DEL inside a tag", lines: []string{"\"a\x7f\""}, etag: "\"a\x7f\""},
		{name: "control character before a tag", lines: []string{"\x01\"a\""}, etag: `"a"`},
		{name: "control character after a tag", lines: []string{"\"a\"\x01"}, etag: `"a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, valid := etagListMatch(tt.lines, tt.etag)
			if match != tt.wantMatch || valid != tt.wantValid {
				t.Errorf("etagListMatch(%q, %q) = (%v, %v); want (%v, %v)",
					tt.lines, tt.etag, match, valid, tt.wantMatch, tt.wantValid)
			}
		})
	}
}

func TestNotModified(t *testing.T) {
	lm := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) // a Monday
	imf := lm.Format(http.TimeFormat)
	if imf != "Mon, 23 Nov 2026 12:00:00 GMT" {
		t.Fatalf("IMF-fixdate of Last-Modified: got %q; want %q", imf, "Mon, 23 Nov 2026 12:00:00 GMT")
	}
	const (
		rfc850       = "Monday, 23-Nov-26 12:00:00 GMT"
		rfc850Before = "Monday, 23-Nov-26 11:59:59 GMT"
		asctime      = "Mon Nov 23 12:00:00 2026"
		asctimeAfter = "Mon Nov 23 12:00:01 2026"
	)
	before := lm.Add(-time.Second).Format(http.TimeFormat)
	after := lm.Add(time.Hour).Format(http.TimeFormat)
	const etag = `"0123456789abcdef"`

	tests := []struct {
		name         string
		header       http.Header
		etag         string
		lastModified time.Time
		want         bool
	}{
		{name: "no conditional headers", header: http.Header{}, etag: etag, lastModified: lm},
		{name: "If-None-Match matches", header: http.Header{"If-None-Match": {etag}}, etag: etag, lastModified: lm, want: true},
		{name: "If-None-Match weak matches", header: http.Header{"If-None-Match": {"W/" + etag}}, etag: etag, lastModified: lm, want: true},
		{name: "If-None-Match differs", header: http.Header{"If-None-Match": {`"other"`}}, etag: etag, lastModified: lm},
		{name: "If-None-Match star", header: http.Header{"If-None-Match": {"*"}}, etag: etag, lastModified: lm, want: true},
		{name: "If-None-Match list on two lines", header: http.Header{"If-None-Match": {`"x"`, `"y", ` + etag}}, etag: etag, lastModified: lm, want: true},

		// RFC 9110 §13.1.3: If-None-Match, when present, decides alone.
		{
			name:   "If-None-Match match wins over an older If-Modified-Since",
			header: http.Header{"If-None-Match": {etag}, "If-Modified-Since": {before}}, etag: etag, lastModified: lm, want: true,
		},
		{
			name:   "If-None-Match mismatch wins over a matching If-Modified-Since",
			header: http.Header{"If-None-Match": {`"other"`}, "If-Modified-Since": {after}}, etag: etag, lastModified: lm,
		},
		{
			name:   "empty If-None-Match still wins over If-Modified-Since",
			header: http.Header{"If-None-Match": {""}, "If-Modified-Since": {after}}, etag: etag, lastModified: lm,
		},
		{
			name:   "malformed If-None-Match still disables If-Modified-Since",
			header: http.Header{"If-None-Match": {"unquoted"}, "If-Modified-Since": {after}}, etag: etag, lastModified: lm,
		},

		// RFC 9110 §13.1: a malformed If-None-Match alone is ignored, not an error.
		{name: "malformed If-None-Match alone", header: http.Header{"If-None-Match": {`"a`}}, etag: etag, lastModified: lm},

		// RFC 9110 §13.1.3: If-Modified-Since against Last-Modified.
		{name: "If-Modified-Since equal", header: http.Header{"If-Modified-Since": {imf}}, etag: etag, lastModified: lm, want: true},
		{name: "If-Modified-Since after", header: http.Header{"If-Modified-Since": {after}}, etag: etag, lastModified: lm, want: true},
		{name: "If-Modified-Since before", header: http.Header{"If-Modified-Since": {before}}, etag: etag, lastModified: lm},
		{
			name:   "If-Modified-Since equal to sub-second Last-Modified's second",
			header: http.Header{"If-Modified-Since": {imf}}, etag: etag, lastModified: lm.Add(999 * time.Millisecond), want: true,
		},
		{
			name:   "If-Modified-Since a second before sub-second Last-Modified",
			header: http.Header{"If-Modified-Since": {before}}, etag: etag, lastModified: lm.Add(500 * time.Millisecond),
		},
		{
			name:   "If-Modified-Since equal, Last-Modified in another zone",
			header: http.Header{"If-Modified-Since": {imf}}, etag: etag, lastModified: lm.In(time.FixedZone("CET", 3600)), want: true,
		},
		{name: "RFC 850 date equal", header: http.Header{"If-Modified-Since": {rfc850}}, etag: etag, lastModified: lm, want: true},
		{name: "RFC 850 date before", header: http.Header{"If-Modified-Since": {rfc850Before}}, etag: etag, lastModified: lm},
		{name: "asctime date equal", header: http.Header{"If-Modified-Since": {asctime}}, etag: etag, lastModified: lm, want: true},
		{name: "asctime date after", header: http.Header{"If-Modified-Since": {asctimeAfter}}, etag: etag, lastModified: lm, want: true},
		{
			name:   "asctime date with one-digit day",
			header: http.Header{"If-Modified-Since": {"Sun Nov  1 12:00:00 2026"}}, etag: etag,
			lastModified: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), want: true,
		},
		{name: "If-Modified-Since without If-None-Match or etag", header: http.Header{"If-Modified-Since": {after}}, lastModified: lm, want: true},

		// RFC 9110 §13.1.3, RFC 9110 §13.1: an invalid date is ignored.
		{name: "invalid date: words", header: http.Header{"If-Modified-Since": {"yesterday"}}, etag: etag, lastModified: lm},
		{name: "invalid date: ISO 8601", header: http.Header{"If-Modified-Since": {"2027-01-01T00:00:00Z"}}, etag: etag, lastModified: lm},
		{name: "invalid date: UTC for GMT", header: http.Header{"If-Modified-Since": {"Fri, 01 Jan 2027 00:00:00 UTC"}}, etag: etag, lastModified: lm},
		{name: "invalid date: empty", header: http.Header{"If-Modified-Since": {""}}, etag: etag, lastModified: lm},
		{name: "invalid date: trailing garbage", header: http.Header{"If-Modified-Since": {after + "x"}}, etag: etag, lastModified: lm},
		// RFC 9110 §13.1.3: what http.ParseTime takes but the HTTP-date
		// grammar (RFC 9110 §5.6.7) does not (found by FuzzIfModifiedSince).
		{name: "invalid date: one-digit hour", header: http.Header{"If-Modified-Since": {"Mon, 23 Nov 2026 1:00:00 GMT"}}, etag: etag, lastModified: lm.Add(-11 * time.Hour)},
		{name: "invalid date: fraction of a second", header: http.Header{"If-Modified-Since": {"Mon, 23 Nov 2026 12:00:00.5 GMT"}}, etag: etag, lastModified: lm},
		{name: "invalid date: wrong weekday", header: http.Header{"If-Modified-Since": {"Tue, 23 Nov 2026 12:00:00 GMT"}}, etag: etag, lastModified: lm},
		{name: "invalid date: lower-case names", header: http.Header{"If-Modified-Since": {"mon, 23 nov 2026 12:00:00 GMT"}}, etag: etag, lastModified: lm},
		{name: "invalid date: RFC 850 in PST", header: http.Header{"If-Modified-Since": {"Monday, 23-Nov-26 12:00:00 PST"}}, etag: etag, lastModified: lm},
		{name: "invalid date: RFC 850 short weekday", header: http.Header{"If-Modified-Since": {"Mon, 23-Nov-26 12:00:00 GMT"}}, etag: etag, lastModified: lm},
		{name: "invalid date: asctime unpadded day", header: http.Header{"If-Modified-Since": {"Sun Nov 1 12:00:00 2026"}}, etag: etag, lastModified: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)},
		{name: "invalid date: leading space", header: http.Header{"If-Modified-Since": {" " + imf}}, etag: etag, lastModified: lm},
		{
			name:   "asctime date with zero-padded day",
			header: http.Header{"If-Modified-Since": {"Sun Nov 01 12:00:00 2026"}}, etag: etag,
			lastModified: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), want: true,
		},
		{
			name:   "If-Modified-Since with two members",
			header: http.Header{"If-Modified-Since": {after, before}}, etag: etag, lastModified: lm,
		},

		// A zero Last-Modified (unknown) never matches by date.
		{name: "zero Last-Modified with If-Modified-Since", header: http.Header{"If-Modified-Since": {after}}, etag: etag},
		{
			name:   "zero Last-Modified with far-future If-Modified-Since",
			header: http.Header{"If-Modified-Since": {"Fri, 31 Dec 9999 23:59:59 GMT"}}, etag: etag,
		},
		{name: "zero Last-Modified still matches by etag", header: http.Header{"If-None-Match": {etag}}, etag: etag, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := notModified(tt.header, tt.etag, tt.lastModified); got != tt.want {
				t.Errorf("notModified(%q, %q, %v) = %v; want %v", tt.header, tt.etag, tt.lastModified, got, tt.want)
			}
		})
	}
}

// etagMembers splits a well-formed If-None-Match field into its members,
// "*" or an entity-tag, with scanETag. It fails the test on a malformed field.
func etagMembers(t *testing.T, lines []string) []string {
	t.Helper()
	var members []string
	for _, line := range lines {
		s := line
		for {
			s = strings.TrimLeft(s, " \t,")
			if s == "" {
				break
			}
			if s[0] == '*' {
				members, s = append(members, "*"), s[1:]
			} else {
				tag, rest, ok := scanETag(s)
				if !ok {
					t.Fatalf("scanETag(%q) failed in a field etagListMatch called valid: %q", s, lines)
				}
				members, s = append(members, tag), rest
			}
			s = strings.TrimLeft(s, " \t")
			if s != "" && s[0] != ',' {
				t.Fatalf("member followed by %q in a field etagListMatch called valid: %q", s, lines)
			}
		}
	}
	return members
}

// FuzzETagList: a field etagListMatch accepts is a list of members, "*" or
// entity-tags (RFC 9110 §13.1.2). Re-serialised — joined on one line, or one
// member a line — it parses to the same members and gives the same match
// result; the result is that of the weak comparison of the etag against the
// members (RFC 9110 §8.8.3.2); each member matches the list it came from; and a field it
// refuses gives no match (RFC 9110 §13.1).
func FuzzETagList(f *testing.F) {
	f.Add(`"a"`, `"a"`)
	f.Add(`W/"a", "b"`, `"b"`)
	f.Add(`, ,"a"`, `W/"a"`)
	f.Add("*", "")
	f.Add(`"a,b", "c"`, `"a,b"`)
	f.Add("\"x\"\n\"y\"", `"y"`)
	f.Add(`"a`, `"a"`)
	f.Add(`W/a`, `"a"`)
	f.Add("\"a\"\x01", `"a"`)
	f.Fuzz(func(t *testing.T, field, etag string) {
		lines := strings.Split(field, "\n") // one field line per line of input
		match, valid := etagListMatch(lines, etag)
		if !valid {
			if match {
				t.Fatalf("etagListMatch(%q, %q) = (true, false); want no match for a malformed field", lines, etag)
			}
			return
		}
		members := etagMembers(t, lines)

		// The weak comparison, member by member, decides the result for any
		// etag a representation can have: none, or a valid entity-tag.
		if etag == "" || validETag(etag) {
			want := false
			for _, m := range members {
				if m == "*" || etag != "" && strings.TrimPrefix(m, "W/") == strings.TrimPrefix(etag, "W/") {
					want = true
				}
			}
			if match != want {
				t.Fatalf("etagListMatch(%q, %q) = %v; want %v for members %q", lines, etag, match, want, members)
			}
		}

		joined := strings.Join(members, ", ")
		for _, again := range [][]string{{joined}, members} {
			if got := etagMembers(t, again); !slices.Equal(got, members) {
				t.Fatalf("members of %q re-serialised as %q: got %q; want %q", lines, again, got, members)
			}
			if match2, valid2 := etagListMatch(again, etag); match2 != match || !valid2 {
				t.Fatalf("etagListMatch(%q, %q) = (%v, true), re-serialised as %q: got (%v, %v); want (%v, true)",
					lines, etag, match, again, match2, valid2, match)
			}
		}
		for _, m := range members {
			if m == "*" {
				continue
			}
			if !validETag(m) {
				t.Errorf("validETag(%q) = false for a member of %q; want true", m, lines)
			}
			for _, list := range [][]string{lines, {joined}} {
				if match, valid := etagListMatch(list, m); !match || !valid {
					t.Errorf("etagListMatch(%q, %q) = (%v, %v) for its own member; want (true, true)", list, m, match, valid)
				}
			}
		}
	})
}

func TestValidETag(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{name: "strong", in: `"a"`, want: true},
		{name: "weak", in: `W/"a"`, want: true},
		{name: "empty strong", in: `""`, want: true},
		{name: "empty weak", in: `W/""`, want: true},
		{name: "generated", in: `"0123456789abcdef"`, want: true},
		{name: "punctuation and obs-text", in: "\"!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\x80\xff\"", want: true},
		{name: "empty", in: ""},
		{name: "unquoted", in: "a"},
		{name: "unterminated", in: `"a`},
		{name: "W/ unquoted", in: "W/a"},
		{name: "lower-case w/", in: `w/"a"`},
		{name: "trailing garbage", in: `"a"b`},
		{name: "trailing space", in: `"a" `},
		{name: "leading space", in: ` "a"`},
		{name: "list", in: `"a", "b"`},
		{name: "star", in: "*"},
		{name: "space inside", in: `"a b"`},
		{name: "NUL inside", in: "\"a\x00\""},
		{name: "DEL inside", in: "\"a\x7f\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validETag(tt.in); got != tt.want {
				t.Errorf("validETag(%q) = %v; want %v", tt.in, got, tt.want)
			}
		})
	}
}

// RFC 9110 §8.8.3, the handler's validators kept: a handler's entity-tag is kept, a bare one quoted,
// one that cannot be made valid dropped.
func TestNormalizeETag(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "strong kept", in: `"v1"`, want: `"v1"`},
		{name: "weak kept", in: `W/"v1"`, want: `W/"v1"`},
		{name: "empty quoted kept", in: `""`, want: `""`},
		{name: "bare quoted", in: "v1", want: `"v1"`},
		{name: "bare hex quoted", in: "0123456789abcdef", want: `"0123456789abcdef"`},
		{name: "bare obs-text quoted", in: "caf\xc3\xa9", want: "\"caf\xc3\xa9\""},
		{name: "empty", in: "", want: ""},
		{name: "space inside", in: "v 1", want: ""},
		{name: "quote inside", in: `v"1`, want: ""},
		{name: "unterminated", in: `"v1`, want: ""},
		{name: "trailing quote", in: `v1"`, want: ""},
		{name: "list", in: `"a", "b"`, want: ""},
		{name: "control character", in: "v\x001", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := normalizeETag(tt.in)
			if got != tt.want {
				t.Errorf("normalizeETag(%q) = %q; want %q", tt.in, got, tt.want)
			}
			if got != "" && !validETag(got) {
				t.Errorf("validETag(normalizeETag(%q) = %q) = false; want true", tt.in, got)
			}
		})
	}
}

// checkStrongETag fails unless tag is `"` + 16 lower-case hex digits + `"`.
func checkStrongETag(t *testing.T, tag string) {
	t.Helper()
	if len(tag) != 18 || tag[0] != '"' || tag[17] != '"' {
		t.Errorf("strong etag %q: got length %d; want 18, quoted", tag, len(tag))
		return
	}
	for i := 1; i < 17; i++ {
		if c := tag[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			t.Errorf("strong etag %q: got %q at %d; want a lower-case hex digit", tag, c, i)
		}
	}
}

// RFC 9110 §8.8.3, a deterministic strong ETag: generated entity-tags are strong, quoted, fixed-width
// and a function of the body and its Content-Encoding alone.
func TestStrongETag(t *testing.T) {
	t.Run("no body imitates an encoding", func(t *testing.T) {
		if a, b := strongETag("", []byte("gzip\x00x")), strongETag("gzip", []byte("x")); a == b {
			t.Errorf("identity %q and gzip %q: got %s for both; want distinct", "gzip\x00x", "x", a)
		}
	})
	t.Run("format", func(t *testing.T) {
		seen := make(map[string]int)
		for i := range 2000 {
			body := []byte(strings.Repeat("x", i%50) + fmt.Sprint(i)) // distinct bodies of many lengths
			tag := strongETag("", body)
			checkStrongETag(t, tag)
			if want := fmt.Sprintf(`"%016x"`, xxhash.Sum64(append([]byte{0}, body...))); tag != want {
				t.Errorf("strongETag(%q): got %s; want %s", body, tag, want)
			}
			if !validETag(tag) {
				t.Errorf("validETag(%s) = false; want true", tag)
			}
			if j, ok := seen[tag]; ok {
				t.Errorf("strongETag of bodies %d and %d: got %s for both; want distinct", j, i, tag)
			}
			seen[tag] = i
		}
	})
	t.Run("zero padded", func(t *testing.T) {
		// Search deterministically for bodies whose hash has leading zero digits.
		for _, prefix := range []string{`"0`, `"00`} {
			found := false
			for i := range 1 << 16 {
				body := []byte(fmt.Sprint("body-", i))
				if tag := strongETag("", body); strings.HasPrefix(tag, prefix) {
					checkStrongETag(t, tag)
					found = true
					break
				}
			}
			if !found {
				t.Errorf("no body among 65536 with a tag starting %s; want one", prefix)
			}
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		for _, ce := range []string{"", "gzip", "br"} {
			body := []byte("<h1>hello</h1>")
			a, b := strongETag(ce, body), strongETag(ce, append([]byte(nil), body...))
			if a != b {
				t.Errorf("strongETag(%q, same body) twice: got %s and %s; want equal", ce, a, b)
			}
		}
	})
	t.Run("empty body", func(t *testing.T) {
		checkStrongETag(t, strongETag("", nil))
		if a, b := strongETag("", nil), strongETag("", []byte{}); a != b {
			t.Errorf("strongETag of nil and empty body: got %s and %s; want equal", a, b)
		}
	})
	t.Run("content-encoding changes it", func(t *testing.T) {
		body := []byte("<h1>hello</h1>")
		tags := map[string]string{}
		for _, ce := range []string{"", "gzip", "br", "deflate", "gzip, br"} {
			tag := strongETag(ce, body)
			checkStrongETag(t, tag)
			if other, ok := tags[tag]; ok {
				t.Errorf("strongETag with Content-Encoding %q and %q: got %s for both; want distinct", other, ce, tag)
			}
			tags[tag] = ce
		}
	})
	t.Run("body changes it", func(t *testing.T) {
		if a, b := strongETag("gzip", []byte("a")), strongETag("gzip", []byte("b")); a == b {
			t.Errorf("strongETag of different bodies: got %s for both; want distinct", a)
		}
	})
}
