package assets

import (
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gin-gonic/gin"
)

func TestResponses(t *testing.T) {
	r := engine(New(testFS()))
	cssLen := strconv.Itoa(len(appCSS))
	cssFile := []check{
		hasStatus(http.StatusOK),
		hasHeader("ETag", etag(appCSS)),
		hasHeader("Content-Type", "text/css; charset=utf-8"),
		hasHeader("Content-Length", cssLen),
		hasHeader("X-Content-Type-Options", "nosniff"),
		noHeader("Last-Modified"), // MapFile without ModTime, like embed.FS
		noHeader("Vary"),          // no siblings
		noHeader("Content-Encoding"),
	}
	tests := []struct {
		name, method, target string
		checks               []check
	}{
		{"current fingerprint", "GET", "/static/css/app." + fp(appCSS) + ".css",
			append(cssFile, isImmutable, hasBody(appCSS))},
		{"no fingerprint", "GET", "/static/css/app.css",
			append(cssFile, revalidates, hasBody(appCSS))},
		{"stale fingerprint", "GET", "/static/css/app." + fp("body { color: red }\n") + ".css",
			append(cssFile, revalidates, hasBody(appCSS))},
		{"made-up fingerprint", "GET", "/static/css/app.000000000000.css",
			append(cssFile, revalidates, hasBody(appCSS))},
		{"HEAD current", "HEAD", "/static/css/app." + fp(appCSS) + ".css",
			append(cssFile, isImmutable, hasBody(""))},
		{"HEAD stale", "HEAD", "/static/css/app.000000000000.css",
			append(cssFile, revalidates, hasBody(""))},
		{"no extension, current", "GET", "/static/LICENSE." + fp(license),
			[]check{hasStatus(200), isImmutable, hasHeader("Content-Type", "text/plain; charset=utf-8"), hasBody(license)}},
		{"no extension, plain", "GET", "/static/LICENSE",
			[]check{hasStatus(200), revalidates, hasBody(license)}},
		{"unknown extension is sniffed", "GET", "/static/img/logo.v2",
			[]check{hasStatus(200), hasHeader("Content-Type", "image/png")}},
		{"two extensions", "GET", "/static/archive.tar." + fp("not really gzip") + ".gz",
			[]check{hasStatus(200), isImmutable, hasHeader("Content-Type", "application/gzip"), noHeader("Content-Encoding")}},
		{"missing file", "GET", "/static/css/typo.css", notFound},
		{"missing file, fingerprinted", "GET", "/static/css/typo." + fp(appCSS) + ".css", notFound},
		{"HEAD missing", "HEAD", "/static/css/typo.css", notFound},
		{"fingerprint in the wrong place", "GET", "/static/css/app.css." + fp(appCSS), notFound},
		{"upper-case fingerprint", "GET", "/static/css/app.ABCDEF012345.css", notFound},
		{"short fingerprint", "GET", "/static/css/app.abcdef01.css", notFound},
		{"query is ignored", "GET", "/static/css/app.css?v=" + fp(appCSS),
			[]check{hasStatus(200), revalidates}},
		{"POST", "POST", "/static/css/app.css", []check{hasStatus(http.StatusNotFound)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkAll(t, do(t, r, tt.method, tt.target), tt.checks...)
		})
	}
}

