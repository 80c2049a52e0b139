package gincache

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// errorLogInterval is the least time between two store-error lines: a store
// that is down fails every request, and one line a request would bury the
// log while telling nothing new.
const errorLogInterval = 10 * time.Second

// errorLog reports store errors at a sane rate, counting those it leaves out.
type errorLog struct {
	logger     *slog.Logger
	every      time.Duration
	msg        string       // the line's message; "": a store error's
	last       atomic.Int64 // Unix nanoseconds of the last line; 0: none yet
	suppressed atomic.Int64 // errors since the last line
}

func (l *errorLog) report(now time.Time, op, key string, err error) {
	t := now.UnixNano()
	last := l.last.Load()
	if last != 0 && t-last < int64(l.every) || !l.last.CompareAndSwap(last, t) {
		l.suppressed.Add(1)
		return
	}
	msg := l.msg
	if msg == "" {
		msg = "gincache: store error; serving from the handler"
	}
	l.logger.Warn(msg,
		"op", op, "key", key, "err", err, "suppressed", l.suppressed.Swap(0))
}
