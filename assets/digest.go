package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"path"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// fingerprintLen is how many hex digits of the file's SHA-256 ride in its
	// URL: 48 bits, so two versions of one file collide with odds of 2^-48.
	fingerprintLen = 12
	// etagLen is how many hex digits of a variant's SHA-256 make its ETag.
	etagLen = 32
	// sniffLen is how much of a file http.DetectContentType looks at.
	sniffLen = 512
)

// variant is one stored form of a file: the file itself (identity) or a
// precompressed sibling ("app.css.br").
type variant struct {
	coding string // Content-Encoding: "" for the file itself, "br", "gzip"
	name   string // name in the fs.FS

	mu  sync.Mutex             // held while re-hashing, so a changed file is hashed once
	cur atomic.Pointer[digest] // what the bytes were when last hashed; never nil after New
}

// digest is what hashing one version of a variant yields. It is never
// modified once stored: a new version gets a new digest.
type digest struct {
	sum     string    // hex SHA-256 of the bytes
	etag    string    // strong ETag: quoted first etagLen hex digits of sum
	size    int64     // size and modTime identify the version hashed
	modTime time.Time // zero when the fs.FS has none (embed.FS)
	ctype   string    // identity only: Content-Type, by extension, else sniffed
	url     string    // identity only: the fingerprinted URL
}

// fingerprint is the part of sum a URL carries.
func (d *digest) fingerprint() string { return d.sum[:fingerprintLen] }

// current reports whether fi describes the version d was computed from. Size
// and modification time are what a stat offers; a rewrite that keeps both
// (same size within the file system's time resolution, or a copy that keeps
// the time) is not noticed.
func (d *digest) current(fi fs.FileInfo) bool {
	return d.size == fi.Size() && d.modTime.Equal(fi.ModTime())
}

// hash reads r to its end and returns the digest of v's bytes; fi is the
// stat of the same open file.
func (a *Assets) hash(v *variant, r io.Reader, fi fs.FileInfo) (*digest, error) {
	h := sha256.New()
	var head [sniffLen]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	h.Write(head[:n])
	if _, err := io.Copy(h, r); err != nil {
		return nil, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	d := &digest{
		sum:     sum,
		etag:    `"` + sum[:etagLen] + `"`,
		size:    fi.Size(),
		modTime: fi.ModTime(),
	}
	if v.coding == "" {
		d.ctype = typeByExtension(path.Ext(v.name))
		if d.ctype == "" {
			d.ctype = http.DetectContentType(head[:n])
		}
		d.url = a.urlFor(fingerprinted(v.name, d.fingerprint()))
	}
	return d, nil
}

// refresh returns v's digest for the version fi describes, hashing r (the
// open file fi is the stat of) if that version has not been hashed yet. The
// caller rewinds r before serving it.
func (a *Assets) refresh(v *variant, r io.Reader, fi fs.FileInfo) (*digest, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if d := v.cur.Load(); d != nil && d.current(fi) {
		return d, nil // another request hashed this version meanwhile
	}
	d, err := a.hash(v, r, fi)
	if err != nil {
		return nil, err
	}
	v.cur.Store(d)
	return d, nil
}

// fresh returns v's digest after a stat of its file, re-hashing it when it
// changed. When the stat or the read fails it returns the last digest: the
// failure shows when the file is requested.
func (a *Assets) fresh(v *variant) *digest {
	d := v.cur.Load()
	fi, err := fs.Stat(a.fsys, v.name)
	if err != nil || d.current(fi) {
		return d
	}
	f, err := a.fsys.Open(v.name)
	if err != nil {
		return d
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return d
	}
	nd, err := a.refresh(v, f, fi)
	if err != nil {
		return d
	}
	return nd
}
