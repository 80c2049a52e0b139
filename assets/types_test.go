package assets

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"mime"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// goTypes is Go's built-in table exactly, read from the toolchain's own
// source, so an upgrade of Go that changes its table shows here rather than
// as a type that differs from what the rest of the program's mime says.
func TestGoTypesAreGos(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	file := filepath.Join(strings.TrimSpace(string(out)), "src", "mime", "type.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Skipf("Go's mime source: %v", err)
	}
	want := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		v, ok := n.(*ast.ValueSpec)
		if !ok || len(v.Names) != 1 || v.Names[0].Name != "builtinTypesLower" || len(v.Values) != 1 {
			return true
		}
		for _, el := range v.Values[0].(*ast.CompositeLit).Elts {
			kv := el.(*ast.KeyValueExpr)
			k, _ := strconv.Unquote(kv.Key.(*ast.BasicLit).Value)
			val, _ := strconv.Unquote(kv.Value.(*ast.BasicLit).Value)
			want[k] = val
		}
		return false
	})
	if len(want) == 0 {
		t.Fatalf("no builtinTypesLower in %s", file)
	}
	for ext, typ := range want {
		if got := goTypes[ext]; got != typ {
			t.Errorf("goTypes[%q] = %q; Go's table says %q", ext, got, typ)
		}
	}
	for ext := range goTypes {
		if _, ok := want[ext]; !ok {
			t.Errorf("goTypes has %q, which Go's table does not", ext)
		}
	}
	for ext := range moreTypes {
		if _, ok := want[ext]; ok {
			t.Errorf("moreTypes has %q, which Go's table already has", ext)
		}
	}
}

// The files hosts disagree on get one type on every replica, through the
// handler, whatever the host's database says. Their bytes sniff as plain
// text, so only the table can give the type asserted.
func TestServedTypesDoNotDependOnTheHost(t *testing.T) {
	text := []byte("plain words\n")
	fsys := fstest.MapFS{
		"fonts/a.otf":            {Data: text},
		"fonts/a.WOFF2":          {Data: text},
		"js/app.js.map":          {Data: text},
		"site.webmanifest":       {Data: text},
		"feed.xml":               {Data: text},
		"data.gincache-test-ext": {Data: text},
	}
	r := engine(New(fsys))
	tests := []struct{ target, want string }{
		{"/static/fonts/a.otf", "font/otf"},     // Debian 12's globs2: an OpenDocument formula template
		{"/static/fonts/a.WOFF2", "font/woff2"}, // the extension's case does not matter
		{"/static/js/app.js.map", "application/json"},
		{"/static/site.webmanifest", "application/manifest+json"},
		{"/static/feed.xml", "text/xml; charset=utf-8"},                 // Go's; /etc/mime.types alone says application/xml
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
	if _, listed := goTypes[ext]; listed {
		t.Fatalf("%s must not be in goTypes for this test", ext)
	}
	if _, listed := moreTypes[ext]; listed {
		t.Fatalf("%s must not be in moreTypes for this test", ext)
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
	if byNew+byDatabase < 100<<10 {
		t.Skip("the host's MIME database is small or missing") // whoever read it
	}
	if byNew > (byNew+byDatabase)/2 {
		t.Errorf("New kept %d B, as if it had read the host's database (%d B once read)", byNew, byNew+byDatabase)
	}
}
