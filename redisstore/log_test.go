package redisstore

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(strings.TrimSpace(b.b.String()), "\n")
}

func TestFailureLogRateLimit(t *testing.T) {
	var buf syncBuffer
	clk := newFakeClock()
	l := &failureLog{logger: slog.New(slog.NewTextHandler(&buf, nil)), now: clk.Now}
	err := errors.New("boom")
	ctx := testCtx(t)

	for range 5 {
		l.failure(ctx, "get", err, false, 0)
	}
	clk.Advance(logEvery - time.Millisecond)
	l.failure(ctx, "get", err, false, 0)
	clk.Advance(time.Millisecond)
	l.failure(ctx, "set", err, true, 2*time.Second)

	lines := buf.lines()
	if len(lines) != 2 {
		t.Fatalf("logged %d records; want 2 (one per %v):\n%s", len(lines), logEvery, strings.Join(lines, "\n"))
	}
	for i, want := range []string{
		"op=get err=boom suppressed=0",
		"op=set err=boom suppressed=5 breaker=open retry_in=2s",
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("record %d = %s; want it to contain %q", i, lines[i], want)
		}
	}
}
