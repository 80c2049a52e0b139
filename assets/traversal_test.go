package assets

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

const secret = "TOP SECRET\n"

// secretRoot makes dir/root (the fs.FS root, with css/app.css, a dotfile and
// symbolic links pointing out of it) beside dir/secret.txt, and returns both
// paths.
func secretRoot(t *testing.T) (root, secretPath string) {
	t.Helper()
	dir := t.TempDir()
	secretPath = filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(secretPath, []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	root = filepath.Join(dir, "root")
	dirFSAt(t, root, map[string]string{"css/app.css": appCSS, ".env": secret, ".git/config": secret})
	for link, target := range map[string]string{
		"link.txt": secretPath, // a file outside
		"up":       dir,        // a directory outside
		"css/self": filepath.Join(root, "css"),
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	return root, secretPath
}

func dirFSAt(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTraversal(t *testing.T) {
	root, secretPath := secretRoot(t)
	a := New(os.DirFS(root))
	if got := strings.Join(a.Names(), " "); got != "css/app.css" {
		t.Fatalf("Names() = %q; want only css/app.css (no dotfiles, no links)", got)
	}
	raw := func(target string) *http.Request { return httptest.NewRequest("GET", target, nil) }
	// set builds a request whose URL fields are set directly, as a proxy or
	// another router in front could leave them.
	set := func(path, rawPath string) *http.Request {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.URL.RawPath = path, rawPath
		return req
	}
	tests := []struct {
		name string
		req  *http.Request
	}{
		{"dot-dot", raw("/static/../secret.txt")},
		{"dot-dot twice", raw("/static/../../secret.txt")},
		{"dot-dot inside", raw("/static/css/../../secret.txt")},
		{"dot-dot back in", raw("/static/css/../css/app.css")},
		{"dot", raw("/static/./css/app.css")},
		{"double slash", raw("/static/css//app.css")},
		{"percent-encoded dots", raw("/static/%2e%2e/secret.txt")},
		{"encoded slash", raw("/static/..%2fsecret.txt")},
		{"encoded slash, upper case", raw("/static/..%2Fsecret.txt")},
		{"encoded slash to a real file", raw("/static/css%2Fapp.css")},
		{"encoded backslash", raw("/static/..%5csecret.txt")},
		{"backslash", raw(`/static/..\secret.txt`)},
		{"backslash to a real file", raw(`/static/css\app.css`)},
		{"absolute path", raw("/static/" + filepath.ToSlash(secretPath))},
		{"absolute path, one slash", raw("/static" + filepath.ToSlash(secretPath))},
		{"NUL", raw("/static/css/app.css%00")},
		{"NUL before dot-dot", raw("/static/%00/../secret.txt")},
		{"symbolic link to a file", raw("/static/link.txt")},
		{"symbolic link to a directory", raw("/static/up/secret.txt")},
		{"symbolic link inside", raw("/static/css/self/app.css")},
		{"dotfile", raw("/static/.env")},
		{"dot directory", raw("/static/.git/config")},
		{"directory", raw("/static/css")},
		{"directory, slash", raw("/static/css/")},
		{"root", raw("/static/")},
		{"trailing slash on a file", raw("/static/css/app.css/")},
		{"Path with dot-dot, RawPath with encoded slash", set("/static/../secret.txt", "/static/..%2Fsecret.txt")},
		{"Path clean, RawPath with encoded slash", set("/static/css/app.css", "/static/css%2Fapp.css")},
		{"Path with dot-dot only", set("/static/../secret.txt", "")},
		{"Path absolute", set("/static/"+filepath.ToSlash(secretPath), "")},
		{"Path with backslash", set(`/static/..\secret.txt`, "")},
	}
	// aliases name css/app.css in a non-canonical spelling: refused, so each
	// file has one URL, unless the engine cleans paths itself before routing
	// (RemoveExtraSlash), which makes them the canonical path.
	aliases := map[string]bool{"dot-dot back in": true, "dot": true, "double slash": true}
	engines := map[string]func() *gin.Engine{ // the ways gin can route a path
		"default": func() *gin.Engine { return engine(a) },
		"UseRawPath": func() *gin.Engine {
			r := engine(a)
			r.UseRawPath, r.UnescapePathValues = true, true
			return r
		},
		"UseEscapedPath": func() *gin.Engine {
			r := engine(a)
			r.UseEscapedPath, r.UnescapePathValues = true, true
			return r
		},
		"RemoveExtraSlash": func() *gin.Engine {
			r := engine(a)
			r.RemoveExtraSlash = true
			return r
		},
	}
	for en, newEngine := range engines {
		r := newEngine()
		for _, tt := range tests {
			t.Run(en+"/"+tt.name, func(t *testing.T) {
				w := serveReq(r, tt.req.Clone(tt.req.Context()))
				if strings.Contains(w.Body.String(), "SECRET") {
					t.Fatalf("served the secret: %d %q", w.Code, w.Body)
				}
				if aliases[tt.name] && r.RemoveExtraSlash {
					return
				}
				if w.Code == http.StatusOK || w.Code == http.StatusNotModified {
					t.Errorf("status = %d; want an error (404), nothing served", w.Code)
				}
				if en == "default" { // routed to the handler, which refused it
					checkAll(t, w, notFound...)
				}
			})
		}
	}
	// The legitimate request still works on every engine.
	for _, newEngine := range engines {
		checkAll(t, serveReq(newEngine(), raw("/static/css/app.css")), hasStatus(200), hasBody(appCSS))
	}
}

// A file replaced by a directory after New is a 404, not a listing.
func TestReplacedByDirectory(t *testing.T) {
	dir := dirFS(t, time.Now().Add(-time.Hour), map[string]string{"a.css": appCSS})
	r := engine(New(os.DirFS(dir)))
	p := filepath.Join(dir, "a.css")
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	checkAll(t, do(t, r, "GET", "/static/a.css"), notFound...)
}
