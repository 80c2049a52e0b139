package assets

import (
	"io/fs"
	"net/url"
	"path"
	"strings"
)

// fingerprinted puts fp into name before its extension: "css/app.css" →
// "css/app.3f9a1c2b0d4e.css", "LICENSE" → "LICENSE.3f9a1c2b0d4e".
func fingerprinted(name, fp string) string {
	ext := path.Ext(name) // of the last element only
	return name[:len(name)-len(ext)] + "." + fp + ext
}

// splitFingerprint undoes fingerprinted: it returns the name a fingerprinted
// name was built from and the fingerprint, or ok false when name has no
// fingerprint where fingerprinted puts one. Only lower-case hex digits of the
// exact length count, so every file version has exactly one URL.
func splitFingerprint(name string) (base, fp string, ok bool) {
	dir, file := path.Split(name)
	ext := path.Ext(file)
	rest := file[:len(file)-len(ext)]
	if fpExt := path.Ext(rest); isFingerprint(fpExt) && len(rest) > len(fpExt) {
		// "app.FP.css" → "app.css"
		return dir + rest[:len(rest)-len(fpExt)] + ext, fpExt[1:], true
	}
	if isFingerprint(ext) && rest != "" && path.Ext(rest) == "" {
		// "LICENSE.FP" → "LICENSE"; "app.css.FP" is not a URL we make.
		return dir + rest, ext[1:], true
	}
	return "", "", false
}

// isFingerprint reports whether ext is "." followed by fingerprintLen
// lower-case hex digits.
func isFingerprint(ext string) bool {
	if len(ext) != 1+fingerprintLen || ext[0] != '.' {
		return false
	}
	for i := 1; i < len(ext); i++ {
		if c := ext[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// cleanName turns the route's wildcard ("/css/app.css") into an fs.FS name
// ("css/app.css"). Anything that is not already a clean, relative,
// slash-separated name is refused rather than cleaned: ".." and "."
// elements, empty elements ("//", an absolute path after the prefix), a
// trailing slash, backslashes and NUL bytes. Refusing keeps one URL per file
// and never lets a name step outside the fs.FS.
func cleanName(p string) (string, bool) {
	name, ok := strings.CutPrefix(p, "/")
	if !ok || name == "" || name == "." || !fs.ValidPath(name) || strings.ContainsAny(name, "\\\x00") {
		return "", false
	}
	return name, true
}

// resolve maps a request's wildcard path to a file and the fingerprint the
// request carries ("" when none). A name that is itself a file wins over
// reading a fingerprint out of it, so a file already named "app.3f9a1c2b0d4e.css"
// by a bundler is served as itself.
func (a *Assets) resolve(p string) (f *file, fp string, ok bool) {
	name, ok := cleanName(p)
	if !ok {
		return nil, "", false
	}
	if f := a.files[name]; f != nil {
		return f, "", true
	}
	base, fp, ok := splitFingerprint(name)
	if !ok {
		return nil, "", false
	}
	if f = a.files[base]; f == nil {
		return nil, "", false
	}
	return f, fp, true
}

// hasEncodedSeparator reports whether an escaped request path carries a
// percent-encoded slash or backslash. Such a path means one thing to a
// server that decodes before splitting and another to one that does not
// (proxies, CDNs, gin's UseRawPath), so it is refused whatever it decodes to.
func hasEncodedSeparator(escaped string) bool {
	for i := 0; i+2 < len(escaped); i++ {
		if escaped[i] != '%' {
			continue
		}
		switch escaped[i+1 : i+3] {
		case "2f", "2F", "5c", "5C":
			return true
		}
	}
	return false
}

// urlFor returns the escaped URL of name under the prefix.
func (a *Assets) urlFor(name string) string {
	return (&url.URL{Path: a.cfg.prefix + "/" + name}).EscapedPath()
}
