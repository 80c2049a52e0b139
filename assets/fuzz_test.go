package assets

import (
	"io/fs"
	"path"
	"strings"
	"testing"
)

// FuzzResolve: no request path panics the resolver or resolves to a name
// outside the fs.FS; whatever resolves is a file of the set, reached by its
// own name or by its name with a well-formed fingerprint.
func FuzzResolve(f *testing.F) {
	for _, seed := range []string{
		"/css/app.css", "/css/app." + fp(appCSS) + ".css", "/LICENSE." + fp(license), "/js/app.js.br",
		"/archive.tar." + fp("not really gzip") + ".gz", "/css/app.000000000000.css", "/css/app.ABCDEF012345.css",
		"/", "", "//", "/.", "/..", "/../secret", "/css/../../secret", "/css/./app.css", "/css//app.css",
		"/css/app.css/", `/..\secret`, `\..\secret`, "/css/app.css\x00", "/\x00", "//etc/passwd",
		"/C:/Windows/win.ini", "/..%2fsecret", "/%2e%2e/secret", "/.env", "/css", "/css/", "/.." + fp(appCSS),
		"/." + fp(appCSS) + ".css", "/css/app.css." + fp(appCSS), "/\u00e9.css", "/\xff\xfe",
	} {
		f.Add(seed)
	}
	a := New(testFS(), WithLogger(nil))
	f.Fuzz(func(t *testing.T, p string) {
		file, fingerprint, ok := a.resolve(p)
		if !ok {
			if file != nil || fingerprint != "" {
				t.Fatalf("resolve(%q) = %v, %q, false; want nothing with false", p, file, fingerprint)
			}
			return
		}
		name := file.identity().name
		if !fs.ValidPath(name) || name == "." || strings.ContainsAny(name, "\\\x00") {
			t.Fatalf("resolve(%q) = %q, not a valid name inside the fs.FS", p, name)
		}
		if a.files[name] != file {
			t.Fatalf("resolve(%q) = %q, not a file of the set", p, name)
		}
		req := strings.TrimPrefix(p, "/")
		switch {
		case fingerprint == "" && req == name:
		case fingerprint != "" && isFingerprint("."+fingerprint) && req == fingerprinted(name, fingerprint):
		default:
			t.Fatalf("resolve(%q) = %q, %q: neither the name nor the name with that fingerprint", p, name, fingerprint)
		}
	})
}

// FuzzFingerprint: for every name a file can have, the fingerprinted name
// splits back into the name and the fingerprint.
func FuzzFingerprint(f *testing.F) {
	for _, seed := range []string{
		"css/app.css", "LICENSE", "archive.tar.gz", "a.", "a..b", "dir.d/file", "x." + fp(appCSS),
		"x." + fp(appCSS) + ".css", "a b/c#d?.e",
	} {
		f.Add(seed, fp(appCSS))
	}
	f.Fuzz(func(t *testing.T, name, sum string) {
		if _, ok := cleanName("/" + name); !ok || strings.HasPrefix(path.Base(name), ".") {
			return // not a name New serves
		}
		if !isFingerprint("." + sum) {
			sum = fp(sum)
		}
		got := fingerprinted(name, sum)
		if _, ok := cleanName("/" + got); !ok {
			t.Fatalf("fingerprinted(%q, %q) = %q, not a valid name", name, sum, got)
		}
		base, fp, ok := splitFingerprint(got)
		if !ok || base != name || fp != sum {
			t.Fatalf("splitFingerprint(%q) = %q, %q, %v; want %q, %q, true", got, base, fp, ok, name, sum)
		}
	})
}
