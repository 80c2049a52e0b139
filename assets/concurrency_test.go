package assets

import (
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countFS counts the bytes read from its files.
type countFS struct {
	fs.FS
	read *atomic.Int64
}

type countFile struct {
	fs.File
	read *atomic.Int64
}

func (f countFS) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if fi, err := file.Stat(); err != nil || fi.IsDir() {
		return file, err
	}
	return countFile{file, f.read}, nil
}

func (f countFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	f.read.Add(int64(n))
	return n, err
}

func (f countFile) Seek(offset int64, whence int) (int64, error) {
	return f.File.(io.Seeker).Seek(offset, whence)
}

// Concurrent requests for a file edited after New hash the new version once
// between them. HEAD requests read nothing to answer, so every byte read is
// hashing.
func TestChangedFileHashedOnce(t *testing.T) {
	mod := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	dir := dirFS(t, mod, map[string]string{"a.css": appCSS})
	var read atomic.Int64
	a := New(countFS{os.DirFS(dir), &read})
	r := engine(a)
	if got := read.Load(); got != int64(len(appCSS)) {
		t.Fatalf("New read %d bytes; want %d (one hash)", got, len(appCSS))
	}
	const edited = "body { color: red; background: white }\n"
	if err := os.WriteFile(filepath.Join(dir, "a.css"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	read.Store(0)
	const n = 32
	var wg sync.WaitGroup
	etags := make([]string, n)
	for i := range n {
		wg.Go(func() {
			req := httptestRequest("HEAD", "/static/a.css")
			w := serveReq(r, req)
			if w.Code != http.StatusOK {
				t.Errorf("status = %d; want 200", w.Code)
			}
			etags[i] = w.Header().Get("ETag")
		})
	}
	wg.Wait()
	if got := read.Load(); got != int64(len(edited)) {
		t.Errorf("%d requests read %d bytes; want %d (one hash of the new version)", n, got, len(edited))
	}
	for i, e := range etags {
		if e != etag(edited) {
			t.Errorf("request %d: ETag = %s; want %s", i, e, etag(edited))
		}
	}
	read.Store(0)
	for range 3 {
		a.URL("a.css")
		serveReq(r, httptestRequest("HEAD", a.URL("a.css")))
	}
	if got := read.Load(); got != 0 {
		t.Errorf("unchanged file: read %d bytes; want 0", got)
	}
}
