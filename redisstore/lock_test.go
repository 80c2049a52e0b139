package redisstore

import (
	"strings"
	"testing"
	"time"
)

// A lock expires after the TTL asked for, never later, so a holder that dies
// blocks the others no longer than that; the suite cannot move a real
// server's clock, so this checks the TTL Redis holds.
func TestLockTTL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, _ := b.store(t)
		ctx := testCtx(t)
		tests := []struct {
			name     string
			key      string
			ttl      time.Duration
			min, max time.Duration
		}{
			{"seconds", "a", 30 * time.Second, 25 * time.Second, 30 * time.Second},
			{"milliseconds", "b", 1500 * time.Millisecond, time.Millisecond, 1500 * time.Millisecond},
			{"truncatedToMillisecond", "c", 2*time.Second + 900*time.Microsecond, time.Millisecond, 2 * time.Second},
			{"hashedKey", strings.Repeat("x", 300), time.Minute, 55 * time.Second, time.Minute},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, ok, err := s.TryLock(ctx, tt.key, tt.ttl); err != nil || !ok {
					t.Fatalf("TryLock = %v, %v; want true, nil", ok, err)
				}
				if got := pttl(t, b.client, s.lockKey(tt.key)); got < tt.min || got > tt.max {
					t.Fatalf("PTTL of the lock after TryLock(ttl=%v) = %v; want within [%v, %v]", tt.ttl, got, tt.min, tt.max)
				}
			})
		}
	})
}

func TestLockTTLUnderAMillisecond(t *testing.T) {
	_, rdb := newMiniredis(t)
	s := New(rdb)
	for _, ttl := range []time.Duration{0, -time.Second, 999 * time.Microsecond} {
		if token, ok, err := s.TryLock(testCtx(t), "k", ttl); err == nil || ok || token != "" {
			t.Errorf("TryLock(ttl=%v) = %q, %v, %v; want an error", ttl, token, ok, err)
		}
	}
}

func TestToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := newToken()
		if len(tok) != 32 || strings.Trim(tok, "0123456789abcdef") != "" {
			t.Fatalf("newToken() = %q; want 32 hex digits", tok)
		}
		if seen[tok] {
			t.Fatalf("newToken() = %q twice", tok)
		}
		seen[tok] = true
	}
}
