package redisstore

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// logEvery is the least time between two failure records: an outage of a
// busy site must not flood its logs.
const logEvery = 10 * time.Second

// failureLog logs failures at most once per logEvery, each record carrying
// how many failures went unlogged since the previous one.
type failureLog struct {
	logger *slog.Logger // nil: slog.Default()
	now    func() time.Time

	mu         sync.Mutex
	next       time.Time // no record before this time
	suppressed int       // failures not logged since the last record
}

func (l *failureLog) out() *slog.Logger {
	if l.logger != nil {
		return l.logger
	}
	return slog.Default()
}

// failure logs a failed call, unless one was logged less than logEvery ago.
// opened says the failure opened the breaker for wait.
func (l *failureLog) failure(ctx context.Context, op string, err error, opened bool, wait time.Duration) {
	l.mu.Lock()
	now := l.now()
	if now.Before(l.next) {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	n := l.suppressed
	l.suppressed = 0
	l.next = now.Add(logEvery)
	l.mu.Unlock()

	attrs := []slog.Attr{slog.String("op", op), slog.Any("err", err), slog.Int("suppressed", n)}
	if opened {
		attrs = append(attrs, slog.String("breaker", "open"), slog.Duration("retry_in", wait))
	}
	l.out().LogAttrs(ctx, slog.LevelError, "redisstore: redis call failed", attrs...)
}

// recovered logs that a probe succeeded and the breaker closed. It is not
// rate limited: the back-off already bounds how often it can happen.
func (l *failureLog) recovered(ctx context.Context) {
	l.out().LogAttrs(ctx, slog.LevelInfo, "redisstore: redis answers again; circuit breaker closed")
}

// warn logs a configuration problem found by New.
func (l *failureLog) warn(msg string) {
	l.out().LogAttrs(context.Background(), slog.LevelWarn, msg)
}
