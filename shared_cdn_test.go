package gincache

import "testing"

func TestValidDictionary(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  bool
	}{
		{name: "RFC 8941 §3.2 one integer member", lines: []string{"max-age=60"}, want: true},
		{name: "RFC 8941 §3.2 booleans and strings", lines: []string{`no-cache, private="X-User", max-age=60`}, want: true},
		{name: "RFC 8941 §3.1.2 parameters", lines: []string{"max-age=60;a=1;b, public"}, want: true},
		{name: "RFC 8941 §4.2 lines combine", lines: []string{"max-age=60", "must-revalidate"}, want: true},
		{name: "RFC 9110 §5.3 an empty line adds nothing", lines: []string{"max-age=60", ""}, want: true},
		{name: "RFC 9213 §2.1 empty is not valid", lines: []string{""}},
		{name: "RFC 9213 §2.1 whitespace only is not valid", lines: []string{"  "}},
		{name: "RFC 8941 §3.1.2 keys are lower case", lines: []string{"Max-Age=60"}},
		{name: "RFC 8941 §4.2.2 a trailing comma", lines: []string{"max-age=60,"}},
		{name: "RFC 8941 §4.2.2 an empty member", lines: []string{"max-age=60,,public"}},
		{name: "RFC 8941 §3.3.3 an unterminated string", lines: []string{`private="X-User`}},
		{name: "RFC 8941 §3.3.3 a string with text after it", lines: []string{`private="X"y`}},
		{name: "RFC 8941 §3.3.1 an integer of 16 digits", lines: []string{"max-age=1234567890123456"}},
		{name: "RFC 8941 §3.3.4 a token", lines: []string{"foo=bar/baz"}, want: true},
		{name: "RFC 8941 §3.3.6 a boolean", lines: []string{"foo=?1"}, want: true},
		{name: "RFC 8941 §3.1.1 an inner list is refused", lines: []string{"foo=(a b)"}},
		{name: "a negative integer is a valid item", lines: []string{"max-age=-1"}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validDictionary(tt.lines); got != tt.want {
				t.Errorf("validDictionary(%q) = %v; want %v", tt.lines, got, tt.want)
			}
		})
	}
}
