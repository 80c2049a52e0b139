package assets

import (
	"mime"
	"strings"
)

// webTypes is the Content-Type of the file extensions a web front end
// serves. It is looked up before the host's MIME database, for two reasons.
//
// Every replica must send the same Content-Type for the same URL, and assets
// sends X-Content-Type-Options: nosniff, so a wrong type is a broken page,
// not a guess the browser repairs. mime.TypeByExtension reads the host's
// database (/etc/mime.types, /usr/share/mime/globs2 …) beyond Go's own
// short list, and hosts disagree: Debian 12 maps .otf to an OpenDocument
// formula template and .webm to audio, a distroless image knows neither, and
// none knows .map or .webmanifest.
//
// And loading that database keeps about half a mebibyte on the heap for the
// life of the process (measured in BENCHMARKS.md, "Asset types"), which a
// small server's garbage collector pays for on every cycle.
//
// The entries Go itself knows (mime's built-in table, which wins over the
// host's) have exactly Go's values, so they answer as before; the others are
// IANA's registrations (RFC 8081 for fonts), with charset=utf-8 on text
// types as mime adds it. An extension not listed still goes to the host's
// database, then to sniffing the content.
var webTypes = map[string]string{
	// Go's built-in table (mime/type.go), verbatim.
	".avif": "image/avif",
	".css":  "text/css; charset=utf-8",
	".gif":  "image/gif",
	".htm":  "text/html; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".jpeg": "image/jpeg",
	".jpg":  "image/jpeg",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".mjs":  "text/javascript; charset=utf-8",
	".pdf":  "application/pdf",
	".png":  "image/png",
	".svg":  "image/svg+xml",
	".wasm": "application/wasm",
	".webp": "image/webp",
	".xml":  "text/xml; charset=utf-8",

	// Fonts (RFC 8081).
	".otf":   "font/otf",
	".ttf":   "font/ttf",
	".woff":  "font/woff",
	".woff2": "font/woff2",

	// The rest of a front end's usual files.
	".apng":        "image/apng",
	".csv":         "text/csv; charset=utf-8",
	".gz":          "application/gzip",
	".ico":         "image/vnd.microsoft.icon",
	".jsonld":      "application/ld+json",
	".map":         "application/json", // source maps are JSON
	".md":          "text/markdown; charset=utf-8",
	".mp3":         "audio/mpeg",
	".mp4":         "video/mp4",
	".txt":         "text/plain; charset=utf-8",
	".webm":        "video/webm",
	".webmanifest": "application/manifest+json",
	".xhtml":       "application/xhtml+xml",
	".zip":         "application/zip",
}

// typeByExtension returns the Content-Type for a file extension (".css"),
// from webTypes, else the host's MIME database, else "" (the caller sniffs).
// Like mime.TypeByExtension it ignores the extension's case. A name without
// an extension (LICENSE) is sniffed without asking the host, which knows no
// type for it either.
func typeByExtension(ext string) string {
	if t, ok := webTypes[strings.ToLower(ext)]; ok || ext == "" {
		return t
	}
	return mime.TypeByExtension(ext)
}
