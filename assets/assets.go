package assets

import (
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"sort"
	"strings"
	"sync"
)

// Assets serves the regular files of an fs.FS under a URL prefix, each at a
// URL that carries a hash of its content, and tells templates those URLs.
// Make one with New; it is safe for concurrent use.
type Assets struct {
	fsys  fs.FS
	cfg   config
	files map[string]*file // by fs.FS name; fixed at New, read-only after
	miss  unknownNames
}

// file is one servable file with its precompressed siblings.
type file struct {
	variants []*variant // [0] the file itself, then siblings in codings order
}

func (f *file) identity() *variant { return f.variants[0] }

// New hashes every regular file of fsys (SHA-256 of its content) and returns
// the Assets that serves them. Names with an element starting with '.'
// (".env", ".git/…") and anything that is not a regular file (directories,
// symbolic links, devices) are left out. A file "x.br" or "x.gz" beside a
// file "x" is not served on its own: it is x's precompressed form.
//
// New panics with an "assets:" message when fsys cannot be walked or a file
// cannot be read, or an option is invalid, so a broken deploy fails at
// start-up rather than on the first page.
func New(fsys fs.FS, opts ...Option) *Assets {
	if fsys == nil {
		panic("assets: New needs an fs.FS")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o.apply(&cfg)
	}
	prefix, err := validPrefix(cfg.prefix)
	if err != nil {
		panic("assets: " + err.Error())
	}
	cfg.prefix = prefix
	a := &Assets{fsys: fsys, cfg: cfg}
	if err := a.load(); err != nil {
		panic("assets: " + err.Error())
	}
	return a
}

// load walks the fs.FS and hashes every file found.
func (a *Assets) load() error {
	var names []string
	err := fs.WalkDir(a.fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading %q: %w", name, err)
		}
		if name != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	present := make(map[string]bool, len(names))
	for _, n := range names {
		present[n] = true
	}
	a.files = make(map[string]*file, len(names))
	for _, n := range names {
		if isSibling(n, present) {
			continue
		}
		f := &file{variants: []*variant{{name: n}}}
		for _, c := range codings {
			if present[n+c.suffix] {
				f.variants = append(f.variants, &variant{coding: c.coding, name: n + c.suffix})
			}
		}
		for _, v := range f.variants {
			if err := a.load1(v); err != nil {
				return err
			}
		}
		a.files[n] = f
	}
	return nil
}

// load1 hashes v for the first time.
func (a *Assets) load1(v *variant) error {
	f, err := a.fsys.Open(v.name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	d, err := a.hash(v, f, fi)
	if err != nil {
		return fmt.Errorf("reading %q: %w", v.name, err)
	}
	v.cur.Store(d)
	return nil
}

// Names returns the names of the files served, sorted: for a start-up log
// line or an application's test that its templates name only files that exist.
func (a *Assets) Names() []string {
	names := make([]string, 0, len(a.files))
	for n := range a.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// URL returns the URL of the file name ("css/app.css", a leading slash is
// ignored) with its content fingerprint: "/static/css/app.3f9a1c2b0d4e.css".
// That URL is served with a far-future, immutable Cache-Control.
//
// A name that matches no file is not an error a template could handle, so URL
// returns the plain URL ("/static/css/typo.css", which answers 404 unless the
// file appears) and reports the name once to the logger. It never panics.
func (a *Assets) URL(name string) string {
	name = strings.TrimPrefix(name, "/")
	f := a.files[name]
	if f == nil {
		u := a.urlFor(name)
		a.miss.report(a.cfg.logger, name, u)
		return u
	}
	if a.cfg.reload {
		return a.fresh(f.identity()).url
	}
	return f.identity().cur.Load().url
}

// FuncMap returns the template function "asset", which is URL, for gin's
// (*gin.Engine).SetFuncMap or html/template's Funcs:
//
//	<link rel="stylesheet" href="{{asset "css/app.css"}}">
func (a *Assets) FuncMap() template.FuncMap {
	return template.FuncMap{"asset": a.URL}
}

// maxUnknownNames bounds the names URL reports, so a template that builds
// names from request data cannot grow memory without end.
const maxUnknownNames = 64

// unknownNames remembers which unknown names URL has reported.
type unknownNames struct {
	mu   sync.Mutex
	seen map[string]bool // guarded by mu; at most maxUnknownNames
}

func (u *unknownNames) report(l *slog.Logger, name, url string) {
	if l == nil {
		return
	}
	u.mu.Lock()
	if u.seen[name] || len(u.seen) >= maxUnknownNames {
		u.mu.Unlock()
		return
	}
	if u.seen == nil {
		u.seen = make(map[string]bool)
	}
	u.seen[name] = true
	u.mu.Unlock()
	l.Warn("assets: no such file; its URL has no fingerprint", "name", name, "url", url)
}
