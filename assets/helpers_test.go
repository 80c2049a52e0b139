package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.TestMode) }

// Contents of the test file system.
const (
	appCSS  = "body { color: #333 }\n"
	appJS   = "console.log('hi')\n"
	license = "MIT License\n"
)

// testFS is the file system most tests serve: a stylesheet with no
// siblings, a script with a precompressed sibling of each kind, a file without
// an extension, a dotfile and a directory.
func testFS() fstest.MapFS {
	return fstest.MapFS{
		"css/app.css":    {Data: []byte(appCSS)},
		"js/app.js":      {Data: []byte(appJS)},
		"js/app.js.br":   {Data: []byte("BR:" + appJS)},
		"js/app.js.gz":   {Data: []byte("GZ:" + appJS)},
		"LICENSE":        {Data: []byte(license)},
		".env":           {Data: []byte("SECRET=1\n")},
		"img/.keep":      {Data: nil},
		"img/logo.v2":    {Data: []byte("\x89PNG\r\n\x1a\n")},
		"archive.tar.gz": {Data: []byte("not really gzip")},
	}
}

// sum returns the hex SHA-256 of s.
func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// fp and etag are the fingerprint and ETag of content s.
func fp(s string) string   { return sum(s)[:fingerprintLen] }
func etag(s string) string { return `"` + sum(s)[:etagLen] + `"` }

// engine returns a gin engine serving a.
func engine(a *Assets) *gin.Engine {
	r := gin.New()
	a.Register(r)
	return r
}

// do sends method target to h, with header lines given as "Name: value".
func do(t *testing.T, h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for _, line := range header {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("bad header line %q", line)
		}
		req.Header.Add(k, strings.TrimSpace(v))
	}
	return serveReq(h, req)
}

func httptestRequest(method, target string) *http.Request {
	return httptest.NewRequest(method, target, nil)
}

func serveReq(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// check is one assertion about a response.
type check func(*testing.T, *httptest.ResponseRecorder)

func checkAll(t *testing.T, w *httptest.ResponseRecorder, checks ...check) {
	t.Helper()
	for _, c := range checks {
		c(t, w)
	}
}

func hasStatus(code int) check {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		t.Helper()
		if w.Code != code {
			t.Errorf("status = %d; want %d", w.Code, code)
		}
	}
}

func hasHeader(k, v string) check {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		t.Helper()
		if got := w.Header().Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q; want %q", k, got, v)
		}
	}
}

func noHeader(k string) check {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		t.Helper()
		if got, ok := w.Header()[http.CanonicalHeaderKey(k)]; ok {
			t.Errorf("%s = %q; want none", k, got)
		}
	}
}

func hasBody(b string) check {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		t.Helper()
		if got := w.Body.String(); got != b {
			t.Errorf("body = %q; want %q", got, b)
		}
	}
}

// isImmutable, revalidates and notFound are the three policies.
var (
	isImmutable = hasHeader("Cache-Control", "public, max-age=31536000, immutable")
	revalidates = hasHeader("Cache-Control", "no-cache")
	notFound    = []check{hasStatus(http.StatusNotFound), hasHeader("Cache-Control", "no-store"), noHeader("ETag")}
)

// failFS is an fs.FS whose file fail cannot be opened.
type failFS struct {
	fs.FS
	fail string
}

func (f failFS) Open(name string) (fs.File, error) {
	if name == f.fail {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return f.FS.Open(name)
}
