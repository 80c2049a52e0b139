package gincache

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// coder compresses and decompresses one content-coding (RFC 9110 §8.4.1).
// Writers and readers are pooled: a gzip writer alone allocates hundreds of
// kilobytes, which a miss should not pay each time.
type coder struct {
	encode func([]byte) ([]byte, error)             // nil: decoded only (a handler's own coding)
	decode func(b []byte, size int) ([]byte, error) // size: the decoded length expected, 0 unknown
}

// maxDecoded bounds what a decode may produce: a stored body decodes to at
// most the largest body the cache keeps many times over, and a "gzip bomb"
// from a handler must not take the process's memory.
const maxDecoded = 64 << 20

var errTooLarge = errors.New("gincache: decoded body too large")

// coders are the codings the cache compresses in (br, zstd, gzip) and the
// ones it can decode when a handler sent them (deflate too). Levels are
// fixed where the measurements in the README put them: gzip's default, br
// 5, zstd's default.
var coders = map[string]*coder{
	"gzip":    {encode: gzipEncode, decode: gzipDecode},
	"br":      {encode: brEncode, decode: brDecode},
	"zstd":    {encode: zstdEncode, decode: zstdDecode},
	"deflate": {decode: deflateDecode},
}

// coderFor returns the coder of a Content-Encoding value as a handler or an
// upstream wrote it, nil for one the cache does not know: names are
// case-insensitive and "x-gzip" is gzip (RFC 9110 §8.4.1).
func coderFor(coding string) *coder {
	name := strings.ToLower(strings.TrimSpace(coding))
	if name == "x-gzip" {
		name = "gzip"
	}
	return coders[name]
}

const brQuality = 5

var (
	gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}
	gzipReaders sync.Pool
	brWriters   = sync.Pool{New: func() any { return brotli.NewWriterLevel(nil, brQuality) }}
	brReaders   = sync.Pool{New: func() any { return brotli.NewReader(nil) }}
)

func gzipEncode(b []byte) ([]byte, error) { return encodeWith(&gzipWriters, b, len(b)/4) }

// resetWriter is a pooled compressor: gzip's and brotli's writers.
type resetWriter interface {
	io.WriteCloser
	Reset(io.Writer)
}

// encodeWith compresses b with a writer from pool, into a buffer of about
// guess bytes.
func encodeWith(pool *sync.Pool, b []byte, guess int) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(guess + 64)
	w := pool.Get().(resetWriter)
	defer pool.Put(w)
	w.Reset(&out)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func gzipDecode(b []byte, size int) ([]byte, error) {
	r, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if r == nil {
		r, err = gzip.NewReader(bytes.NewReader(b))
	} else {
		err = r.Reset(bytes.NewReader(b))
	}
	if err != nil {
		return nil, err
	}
	defer gzipReaders.Put(r)
	return readAll(r, size, len(b))
}

func brEncode(b []byte) ([]byte, error) { return encodeWith(&brWriters, b, len(b)/5) }

func brDecode(b []byte, size int) ([]byte, error) {
	r := brReaders.Get().(*brotli.Reader)
	defer brReaders.Put(r)
	if err := r.Reset(bytes.NewReader(b)); err != nil {
		return nil, err
	}
	return readAll(r, size, len(b))
}

// zstd's encoder and decoder are safe for concurrent use through EncodeAll
// and DecodeAll; one of each serves the process. The window is bounded so a
// hostile frame cannot ask for gigabytes.
var (
	zstdOnce sync.Once
	zstdEnc  *zstd.Encoder
	zstdDec  *zstd.Decoder
)

func zstdInit() {
	zstdEnc, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	zstdDec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxDecoded), zstd.WithDecoderMaxWindow(8<<20))
}

func zstdEncode(b []byte) ([]byte, error) {
	zstdOnce.Do(zstdInit)
	return zstdEnc.EncodeAll(b, make([]byte, 0, len(b)/4+64)), nil
}

func zstdDecode(b []byte, size int) ([]byte, error) {
	zstdOnce.Do(zstdInit)
	return zstdDec.DecodeAll(b, make([]byte, 0, size))
}

func deflateDecode(b []byte, size int) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readAll(r, size, len(b))
}

// readAll reads r to its end, up to maxDecoded bytes, into a buffer of the
// size expected (or four times the coded size) and bytes.MinRead more,
// which ReadFrom needs free to see the end without growing.
func readAll(r io.Reader, size, coded int) ([]byte, error) {
	if size <= 0 {
		size = coded * 4
	}
	var out bytes.Buffer
	out.Grow(min(size, maxDecoded) + bytes.MinRead)
	n, err := out.ReadFrom(io.LimitReader(r, maxDecoded+1))
	if err != nil {
		return nil, err
	}
	if n > maxDecoded {
		return nil, errTooLarge
	}
	return out.Bytes(), nil
}
