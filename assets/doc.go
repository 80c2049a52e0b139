// Package assets serves static files from any fs.FS — an embed.FS in
// production, os.DirFS in development — at URLs that carry a hash of their
// content, so browsers and CDNs can keep them for a year and still see a new
// version the moment it is deployed.
//
// Quick start:
//
//	//go:embed static
//	var static embed.FS
//
//	sub, _ := fs.Sub(static, "static")
//	a := assets.New(sub)               // served under /static
//	r := gin.New()
//	r.SetFuncMap(a.FuncMap())          // before LoadHTMLGlob
//	r.LoadHTMLGlob("templates/*")
//	a.Register(r)                      // GET and HEAD /static/*path
//
// and in a template:
//
//	<link rel="stylesheet" href="{{asset "css/app.css"}}">
//	→ <link rel="stylesheet" href="/static/css/app.3f9a1c2b0d4e.css">
//
// # What each URL gets
//
//   - /static/css/app.3f9a1c2b0d4e.css, the current fingerprint:
//     Cache-Control: public, max-age=31536000, immutable (RFC 8246).
//   - /static/css/app.css (no fingerprint), or a fingerprint that is not the
//     content's (stale, from an older page, or from a newer replica in a
//     rolling deploy): the current content with Cache-Control: no-cache, so
//     every use revalidates — never a far-future header for bytes the URL
//     does not pin down. Serving the file rather than a 404 or a redirect
//     keeps pages cached before a deploy working during and after it.
//   - Every file response has a strong ETag (the quoted first 32 hex digits
//     of the bytes' SHA-256), Last-Modified when the fs.FS gives a
//     modification time that is not in the future (embed.FS gives none, so
//     there is none), Content-Type (by extension, from tables that are the
//     same on every host, then the host's MIME database and the program's
//     mime.AddExtensionType for an extension they do not list, else sniffed
//     from the first 512 bytes; types.go), X-Content-Type-Options: nosniff
//     and Content-Length, and
//     answers If-None-Match and If-Modified-Since with 304, Range with 206.
//   - A name that is no file, a directory, or any path that is not a clean
//     relative name: 404 with Cache-Control: no-store.
//
// # Choices, and why
//
// The fingerprint rides in the path, not the query ("app.3f9a1c2b0d4e.css",
// not "app.css?v=3f9a1c2b0d4e"): some shared caches and proxies ignore the
// query when keying or refuse to cache URLs that have one; relative URLs
// inside a stylesheet (url(../img/logo.png)) resolve next to the fingerprinted
// file exactly as next to the plain one; and the plain name stays a valid URL.
// It goes before the extension, so the extension still gives the type to
// every tool that guesses from it; a file without an extension gets it at the
// end ("LICENSE.3f9a1c2b0d4e").
//
// The fingerprint is the content's SHA-256, not a modification time: the same
// bytes give the same URL on every replica and after every deploy, whatever
// the file system's clock or the order files were copied in. It is 12 hex
// digits (48 bits) — it only has to tell versions of one file apart — and only
// that exact form counts as a fingerprint, so each version has one URL.
//
// Hashes are computed once, at New, by walking the whole fs.FS — not lazily —
// so a missing directory or unreadable file fails the start-up with a clear
// panic instead of the first page, templates never wait on disk, and the
// request path is a map lookup. Hashing a few megabytes of assets takes
// milliseconds. The set of files is fixed then; a file's content is not: each
// request compares the opened file's size and modification time with the
// version hashed and, when they differ, hashes the new version once (under a
// per-file lock) before answering, so an ETag or an immutable header always
// describes the bytes sent. WithReload makes URL do the same check, so a
// development server on os.DirFS puts the new fingerprint in the next page.
//
// Names are never cleaned: anything that is not already a clean relative name
// — ".." or "." elements, "//", a trailing slash, a backslash, a NUL byte, a
// percent-encoded slash or backslash anywhere in the request path — is a 404,
// so no request reaches outside the fs.FS and each file has one URL. Files and
// directories whose name starts with a dot (".env", ".git") are not served,
// nor are symbolic links: the walk at New does not follow them, so nothing
// reached through a link is served. A link swapped into an os.DirFS tree after
// New would still be followed when its path is opened; give New an os.Root's
// FS (os.OpenRoot(dir).FS()) to keep every open inside the directory.
//
// URL of a name that matches no file returns the plain URL (which answers 404
// until the file exists) and logs the name once: a template has no good way to
// handle an error, and a panic would take the page down for a typo.
//
// # Precompressed files
//
// A file "app.css.br" or "app.css.gz" beside "app.css" is its precompressed
// form, sent with Content-Encoding when the request's Accept-Encoding allows
// it (q-values respected; br is preferred on a tie, then gzip; without
// Accept-Encoding the file itself). Every response for such a file, 304s
// included, carries Vary: Accept-Encoding, and each form has its own ETag
// (from its own bytes), so a cache never answers one form's validator with
// another. The siblings must be made from the file at build time; the package
// cannot check that a .br file is the current file compressed.
package assets
