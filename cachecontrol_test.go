package gincache

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// secs is a set delta of n seconds.
func secs(n int64) delta { return delta{set: true, d: time.Duration(n) * time.Second} }

func TestParseCacheControl(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  cacheControl
	}{
		{name: "no field"},
		{name: "empty line", lines: []string{""}},
		{name: "§5.2 booleans", lines: []string{"no-store, no-cache, private, public, must-revalidate, proxy-revalidate, only-if-cached, immutable, no-transform"},
			want: cacheControl{noStore: true, noCache: true, private: true, public: true, mustRevalidate: true, proxyRevalidate: true, onlyIfCached: true, immutable: true, noTransform: true}},
		{name: "§5.2.2.3 must-understand", lines: []string{"Must-Understand, no-store"}, want: cacheControl{mustUnderstand: true, noStore: true}},
		{name: "§5.2 names are case-insensitive", lines: []string{"No-Store, MAX-AGE=5, S-MaxAge=7, Must-Revalidate"},
			want: cacheControl{noStore: true, maxAge: secs(5), sMaxAge: secs(7), mustRevalidate: true}},
		{name: "§5.2 deltas", lines: []string{"max-age=1, s-maxage=2, min-fresh=3, max-stale=4, stale-while-revalidate=5, stale-if-error=6"},
			want: cacheControl{maxAge: secs(1), sMaxAge: secs(2), minFresh: secs(3), maxStale: secs(4), staleWhileRevalidate: secs(5), staleIfError: secs(6)}},
		{name: "§5.2 quoted-string argument equals token", lines: []string{`max-age="5", s-maxage="0", min-fresh="3"`},
			want: cacheControl{maxAge: secs(5), sMaxAge: secs(0), minFresh: secs(3)}},
		{name: "§5.2 quoted-pair in a delta", lines: []string{`max-age="\5"`}, want: cacheControl{maxAge: secs(5)}},
		{name: "§1.2.2 leading zeros", lines: []string{"max-age=007"}, want: cacheControl{maxAge: secs(7)}},
		{name: "§1.2.2 2^31 exactly", lines: []string{"max-age=2147483648"}, want: cacheControl{maxAge: secs(1 << 31)}},
		{name: "§1.2.2 overflow caps at 2^31", lines: []string{"max-age=2147483649, min-fresh=99999999999999999999999999"},
			want: cacheControl{maxAge: secs(1 << 31), minFresh: secs(1 << 31)}},
		{name: "RFC 9110 §5.6.3 whitespace around members", lines: []string{" \tmax-age=5 ,\tno-store\t"}, want: cacheControl{maxAge: secs(5), noStore: true}},
		{name: "RFC 9110 §5.6.1 empty members skipped", lines: []string{",, ,max-age=5,,\t,public,"}, want: cacheControl{maxAge: secs(5), public: true}},
		{name: "multiple field lines combine", lines: []string{"max-age=5", "", "public", "no-cache"}, want: cacheControl{maxAge: secs(5), public: true, noCache: true}},

		// §4.2.1: invalid freshness information makes the response stale.
		{name: "§4.2.1 negative max-age invalid", lines: []string{"max-age=-1"}, want: cacheControl{maxAge: delta{set: true}, invalid: true}},
		{name: "§4.2.1 empty max-age invalid", lines: []string{"max-age="}, want: cacheControl{maxAge: delta{set: true}, invalid: true}},
		{name: "§4.2.1 max-age without argument invalid", lines: []string{"max-age"}, want: cacheControl{maxAge: delta{set: true}, invalid: true}},
		{name: "§4.2.1 non-numeric max-age invalid", lines: []string{"max-age=abc"}, want: cacheControl{maxAge: delta{set: true}, invalid: true}},
		{name: "§4.2.1 fractional max-age invalid", lines: []string{"max-age=1.5"}, want: cacheControl{maxAge: delta{set: true}, invalid: true}},
		{name: "§4.2.1 plus sign invalid", lines: []string{"max-age=+5"}, want: cacheControl{maxAge: delta{set: true}, invalid: true}},
		{name: "§4.2.1 space inside quotes invalid", lines: []string{`max-age=" 5"`}, want: cacheControl{maxAge: delta{set: true}, invalid: true}},
		{name: "§4.2.1 empty quotes invalid", lines: []string{`max-age=""`}, want: cacheControl{maxAge: delta{set: true}, invalid: true}},
		{name: "§4.2.1 unterminated quote invalid", lines: []string{`max-age="5`}, want: cacheControl{maxAge: delta{set: true}, invalid: true}},
		{name: "§4.2.1 text after quote invalid", lines: []string{`max-age="5"x`}, want: cacheControl{maxAge: delta{set: true}, invalid: true}},
		{name: "§4.2.1 invalid s-maxage still present", lines: []string{"s-maxage=soon"}, want: cacheControl{sMaxAge: delta{set: true}, invalid: true}},
		{name: "§4.2.1 duplicate max-age same value fine", lines: []string{`max-age=5, max-age="5"`, "max-age=05"}, want: cacheControl{maxAge: secs(5)}},
		{name: "§4.2.1 duplicate max-age different values stale", lines: []string{"max-age=5, max-age=6"}, want: cacheControl{maxAge: secs(5), invalid: true}},
		{name: "§4.2.1 duplicate s-maxage across lines stale", lines: []string{"s-maxage=5", "s-maxage=60"}, want: cacheControl{sMaxAge: secs(5), invalid: true}},
		{name: "§4.2.1 valid then invalid max-age stale, first kept", lines: []string{"max-age=5, max-age=x"}, want: cacheControl{maxAge: secs(5), invalid: true}},

		// Other deltas: an invalid value is ignored; the first valid one is kept.
		{name: "§5.2.1.3 invalid min-fresh ignored", lines: []string{"min-fresh=-3"}},
		{name: "§5.2.1.3 min-fresh without argument ignored", lines: []string{"min-fresh"}},
		{name: "§5.2.1.3 duplicate min-fresh keeps first", lines: []string{"min-fresh=3, min-fresh=9"}, want: cacheControl{minFresh: secs(3)}},
		{name: "§5.2.1.3 invalid then valid min-fresh keeps valid", lines: []string{"min-fresh=x, min-fresh=9"}, want: cacheControl{minFresh: secs(9)}},
		{name: "RFC 5861 invalid stale-while-revalidate ignored", lines: []string{"stale-while-revalidate=1e3, stale-if-error=60"}, want: cacheControl{staleIfError: secs(60)}},
		{name: "§5.2.1.2 max-stale without value is any", lines: []string{"max-stale"}, want: cacheControl{maxStaleAny: true}},
		{name: "§5.2.1.2 max-stale quoted value", lines: []string{`max-stale="30"`}, want: cacheControl{maxStale: secs(30)}},
		{name: "§5.2.1.2 invalid max-stale ignored, not any", lines: []string{"max-stale=forever"}},
		{name: "§5.2.1.2 empty max-stale ignored, not any", lines: []string{"max-stale="}},
		{name: "§5.2.1.2 first max-stale wins: value", lines: []string{"max-stale=10, max-stale"}, want: cacheControl{maxStale: secs(10)}},
		{name: "§5.2.1.2 first max-stale wins: any", lines: []string{"max-stale", "max-stale=10"}, want: cacheControl{maxStaleAny: true}},

		// §5.2.2.4, §5.2.2.7: qualified no-cache and private.
		{name: "§5.2.2.4 bare no-cache has no fields", lines: []string{"no-cache"}, want: cacheControl{noCache: true}},
		{name: "§5.2.2.4 qualified no-cache", lines: []string{`no-cache="set-cookie, X-Foo"`},
			want: cacheControl{noCache: true, noCacheFields: []string{"Set-Cookie", "X-Foo"}}},
		{name: "§5.2.2.4 qualified no-cache token form", lines: []string{"no-cache=Set-Cookie, max-age=5"},
			want: cacheControl{noCache: true, noCacheFields: []string{"Set-Cookie"}, maxAge: secs(5)}},
		{name: "§5.2.2.4 qualified no-cache lists merge", lines: []string{`no-cache="A", no-cache="b, a"`},
			want: cacheControl{noCache: true, noCacheFields: []string{"A", "B"}}},
		{name: "§5.2.2.4 bare no-cache wins over qualified", lines: []string{`no-cache="A"`, "no-cache"}, want: cacheControl{noCache: true}},
		{name: "§5.2.2.4 bare no-cache first wins too", lines: []string{`no-cache, no-cache="A"`}, want: cacheControl{noCache: true}},
		{name: "§5.2.2.4 empty list reads as unqualified", lines: []string{`no-cache=""`, `private=" , "`}, want: cacheControl{noCache: true, private: true}},
		{name: "§5.2.2.4 unterminated list reads as unqualified", lines: []string{`no-cache="A, max-age=5`}, want: cacheControl{noCache: true}},
		{name: "§5.2.2.7 qualified private", lines: []string{`private="authorization", max-age=60`},
			want: cacheControl{private: true, privateFields: []string{"Authorization"}, maxAge: secs(60)}},
		{name: "§5.2.2.7 bare private", lines: []string{"private"}, want: cacheControl{private: true}},

		// §5.2.3: extensions are ignored, whatever their arguments hold.
		{name: "§5.2.3 unknown extensions ignored", lines: []string{"foo, bar=1, baz=\"qux\", community=\"UCI\", max-age=5"}, want: cacheControl{maxAge: secs(5)}},
		{name: "§5.2.3 quoted comma in extension does not split", lines: []string{`foo="a, no-store, max-age=9", max-age=5`}, want: cacheControl{maxAge: secs(5)}},
		{name: "§5.2.3 escaped quote in extension", lines: []string{`foo="a\", no-store", public`}, want: cacheControl{public: true}},
		{name: "§5.2.3 lookalike names ignored", lines: []string{"no-storex, xmax-age=5, max_age=5, max age=5, s-max-age=5"}},
		{name: "§5.2 boolean with argument still counts", lines: []string{"no-store=1, must-revalidate=\"yes\""}, want: cacheControl{noStore: true, mustRevalidate: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseCacheControl(tt.lines); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseCacheControl(%q): got %+v; want %+v", tt.lines, got, tt.want)
			}
		})
	}
}

