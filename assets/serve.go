package assets

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
)

// Cache-Control values, RFC 9111 §5.2.2 and RFC 8246.
const (
	// cacheImmutable is for a URL whose fingerprint is the content's: those
	// bytes can never change under it, so caches keep them a year (the
	// customary maximum) and browsers do not revalidate even on reload.
	cacheImmutable = "public, max-age=31536000, immutable"
	// cacheRevalidate is for every other URL of an existing file: the plain
	// name, or a fingerprint that is not (or no longer, or not yet) the
	// content's. Caches may keep the response but must check the ETag on
	// every use, so the next deploy is seen at once.
	cacheRevalidate = "no-cache"
	// cacheError keeps a 404 or 500 out of every cache, so a file that appears
	// with the next deploy is not hidden behind a stored 404.
	cacheError = "no-store"
)

// Register serves the files with GET and HEAD on r at the prefix given to
// New: "/static/*path". r may be an engine or a group whose base path the
// prefix lies under (a group "/static" or "/" and the prefix "/static"), so
// middleware can be put in front; a prefix outside the group's base path
// panics, since URL would then name paths the routes do not serve.
func (a *Assets) Register(r gin.IRoutes) {
	route := a.cfg.prefix
	if g, ok := r.(interface{ BasePath() string }); ok {
		base := strings.TrimSuffix(g.BasePath(), "/")
		if route != base && !strings.HasPrefix(route, base+"/") {
			panic("assets: prefix " + a.cfg.prefix + " is not under the group's base path " + g.BasePath())
		}
		route = route[len(base):]
	}
	route += "/*path"
	// SelfCaching tells gincache's Audit and Default that these routes set
	// their own caching headers.
	h := gincache.SelfCaching("fingerprinted: immutable; plain name: no-cache", a.serve)
	r.GET(route, h)
	r.HEAD(route, h)
}

// serve answers one request. http.ServeContent does the HTTP work —
// If-None-Match (weak comparison, lists, "*"), If-Modified-Since (ignored
// beside If-None-Match), If-Match, If-Unmodified-Since, Range and If-Range,
// HEAD, Content-Length, 304 without body or representation metadata — after
// the headers that depend on the file are set here.
func (a *Assets) serve(c *gin.Context) {
	w, r := c.Writer, c.Request
	f, fp, ok := a.resolve(c.Param("path"))
	if !ok || hasEncodedSeparator(r.URL.RawPath) {
		fail(w, http.StatusNotFound)
		return
	}
	v := f.negotiate(r.Header.Values("Accept-Encoding"))
	content, d, err := a.open(v)
	if err != nil && v.coding != "" {
		v = f.identity() // a sibling gone since New: send the file itself
		content, d, err = a.open(v)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			fail(w, http.StatusNotFound)
		} else {
			fail(w, http.StatusInternalServerError)
		}
		return
	}
	defer content.Close()

	id := d
	if v.coding != "" {
		id = f.identity().cur.Load()
		if fp != "" {
			id = a.fresh(f.identity()) // the fingerprint is the file's, not the sibling's
		}
	}
	h := w.Header()
	if len(f.variants) > 1 {
		h.Add("Vary", "Accept-Encoding") // RFC 9110 §12.5.5
	}
	if fp != "" && fp == id.fingerprint() {
		h.Set("Cache-Control", cacheImmutable)
	} else {
		h.Set("Cache-Control", cacheRevalidate)
	}
	h.Set("ETag", d.etag)
	h.Set("Content-Type", id.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	modTime := d.modTime
	if modTime.After(time.Now()) {
		modTime = time.Time{} // RFC 9110 §8.8.2.1: never later than Date
	}
	var rw http.ResponseWriter = w
	if v.coding != "" {
		rw = &encodingWriter{ResponseWriter: w, coding: v.coding}
	}
	http.ServeContent(rw, r, "", modTime, content)
}

// openFile is an open variant, ready to serve from its first byte.
type openFile struct {
	io.ReadSeeker
	io.Closer
}

// open opens v and returns its bytes with the digest of exactly that
// version, re-hashing it if it changed since it was last hashed.
func (a *Assets) open(v *variant) (*openFile, *digest, error) {
	f, err := a.fsys.Open(v.name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fs.ErrNotExist // replaced by a directory since New
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok { // an fs.FS whose files cannot seek: ServeContent needs to
		b, err := io.ReadAll(f)
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		rs = bytes.NewReader(b)
	}
	d := v.cur.Load()
	if !d.current(fi) {
		if d, err = a.refresh(v, rs, fi); err == nil {
			_, err = rs.Seek(0, io.SeekStart)
		}
		if err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	return &openFile{ReadSeeker: rs, Closer: f}, d, nil
}

// fail answers with an error status that no cache keeps.
func fail(w http.ResponseWriter, code int) {
	w.Header().Set("Cache-Control", cacheError)
	http.Error(w, http.StatusText(code), code)
}
