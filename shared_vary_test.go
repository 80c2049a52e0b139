package gincache

import (
	"net/http"
	"testing"
)

func TestVaryValues(t *testing.T) {
	tests := []struct {
		name string
		a, b http.Header
		same bool
	}{
		{name: "§4.1 whitespace at the ends", a: http.Header{"X-Flag": {" on\t"}}, b: http.Header{"X-Flag": {"on"}}, same: true},
		{name: "§4.1 Accept-Encoding members reordered", a: http.Header{"Accept-Encoding": {"gzip, br"}}, b: http.Header{"Accept-Encoding": {"br,gzip"}}, same: true},
		{name: "§4.1 Accept-Encoding case (RFC 9110 §8.4.1)", a: http.Header{"Accept-Encoding": {"GZIP, Br"}}, b: http.Header{"Accept-Encoding": {"br, gzip"}}, same: true},
		{name: "§4.1 Accept-Encoding lines combined", a: http.Header{"Accept-Encoding": {"gzip", "br"}}, b: http.Header{"Accept-Encoding": {"br, gzip"}}, same: true},
		{name: "RFC 9110 §5.6.1 empty members", a: http.Header{"Accept-Encoding": {",gzip,, br,"}}, b: http.Header{"Accept-Encoding": {"gzip, br"}}, same: true},
		{name: "RFC 9110 §12.4.2 whitespace around a weight's semicolon", a: http.Header{"Accept-Encoding": {"gzip ; q=0.5, br"}}, b: http.Header{"Accept-Encoding": {"br, gzip;q=0.5"}}, same: true},
		{name: "a different weight is another variant", a: http.Header{"Accept-Encoding": {"gzip;q=0.5"}}, b: http.Header{"Accept-Encoding": {"gzip"}}},
		{name: "§4.1 Accept-Language case (RFC 4647 §2)", a: http.Header{"Accept-Language": {"en-US, fr;q=0.5"}}, b: http.Header{"Accept-Language": {"en-us,fr;q=0.5"}}, same: true},
		{name: "Accept-Language order is kept", a: http.Header{"Accept-Language": {"en, fr"}}, b: http.Header{"Accept-Language": {"fr, en"}}},
		{name: "Accept whitespace only", a: http.Header{"Accept": {"text/html,application/json"}}, b: http.Header{"Accept": {"text/html, application/json"}}, same: true},
		{name: "Accept case is kept", a: http.Header{"Accept": {"text/html;level=A"}}, b: http.Header{"Accept": {"text/html;level=a"}}},
		{name: "an unknown field's case is kept", a: http.Header{"X-Flag": {"A"}}, b: http.Header{"X-Flag": {"a"}}},
		{name: "an unknown field's order is kept", a: http.Header{"X-Flag": {"a, b"}}, b: http.Header{"X-Flag": {"b, a"}}},
		{name: "§4.1 absent is not empty", a: http.Header{}, b: http.Header{"Accept-Encoding": {""}}},
	}
	names := []string{"Accept", "Accept-Encoding", "Accept-Language", "X-Flag"}
	index := &Entry{Header: http.Header{"Vary": names}, Body: []byte("gen")}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := variantKey("k", index, tt.a), variantKey("k", index, tt.b)
			if (ka == kb) != tt.same {
				t.Errorf("variantKey(%q) = %q, variantKey(%q) = %q; want same %v", tt.a, ka, tt.b, kb, tt.same)
			}
		})
	}
}
