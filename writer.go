package gincache

import (
	"bufio"
	"bytes"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"
)

// bodyWriter buffers what the cached handler chain writes, so the middleware
// can hash, store and validate the whole response before any byte leaves.
//
// It keeps gin's rules, so a handler behaves the same with the cache as
// without it: the status may change until the first byte of the body is
// written (or WriteHeaderNow is called), and is fixed from then on. A response
// that flushes, hijacks the connection or outgrows the body limit switches to
// pass-through: what was buffered is written out and the rest goes straight to
// the client, unstored (a stream is not stored).
type bodyWriter struct {
	gin.ResponseWriter // the real writer

	buf       bytes.Buffer
	max       int
	status    int
	committed bool // the status is fixed: a body byte or WriteHeaderNow came
	streaming bool // passing through to the real writer
	hijacked  bool

	// beforeStream sets the route's headers on the real writer just before
	// the first byte passes through.
	beforeStream func()
}

var (
	_ gin.ResponseWriter = (*bodyWriter)(nil)
	_ http.Flusher       = (*bodyWriter)(nil)
	_ http.Hijacker      = (*bodyWriter)(nil)
)

func (w *bodyWriter) reset(rw gin.ResponseWriter, max int, beforeStream func()) {
	w.ResponseWriter = rw
	w.buf.Reset()
	w.max = max
	w.status = http.StatusOK
	w.committed, w.streaming, w.hijacked = false, false, false
	w.beforeStream = beforeStream
}

// WriteHeader records the status until the body starts; an interim 1xx
// goes to the client at once.
func (w *bodyWriter) WriteHeader(code int) {
	if interim(code) { // 103 Early Hints: at once, never stored (earlyhints.go)
		w.sendInterim(code)
		return
	}
	if w.streaming {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if code > 0 && !w.committed {
		w.status = code
	}
}

// WriteHeaderNow fixes the status.
func (w *bodyWriter) WriteHeaderNow() {
	if w.streaming {
		w.ResponseWriter.WriteHeaderNow()
		return
	}
	w.committed = true
}

func (w *bodyWriter) Write(b []byte) (int, error) {
	w.committed = true
	if !w.streaming && w.buf.Len()+len(b) > w.max {
		w.stream()
	}
	if w.streaming {
		return w.ResponseWriter.Write(b)
	}
	return w.buf.Write(b)
}

func (w *bodyWriter) WriteString(s string) (int, error) {
	w.committed = true
	if !w.streaming && w.buf.Len()+len(s) > w.max {
		w.stream()
	}
	if w.streaming {
		return w.ResponseWriter.WriteString(s)
	}
	return w.buf.WriteString(s)
}

// Status is the status the response will have.
func (w *bodyWriter) Status() int {
	if w.streaming {
		return w.ResponseWriter.Status()
	}
	return w.status
}

// Size is the number of body bytes written so far, or -1 before the status
// is fixed, as gin reports it.
func (w *bodyWriter) Size() int {
	if w.streaming {
		return w.ResponseWriter.Size()
	}
	if !w.committed {
		return -1
	}
	return w.buf.Len()
}

// Written reports whether the status is fixed.
func (w *bodyWriter) Written() bool {
	if w.streaming {
		return w.ResponseWriter.Written()
	}
	return w.committed
}

// Flush means the handler streams: the response passes through from here on.
func (w *bodyWriter) Flush() {
	w.stream()
	w.ResponseWriter.Flush()
}

// Hijack hands the connection to the handler; nothing is stored or written.
func (w *bodyWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.streaming && w.beforeStream != nil {
		w.beforeStream() // the connection may stay open for long: let waiters go
	}
	w.hijacked = true
	w.streaming = true
	return w.ResponseWriter.Hijack()
}

// Unwrap lets http.NewResponseController reach the real writer for what
// bodyWriter does not implement itself (deadlines, full duplex).
func (w *bodyWriter) Unwrap() http.ResponseWriter {
	return w.ResponseWriter
}

// stream switches to pass-through, writing out the status and what was buffered.
func (w *bodyWriter) stream() {
	if w.streaming {
		return
	}
	w.streaming = true
	if w.beforeStream != nil {
		w.beforeStream()
	}
	w.ResponseWriter.WriteHeader(w.status)
	if w.buf.Len() > 0 {
		_, _ = w.ResponseWriter.Write(w.buf.Bytes())
		w.buf.Reset()
	} else if w.committed {
		w.ResponseWriter.WriteHeaderNow()
	}
}
