package assets

import (
	"bytes"
	"mime"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"testing/fstest"
)

// Go's own entries answer as mime.TypeByExtension does on every host (its
// built-in table wins over the host's database), so listing them changes
// no response; a typo in one would.
func TestWebTypesKeepGoBuiltins(t *testing.T) {
	for _, ext := range []string{".avif", ".css", ".gif", ".htm", ".html", ".jpeg", ".jpg", ".js", ".json",
		".mjs", ".pdf", ".png", ".svg", ".wasm", ".webp", ".xml"} {
		if got, want := webTypes[ext], mime.TypeByExtension(ext); got != want {
			t.Errorf("webTypes[%q] = %q, Go's mime says %q", ext, got, want)
		}
	}
}

// The files hosts disagree on get one type on every replica, through the
// handler, whatever the host's database says.
func TestServedTypesDoNotDependOnTheHost(t *testing.T) {
	fsys := fstest.MapFS{
		"fonts/a.otf":            {Data: []byte("OTTO\x00\x0a")},
		"fonts/a.WOFF2":          {Data: []byte("wOF2")},
		"js/app.js.map":          {Data: []byte(`{"version":3}`)},
		"site.webmanifest":       {Data: []byte(`{"name":"x"}`)},
		"video/intro.webm":       {Data: []byte("\x1aE\xdf\xa3")},
		"data.gincache-test-ext": {Data: []byte("plain words\n")},
	}
	r := engine(New(fsys))
	tests := []struct{ target, want string }{
		{"/static/fonts/a.otf", "font/otf"},
		{"/static/fonts/a.WOFF2", "font/woff2"}, // the extension's case does not matter
		{"/static/js/app.js.map", "application/json"},
		{"/static/site.webmanifest", "application/manifest+json"},
		{"/static/video/intro.webm", "video/webm"},
		{"/static/data.gincache-test-ext", "text/plain; charset=utf-8"}, // not listed, unknown to the host: sniffed
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			checkAll(t, do(t, r, "GET", tt.target), hasStatus(200), hasHeader("Content-Type", tt.want),
				hasHeader("X-Content-Type-Options", "nosniff"))
		})
	}
}

// An extension the table does not list still gets the host's type.
func TestUnlistedExtensionAsksTheHost(t *testing.T) {
	const ext, typ = ".gincache-registered", "application/x-gincache-registered"
	if err := mime.AddExtensionType(ext, typ); err != nil {
		t.Fatal(err)
	}
	if _, listed := webTypes[ext]; listed {
		t.Fatalf("%s must not be in webTypes for this test", ext)
	}
	if got := typeByExtension(ext); got != typ {
		t.Errorf("typeByExtension(%q) = %q, want the host's %q", ext, got, typ)
	}
}

// New over files of listed types leaves the host's MIME database unread, and
// with it the half mebibyte it keeps for the life of the process. Measured in
// a fresh process, where nothing else has read it yet.
func TestNewLeavesTheHostDatabaseUnread(t *testing.T) {
	if os.Getenv("GINCACHE_MIME_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestNewLeavesTheHostDatabaseUnread$", "-test.v")
		cmd.Env = append(os.Environ(), "GINCACHE_MIME_CHILD=1")
		out, err := cmd.CombinedOutput()
		t.Logf("child:\n%s", out)
		if err != nil {
			t.Fatalf("child: %v", err)
		}
		if bytes.Contains(out, []byte("--- SKIP")) {
			t.Skip("the host has no MIME database to leave unread")
		}
		return
	}
	live := func() int64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	fsys := testFS()
	delete(fsys, "img/logo.v2") // unlisted: it would, rightly, ask the host
	before := live()
	a := New(fsys)
	byNew := live() - before
	mime.TypeByExtension(".gincache-unlisted") // now read it, to see what it would have cost
	byDatabase := live() - before - byNew
	runtime.KeepAlive(a)
	t.Logf("New kept %d B; reading the host's database then kept %d B", byNew, byDatabase)
	if byDatabase < 100<<10 {
		t.Skip("the host's MIME database is small or missing")
	}
	if byNew > byDatabase/2 {
		t.Errorf("New kept %d B, as if it had read the host's database (%d B)", byNew, byDatabase)
	}
}
