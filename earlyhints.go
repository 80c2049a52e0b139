package gincache

import (
	"net/http"
	"time"
)

// interim reports whether code is an interim response that goes to the
// client at once, before the final one (RFC 9110 §15.2), such as 103 Early
// Hints (RFC 8297). 101 is not one here: it switches the connection's
// protocol and is the last response on it.
func interim(code int) bool {
	return code >= 100 && code < 200 && code != http.StatusSwitchingProtocols
}

// maxUnwrap bounds the walk down a chain of wrapped writers.
const maxUnwrap = 16

// connected is what a writer on a live connection has: net/http's HTTP/1
// and HTTP/2 writers both set write deadlines (for
// http.ResponseController). A writer without one — an
// httptest.ResponseRecorder, a background refresh's sink, a wrapper that
// does not unwrap — has no client to send an interim response to, and
// would take the code for the final status.
type connected interface {
	SetWriteDeadline(time.Time) error
}

// sendInterim sends an interim response straight to the connection, with
// the header as it is now (net/http writes a 1xx at once when WriteHeader
// is called with one). It goes around gin's writer and any other wrapper
// between the cache and the connection, which would take the code for the
// final status and keep it (gin's does). It is never buffered, stored or
// replayed, and the final status is still the handler's to choose. An
// interim response once the final status is fixed, or to a writer that is
// not connected (see connected), is dropped: a server may refrain from
// sending hints (RFC 8297 §3), a wrong final status it may not send.
func (w *bodyWriter) sendInterim(code int) {
	if w.committed || w.streaming && w.ResponseWriter.Written() {
		return // RFC 9110 §15.2: interim responses precede the final one
	}
	var rw http.ResponseWriter = w.ResponseWriter
	for range maxUnwrap {
		u, ok := rw.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		rw = u.Unwrap()
	}
	if _, ok := rw.(connected); ok {
		rw.WriteHeader(code)
	}
}
