package assets

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"testing/fstest"
	"time"
)

func TestNegotiate(t *testing.T) {
	both := New(testFS()).files["js/app.js"]
	gzOnly := New(testFSWithout("js/app.js.br")).files["js/app.js"]
	if len(gzOnly.variants) != 2 {
		t.Fatalf("gzOnly has %d variants; want 2", len(gzOnly.variants))
	}
	tests := []struct {
		name   string
		f      *file
		accept []string // field lines; nil: no Accept-Encoding
		want   string   // coding; "" is the file itself
	}{
		{"no header", both, nil, ""},
		{"empty header", both, []string{""}, ""},
		{"browser", both, []string{"gzip, deflate, br, zstd"}, "br"},
		{"gzip only", both, []string{"gzip"}, "gzip"},
		{"x-gzip", both, []string{"x-gzip"}, "gzip"},
		{"case-insensitive", both, []string{"GZip, BR"}, "br"},
		{"br preferred on a tie", both, []string{"gzip;q=0.8, br;q=0.8"}, "br"},
		{"q-values respected", both, []string{"br;q=0.5, gzip"}, "gzip"},
		{"q with spaces", both, []string{"br ; q=0.5 , gzip ; q=0.6"}, "gzip"},
		{"br refused", both, []string{"br;q=0, gzip"}, "gzip"},
		{"all refused", both, []string{"br;q=0, gzip;q=0"}, ""},
		{"identity preferred", both, []string{"identity, gzip;q=0.5"}, ""},
		{"identity tie goes to the compressed", both, []string{"identity;q=0.5, gzip;q=0.5"}, "gzip"},
		{"identity not named is the last resort", both, []string{"gzip;q=0.1"}, "gzip"},
		{"identity refused, nothing else", both, []string{"identity;q=0"}, ""},
		{"star", both, []string{"*"}, "br"},
		{"star refused", both, []string{"*;q=0"}, ""},
		{"star low, identity high", both, []string{"*;q=0.1, identity"}, ""},
		{"star with br refused", both, []string{"*, br;q=0"}, "gzip"},
		{"first mention counts", both, []string{"br;q=0, gzip, br"}, "gzip"},
		{"several field lines", both, []string{"gzip;q=0.5", "br;q=0.9"}, "br"},
		{"malformed q ignored", both, []string{"br;q=2, gzip;q=0.x, br"}, "br"},
		{"malformed q, nothing else", both, []string{"br;q=abc"}, ""},
		{"q too precise", both, []string{"br;q=0.5555, gzip;q=0.1"}, "gzip"},
		{"unknown codings", both, []string{"zstd, deflate"}, ""},
		{"br asked, only gz on disk", gzOnly, []string{"br"}, ""},
		{"br and gzip asked, only gz on disk", gzOnly, []string{"br, gzip"}, "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.negotiate(tt.accept).coding; got != tt.want {
				t.Errorf("negotiate(%q) = %q; want %q", tt.accept, got, tt.want)
			}
		})
	}
}

// testFSWithout is testFS without the file name.
func testFSWithout(name string) fstest.MapFS {
	m := testFS()
	delete(m, name)
	return m
}

