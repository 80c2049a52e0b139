package assets

import (
	"net/http/httptest"
	"testing"
)

func BenchmarkURL(b *testing.B) {
	a := New(testFS())
	b.ReportAllocs()
	for b.Loop() {
		a.URL("css/app.css")
	}
}

func BenchmarkServe(b *testing.B) {
	a := New(testFS())
	r := engine(a)
	for _, bc := range []struct{ name, target, accept, inm string }{
		{"immutable", a.URL("css/app.css"), "", ""},
		{"br", a.URL("js/app.js"), "gzip, deflate, br, zstd", ""},
		{"304", "/static/css/app.css", "", etag(appCSS)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", bc.target, nil)
			if bc.accept != "" {
				req.Header.Set("Accept-Encoding", bc.accept)
			}
			if bc.inm != "" {
				req.Header.Set("If-None-Match", bc.inm)
			}
			b.ReportAllocs()
			for b.Loop() {
				r.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