// dirFS writes files (name → content) under a new temporary directory, all
// modified at mod, and returns the directory.
func dirFS(t *testing.T, mod time.Time, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestConditional(t *testing.T) {
	mod := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	lastMod := mod.Format(http.TimeFormat)
	r := engine(New(os.DirFS(dirFS(t, mod, map[string]string{"css/app.css": appCSS}))))
	current := "/static/css/app." + fp(appCSS) + ".css"
	const plain = "/static/css/app.css"
	tag := etag(appCSS)
	notModified := func(cacheControl string) []check {
		return []check{
			hasStatus(http.StatusNotModified),
			hasBody(""),                              // RFC 9110 §15.4.5
			hasHeader("ETag", tag),                   // RFC 9110 §15.4.5
			hasHeader("Cache-Control", cacheControl), // RFC 9110 §15.4.5
			noHeader("Content-Type"),                 // RFC 9110 §15.4.5
			noHeader("Content-Length"),               // RFC 9110 §15.4.5
			noHeader("Last-Modified"),                // RFC 9110 §15.4.5: only without an ETag
		}
	}
	full := []check{hasStatus(http.StatusOK), hasHeader("ETag", tag), hasHeader("Last-Modified", lastMod), hasBody(appCSS)}
	tests := []struct {
		name, method, target string
		header               []string
		checks               []check
	}{
		{"no validators", "GET", plain, nil, append(full, revalidates)},
		// RFC 9110 §13.1.2
		{"If-None-Match matches", "GET", plain, []string{"If-None-Match: " + tag}, notModified("no-cache")},
		{"If-None-Match matches, current fingerprint", "GET", current, []string{"If-None-Match: " + tag}, notModified("public, max-age=31536000, immutable")},
		{"If-None-Match matches, HEAD", "HEAD", plain, []string{"If-None-Match: " + tag}, notModified("no-cache")},
		// RFC 9110 §8.8.3.2
		{"If-None-Match weak", "GET", plain, []string{"If-None-Match: W/" + tag}, notModified("no-cache")},
		// RFC 9110 §13.1.2
		{"If-None-Match list", "GET", plain, []string{`If-None-Match: "a", W/"b" , ` + tag + `, "c"`}, notModified("no-cache")},
		{"If-None-Match star", "GET", plain, []string{"If-None-Match: *"}, notModified("no-cache")},
		{"If-None-Match other", "GET", plain, []string{`If-None-Match: "0123", W/"4567"`}, append(full, revalidates)},
		// RFC 9110 §13.1
		{"If-None-Match malformed", "GET", plain, []string{"If-None-Match: 0123"}, append(full, revalidates)},
		// RFC 9110 §13.1.3
		{"If-Modified-Since equal", "GET", plain, []string{"If-Modified-Since: " + lastMod}, notModified("no-cache")},
		{"If-Modified-Since later", "GET", plain, []string{"If-Modified-Since: " + mod.Add(time.Hour).Format(http.TimeFormat)}, notModified("no-cache")},
		{"If-Modified-Since earlier", "GET", plain, []string{"If-Modified-Since: " + mod.Add(-time.Second).Format(http.TimeFormat)}, append(full, revalidates)},
		{"If-Modified-Since invalid", "GET", plain, []string{"If-Modified-Since: yesterday"}, append(full, revalidates)},
		{"If-Modified-Since beside a non-matching If-None-Match", "GET", plain,
			[]string{`If-None-Match: "0123"`, "If-Modified-Since: " + lastMod}, append(full, revalidates)},
		{"If-Match fails", "GET", plain, []string{`If-Match: "0123"`}, []check{hasStatus(http.StatusPreconditionFailed)}},
		{"Range", "GET", current, []string{"Range: bytes=0-3"},
			[]check{hasStatus(http.StatusPartialContent), hasBody(appCSS[:4]), hasHeader("Content-Length", "4"), isImmutable}},
		{"Range unsatisfiable", "GET", current, []string{"Range: bytes=9999-"},
			[]check{hasStatus(http.StatusRequestedRangeNotSatisfiable), noHeader("Cache-Control"), noHeader("ETag")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkAll(t, do(t, r, tt.method, tt.target, tt.header...), tt.checks...)
		})
	}
}

// RFC 9110 §8.8.2.1: a modification time in the future is not sent.
func TestFutureModTime(t *testing.T) {
	r := engine(New(os.DirFS(dirFS(t, time.Now().Add(24*time.Hour), map[string]string{"a.css": appCSS}))))
	checkAll(t, do(t, r, "GET", "/static/a.css"), hasStatus(200), noHeader("Last-Modified"), hasHeader("ETag", etag(appCSS)))
}

// A file edited after New: the first request for it hashes the new version
// once; the old fingerprint no longer gets the immutable policy, the new one
// does, and the ETag always describes the bytes sent.
func TestChangedFile(t *testing.T) {
	mod := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	dir := dirFS(t, mod, map[string]string{"a.css": appCSS})
	a := New(os.DirFS(dir))
	r := engine(a)
	oldURL := a.URL("a.css")

	const edited = "body { color: red }\n"
	p := filepath.Join(dir, "a.css")
	if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mod.Add(time.Minute), mod.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := a.URL("a.css"); got != oldURL {
		t.Errorf("URL without WithReload = %q; want the one hashed at New, %q, until the file is requested", got, oldURL)
	}
	checkAll(t, do(t, r, "GET", oldURL), hasStatus(200), revalidates, hasHeader("ETag", etag(edited)), hasBody(edited))
	newURL := "/static/a." + fp(edited) + ".css"
	if got := a.URL("a.css"); got != newURL {
		t.Errorf("URL after the request = %q; want %q", got, newURL)
	}
	checkAll(t, do(t, r, "GET", newURL), hasStatus(200), isImmutable, hasHeader("ETag", etag(edited)), hasBody(edited))
}

func TestReload(t *testing.T) {
	mod := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	dir := dirFS(t, mod, map[string]string{"a.css": appCSS})
	a := New(os.DirFS(dir), WithReload())
	if got, want := a.URL("a.css"), "/static/a."+fp(appCSS)+".css"; got != want {
		t.Errorf("URL = %q; want %q", got, want)
	}
	const edited = "body { color: red }\n"
	p := filepath.Join(dir, "a.css")
	if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mod.Add(time.Minute), mod.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, want := a.URL("a.css"), "/static/a."+fp(edited)+".css"; got != want {
		t.Errorf("URL after an edit = %q; want %q", got, want)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if got, want := a.URL("a.css"), "/static/a."+fp(edited)+".css"; got != want {
		t.Errorf("URL after removal = %q; want the last one, %q", got, want)
	}
	checkAll(t, do(t, engine(a), "GET", "/static/a.css"), notFound...)
}

// noSeekFS hands out files that cannot seek, as some fs.FS implementations do.
type noSeekFS struct{ fs.FS }

type noSeekFile struct{ fs.File }

func (f noSeekFS) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if fi, err := file.Stat(); err != nil || fi.IsDir() {
		return file, err
	}
	return noSeekFile{file}, nil
}

func TestNoSeek(t *testing.T) {
	r := engine(New(noSeekFS{testFS()}))
	w := do(t, r, "GET", "/static/css/app."+fp(appCSS)+".css")
	checkAll(t, w, hasStatus(200), isImmutable, hasHeader("Content-Length", strconv.Itoa(len(appCSS))), hasBody(appCSS))
	if _, ok := any(noSeekFile{}).(io.Seeker); ok {
		t.Fatal("noSeekFile seeks")
	}
}

func TestRegister(t *testing.T) {
	css := "/static/css/app." + fp(appCSS) + ".css"
	tests := []struct {
		name   string
		prefix string
		routes func(*gin.Engine) gin.IRoutes
		target string
	}{
		{"engine", "/static", func(r *gin.Engine) gin.IRoutes { return r }, css},
		{"root group with middleware", "/static", func(r *gin.Engine) gin.IRoutes {
			return r.Group("/", func(c *gin.Context) { c.Header("X-Mw", "1") })
		}, css},
		{"group at the prefix", "/static", func(r *gin.Engine) gin.IRoutes { return r.Group("/static") }, css},
		{"group above the prefix", "/static", func(r *gin.Engine) gin.IRoutes { return r.Group("/static/") }, css},
		{"nested prefix", "/a/b", func(r *gin.Engine) gin.IRoutes { return r.Group("/a") }, "/a/b/css/app." + fp(appCSS) + ".css"},
		{"root prefix", "/", func(r *gin.Engine) gin.IRoutes { return r }, "/css/app." + fp(appCSS) + ".css"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New(testFS(), WithPrefix(tt.prefix))
			if got := a.URL("css/app.css"); got != tt.target {
				t.Fatalf("URL = %q; want %q", got, tt.target)
			}
			r := gin.New()
			a.Register(tt.routes(r))
			checkAll(t, do(t, r, "GET", tt.target), hasStatus(200), isImmutable)
			checkAll(t, do(t, r, "HEAD", tt.target), hasStatus(200), isImmutable, hasBody(""))
		})
	}
	t.Run("group outside the prefix panics", func(t *testing.T) {
		defer func() {
			if r, _ := recover().(string); r != "assets: prefix /static is not under the group's base path /api" {
				t.Errorf("panic = %q", r)
			}
		}()
		New(testFS()).Register(gin.New().Group("/api"))
	})
	t.Run("prefix sharing a string prefix with the group panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		New(testFS(), WithPrefix("/staticfiles")).Register(gin.New().Group("/static"))
	})
}

// MapFS gives a ModTime when asked to: it is used as Last-Modified.
func TestMapFSModTime(t *testing.T) {
	mod := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := engine(New(fstest.MapFS{"a.css": {Data: []byte(appCSS), ModTime: mod}}))
	checkAll(t, do(t, r, "GET", "/static/a.css"), hasHeader("Last-Modified", mod.Format(http.TimeFormat)))
}