func TestPrecompressed(t *testing.T) {
	r := engine(New(testFS()))
	current := "/static/js/app." + fp(appJS) + ".js"
	const plain = "/static/js/app.js"
	br, gz := "BR:"+appJS, "GZ:"+appJS
	js := hasHeader("Content-Type", "text/javascript; charset=utf-8")
	vary := hasHeader("Vary", "Accept-Encoding")
	encoded := func(coding, body string) []check {
		return []check{hasStatus(200), js, vary, hasHeader("Content-Encoding", coding),
			hasHeader("ETag", etag(body)), hasHeader("Content-Length", strconv.Itoa(len(body)))}
	}
	identity := []check{hasStatus(200), js, vary, noHeader("Content-Encoding"),
		hasHeader("ETag", etag(appJS)), hasHeader("Content-Length", strconv.Itoa(len(appJS)))}
	notModified := func(tag string) []check {
		return []check{hasStatus(http.StatusNotModified), vary, hasHeader("ETag", tag), noHeader("Content-Encoding"),
			noHeader("Content-Length"), noHeader("Content-Type"), hasBody("")}
	}
	tests := []struct {
		name, method, target string
		header               []string
		checks               []check
	}{
		{"br, current", "GET", current, []string{"Accept-Encoding: gzip, br"}, append(encoded("br", br), isImmutable, hasBody(br))},
		{"gzip, current", "GET", current, []string{"Accept-Encoding: gzip"}, append(encoded("gzip", gz), isImmutable, hasBody(gz))},
		{"identity, current", "GET", current, nil, append(identity, isImmutable, hasBody(appJS))},
		{"br, plain", "GET", plain, []string{"Accept-Encoding: br"}, append(encoded("br", br), revalidates, hasBody(br))},
		{"br, stale", "GET", "/static/js/app.000000000000.js", []string{"Accept-Encoding: br"}, append(encoded("br", br), revalidates)},
		{"identity, plain", "GET", plain, []string{"Accept-Encoding: identity"}, append(identity, revalidates, hasBody(appJS))},
		{"HEAD br", "HEAD", current, []string{"Accept-Encoding: br"}, append(encoded("br", br), isImmutable, hasBody(""))},
		{"br 304", "GET", plain, []string{"Accept-Encoding: br", "If-None-Match: " + etag(br)}, append(notModified(etag(br)), revalidates)},
		{"identity 304", "GET", current, []string{"If-None-Match: " + etag(appJS)}, append(notModified(etag(appJS)), isImmutable)},
		{"another encoding's ETag is no match", "GET", plain, []string{"Accept-Encoding: br", "If-None-Match: " + etag(appJS)},
			append(encoded("br", br), hasBody(br))},
		{"br range", "GET", current, []string{"Accept-Encoding: br", "Range: bytes=0-2"},
			[]check{hasStatus(http.StatusPartialContent), hasHeader("Content-Encoding", "br"), hasHeader("Content-Length", "3"), hasBody("BR:"), vary}},
		{"br, If-Match fails", "GET", plain, []string{"Accept-Encoding: br", `If-Match: "0123"`},
			[]check{hasStatus(http.StatusPreconditionFailed), noHeader("Content-Encoding"), noHeader("Content-Length"), hasBody("")}},
		{"sibling on its own", "GET", "/static/js/app.js.br", nil, notFound},
		{"no siblings, no Vary", "GET", "/static/css/app.css", []string{"Accept-Encoding: br, gzip"},
			[]check{hasStatus(200), noHeader("Vary"), noHeader("Content-Encoding")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkAll(t, do(t, r, tt.method, tt.target, tt.header...), tt.checks...)
		})
	}
}

// A sibling removed after New: the file itself is sent.
func TestSiblingGone(t *testing.T) {
	dir := dirFS(t, time.Now().Add(-time.Hour), map[string]string{"a.js": appJS, "a.js.br": "BR:" + appJS})
	r := engine(New(os.DirFS(dir)))
	if err := os.Remove(filepath.Join(dir, "a.js.br")); err != nil {
		t.Fatal(err)
	}
	checkAll(t, do(t, r, "GET", "/static/a."+fp(appJS)+".js", "Accept-Encoding: br"),
		hasStatus(200), isImmutable, noHeader("Content-Encoding"), hasHeader("Vary", "Accept-Encoding"), hasBody(appJS))
}

// The file changed but its sibling was served: the immutable policy follows
// the file's fingerprint, not the sibling's.
func TestSiblingServedFileChanged(t *testing.T) {
	mod := time.Now().Add(-time.Hour)
	dir := dirFS(t, mod, map[string]string{"a.js": appJS, "a.js.br": "BR:" + appJS})
	a := New(os.DirFS(dir))
	r := engine(a)
	old := a.URL("a.js")
	if err := os.WriteFile(filepath.Join(dir, "a.js"), []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	checkAll(t, do(t, r, "GET", old, "Accept-Encoding: br"), hasStatus(200), revalidates, hasHeader("Content-Encoding", "br"))
}
