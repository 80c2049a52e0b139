package gincache

import (
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// strongETag derives a strong entity-tag from the representation: the body
// and its Content-Encoding (a deterministic strong ETag). The same bytes give the same
// tag on every replica and after every re-render, so a client that
// revalidates against any replica, or after the entry expired and was
// rendered again unchanged, still gets its 304. (Random bytes would make
// every render a new version.)
//
// xxHash64 is not a cryptographic hash; it is fast enough to run on every
// miss, and an accidental collision between two versions of one URL is a
// 1-in-2^64 event.
func strongETag(contentEncoding string, body []byte) string {
	var d xxhash.Digest
	d.Reset()
	_, _ = d.WriteString(contentEncoding)
	_, _ = d.WriteString("\x00") // no encoding name holds a NUL, so no body can imitate one
	_, _ = d.Write(body)
	sum := d.Sum64()
	b := make([]byte, 0, 18)
	b = append(b, '"')
	hex := strconv.AppendUint(make([]byte, 0, 16), sum, 16)
	for range 16 - len(hex) {
		b = append(b, '0')
	}
	b = append(b, hex...)
	b = append(b, '"')
	return string(b)
}

// normalizeETag keeps a handler's own entity-tag (the handler's validators kept) and
// quotes a bare one, so the ETag sent is never unquoted (RFC 9110 §8.8.3). It returns ""
// when the value cannot be made a valid entity-tag; a generated one is then used.
func normalizeETag(s string) string {
	if validETag(s) {
		return s
	}
	weak, opaque := "", s
	if rest, ok := strings.CutPrefix(s, "W/"); ok {
		weak, opaque = "W/", rest
	}
	if q := weak + `"` + opaque + `"`; opaque != "" && validETag(q) {
		return q
	}
	return ""
}
