package assets

import (
	"mime"
	"strings"
)

// Content-Type by extension, the same on every host.
//
// mime.TypeByExtension answers from Go's own short table and the host's MIME
// database, and which wins depends on the host: where a shared-mime-info
// globs2 file exists (Debian with shared-mime-info) Go's table wins and the
// database adds the rest (Debian 12's maps .otf to an OpenDocument formula
// template and knows neither .map nor .webmanifest); where only
// /etc/mime.types exists (recent distroless images, Alpine with mailcap,
// Debian with media-types but not shared-mime-info), that file overrides
// Go's table (.xml becomes application/xml); where neither does (a slim or
// scratch image), only Go's table is known. Replicas
// on different base images would then send different types for one URL,
// and assets sends X-Content-Type-Options: nosniff, under which a browser
// refuses a script or stylesheet of the wrong type. So assets answers from
// its own tables first: Go's, then the few a front end needs that Go lacks.
// Only an unlisted extension asks the host's database (and a program's
// mime.AddExtensionType), and only what that does not know is sniffed.
//
// Not reading the database also keeps it off the heap: it holds about half
// a mebibyte for the life of the process, which a small server's garbage
// collector pays for on every cycle (BENCHMARKS.md, "Round 5").

// goTypes is Go's own table (builtinTypesLower in mime/type.go, Go 1.26),
// verbatim, so an extension Go knows answers what Go answers where its
// table wins. TestGoTypesAreGos compares it with the toolchain's source.
var goTypes = map[string]string{
	".ai":    "application/postscript",
	".apk":   "application/vnd.android.package-archive",
	".apng":  "image/apng",
	".avif":  "image/avif",
	".bin":   "application/octet-stream",
	".bmp":   "image/bmp",
	".com":   "application/octet-stream",
	".css":   "text/css; charset=utf-8",
	".csv":   "text/csv; charset=utf-8",
	".doc":   "application/msword",
	".docx":  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".ehtml": "text/html; charset=utf-8",
	".eml":   "message/rfc822",
	".eps":   "application/postscript",
	".exe":   "application/octet-stream",
	".flac":  "audio/flac",
	".gif":   "image/gif",
	".gz":    "application/gzip",
	".htm":   "text/html; charset=utf-8",
	".html":  "text/html; charset=utf-8",
	".ico":   "image/vnd.microsoft.icon",
	".ics":   "text/calendar; charset=utf-8",
	".jfif":  "image/jpeg",
	".jpeg":  "image/jpeg",
	".jpg":   "image/jpeg",
	".js":    "text/javascript; charset=utf-8",
	".json":  "application/json",
	".m4a":   "audio/mp4",
	".mjs":   "text/javascript; charset=utf-8",
	".mp3":   "audio/mpeg",
	".mp4":   "video/mp4",
	".oga":   "audio/ogg",
	".ogg":   "audio/ogg",
	".ogv":   "video/ogg",
	".opus":  "audio/ogg",
	".pdf":   "application/pdf",
	".pjp":   "image/jpeg",
	".pjpeg": "image/jpeg",
	".png":   "image/png",
	".ppt":   "application/vnd.ms-powerpoint",
	".pptx":  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".ps":    "application/postscript",
	".rdf":   "application/rdf+xml",
	".rtf":   "application/rtf",
	".shtml": "text/html; charset=utf-8",
	".svg":   "image/svg+xml",
	".text":  "text/plain; charset=utf-8",
	".tif":   "image/tiff",
	".tiff":  "image/tiff",
	".txt":   "text/plain; charset=utf-8",
	".vtt":   "text/vtt; charset=utf-8",
	".wasm":  "application/wasm",
	".wav":   "audio/wav",
	".webm":  "audio/webm",
	".webp":  "image/webp",
	".xbl":   "text/xml; charset=utf-8",
	".xbm":   "image/x-xbitmap",
	".xht":   "application/xhtml+xml",
	".xhtml": "application/xhtml+xml",
	".xls":   "application/vnd.ms-excel",
	".xlsx":  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".xml":   "text/xml; charset=utf-8",
	".xsl":   "text/xml; charset=utf-8",
	".zip":   "application/zip",
}

// moreTypes are a front end's files that Go's table lacks: fonts as RFC 8081
// registers them, source maps (JSON, by the source map format's
// convention), web app manifests (W3C Web App Manifest), Markdown (RFC
// 7763) and JSON-LD, with charset=utf-8 on text types as mime adds it.
var moreTypes = map[string]string{
	".jsonld":      "application/ld+json",
	".map":         "application/json",
	".md":          "text/markdown; charset=utf-8",
	".otf":         "font/otf",
	".ttf":         "font/ttf",
	".webmanifest": "application/manifest+json",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
}

// typeByExtension returns the Content-Type for a file extension (".css"):
// goTypes', else moreTypes', else the host's, else "" (the caller sniffs).
// Like mime.TypeByExtension it ignores the extension's case. A name without
// an extension (LICENSE, or "notes." whose extension is the dot alone) is
// sniffed without asking the host, which knows no type for it either.
func typeByExtension(ext string) string {
	if len(ext) < 2 {
		return ""
	}
	lower := strings.ToLower(ext)
	if t, ok := goTypes[lower]; ok {
		return t
	}
	if t, ok := moreTypes[lower]; ok {
		return t
	}
	return mime.TypeByExtension(ext)
}