func TestNextDirective(t *testing.T) {
	type member struct {
		name, value string
		hasValue    bool
	}
	tests := []struct {
		line string
		want []member
	}{
		{line: "", want: nil},
		{line: "a", want: []member{{"a", "", false}}},
		{line: "a=", want: []member{{"a", "", true}}},
		{line: ",", want: []member{{"", "", false}}}, // the empty member after the last comma is not visited
		{line: ` a = "x,y" , b`, want: []member{{"a", `"x,y"`, true}, {"b", "", false}}},
		{line: `a="x\",y",b`, want: []member{{"a", `"x\",y"`, true}, {"b", "", false}}},
		{line: `a="x\`, want: []member{{"a", `"x\`, true}}},
		{line: `a="unterminated, b`, want: []member{{"a", `"unterminated, b`, true}}},
		{line: "a=b=c", want: []member{{"a", "b=c", true}}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			var got []member
			for i := 0; i < len(tt.line); {
				var m member
				m.name, m.value, m.hasValue, i = nextDirective(tt.line, i)
				got = append(got, m)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("nextDirective over %q: got %+v; want %+v", tt.line, got, tt.want)
			}
		})
	}
}

func TestUnquote(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{in: "", want: "", ok: true},
		{in: "abc", want: "abc", ok: true},
		{in: `""`, want: "", ok: true},
		{in: `"abc"`, want: "abc", ok: true},
		{in: `"a\"b\\c"`, want: `a"b\c`, ok: true},
		{in: `"a`},
		{in: `"`},
		{in: `"a\"`},
		{in: `"a"b`},
	}
	for _, tt := range tests {
		got, ok := unquote(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("unquote(%q): got %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestCacheControlAllocs: the per-request path
// allocates as little as possible. A request without Cache-Control, and the
// values browsers send on reload and hard reload, cost nothing.
func TestCacheControlAllocs(t *testing.T) {
	headers := map[string]http.Header{
		"no header":          {},
		"max-age=0":          {"Cache-Control": {"max-age=0"}},
		"no-cache":           {"Cache-Control": {"no-cache"}},
		"Pragma no-cache":    {"Pragma": {"no-cache"}},
		"typical response":   {"Cache-Control": {`public, max-age=300, s-maxage=600, stale-while-revalidate=30, foo="a,b"`}},
		"invalid and quoted": {"Cache-Control": {`max-age="5", max-age=abc, max-stale`}},
	}
	for name, h := range headers {
		t.Run(name, func(t *testing.T) {
			var sink requestDirectives
			allocs := testing.AllocsPerRun(100, func() { sink = parseRequestDirectives(h) })
			if allocs != 0 {
				t.Errorf("parseRequestDirectives(%q): got %v allocations; want 0", h, allocs)
			}
			_ = sink
		})
	}
}

func BenchmarkParseCacheControl(b *testing.B) {
	lines := []string{`public, max-age=300, s-maxage=600, stale-while-revalidate=30, foo="a,b"`}
	b.ReportAllocs()
	for b.Loop() {
		_ = parseCacheControl(lines)
	}
}

// FuzzCacheControl: parsing never panics, is deterministic, reads a field the
// same whether split into lines at member boundaries or not, and every valid
// delta lies in [0, 2^31] s (RFC 9111 §1.2.2).
func FuzzCacheControl(f *testing.F) {
	f.Add("max-age=5")
	f.Add(`no-cache="Set-Cookie, X-Foo", private, max-age="60"`)
	f.Add("max-age=5, max-age=6, s-maxage=99999999999999999999")
	f.Add(`foo="a,\"b", max-stale, min-fresh=-1`)
	f.Add(",,  ,\t")
	f.Fuzz(func(t *testing.T, line string) {
		cc := parseCacheControl([]string{line})
		if again := parseCacheControl([]string{line}); !reflect.DeepEqual(cc, again) {
			t.Fatalf("parseCacheControl(%q) twice: got %+v, then %+v; want the same", line, cc, again)
		}
		for _, c := range commasOutsideQuotes(line) {
			lines := []string{line[:c], line[c+1:]}
			if got := parseCacheControl(lines); !reflect.DeepEqual(got, cc) {
				t.Fatalf("parseCacheControl(%q) = %+v; split as %q: got %+v; want the same", line, cc, lines, got)
			}
		}
		for name, d := range map[string]delta{
			"max-age": cc.maxAge, "s-maxage": cc.sMaxAge, "min-fresh": cc.minFresh, "max-stale": cc.maxStale,
			"stale-while-revalidate": cc.staleWhileRevalidate, "stale-if-error": cc.staleIfError,
		} {
			if !d.set {
				if d.d != 0 {
					t.Fatalf("parseCacheControl(%q): %s unset with value %v; want 0", line, name, d.d)
				}
				continue
			}
			if d.d < 0 || d.d > maxDelta || d.d%time.Second != 0 {
				t.Fatalf("parseCacheControl(%q): %s = %v; want whole seconds in [0, 2^31 s]", line, name, d.d)
			}
		}
		if cc.maxStaleAny && cc.maxStale.set {
			t.Fatalf("parseCacheControl(%q): both max-stale forms set; want the first only", line)
		}
		for _, f := range append(cc.noCacheFields, cc.privateFields...) {
			if f == "" || strings.ContainsAny(f, ",") {
				t.Fatalf("parseCacheControl(%q): field name %q; want one non-empty name", line, f)
			}
		}
		if cc.noCacheFields != nil && !cc.noCache || cc.privateFields != nil && !cc.private {
			t.Fatalf("parseCacheControl(%q) = %+v: fields without their directive", line, cc)
		}
	})
}
