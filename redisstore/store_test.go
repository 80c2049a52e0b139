package redisstore

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/storetest"
	"github.com/redis/go-redis/v9"
)

// The conformance suite, on miniredis, a real Redis and a real Redis Cluster.
func TestConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		storetest.Run(t, storetest.Harness{
			New: func(t *testing.T) gincache.Store {
				s, _ := b.store(t)
				return s
			},
			Advance: b.advance,
		})
	})
}

// The tag and lock suites, on the same three backends.
func TestTaggerConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		storetest.RunTagger(t, storetest.Harness{
			New: func(t *testing.T) gincache.Store {
				s, _ := b.store(t)
				return s
			},
			Advance: b.advance,
		})
	})
}

// The rewrite suite (gincache's soft purge), on the same three backends.
func TestRewriterConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		storetest.RunRewriter(t, storetest.Harness{
			New: func(t *testing.T) gincache.Store {
				s, _ := b.store(t)
				return s
			},
			Advance: b.advance,
		})
	})
}

func TestLockerConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		storetest.RunLocker(t, storetest.Harness{
			New: func(t *testing.T) gincache.Store {
				s, _ := b.store(t)
				return s
			},
			Advance: b.advance,
		})
	})
}

// TestTTL checks the expiry Set gives Redis: never longer than asked, so a
// real server, whose clock the suite cannot move, expires entries in time.
func TestTTL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, _ := b.store(t)
		long := strings.Repeat("x", 300)
		tests := []struct {
			name     string
			key      string
			ttl      time.Duration
			min, max time.Duration // the PTTL Redis reports right after Set
		}{
			{"seconds", "a", 90 * time.Second, 80 * time.Second, 90 * time.Second},
			{"milliseconds", "b", 1500 * time.Millisecond, time.Millisecond, 1500 * time.Millisecond},
			{"truncatedToMillisecond", "c", 1500*time.Millisecond + 700*time.Microsecond, time.Millisecond, 1500 * time.Millisecond},
			{"hashedKey", long, time.Hour, 59 * time.Minute, time.Hour},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := testCtx(t)
				if err := s.Set(ctx, tt.key, storetest.Sample("x"), tt.ttl); err != nil {
					t.Fatalf("Set: %v", err)
				}
				rk, _ := s.redisKey(tt.key)
				got, err := b.client.PTTL(ctx, rk).Result()
				if err != nil {
					t.Fatalf("PTTL: %v", err)
				}
				if got < tt.min || got > tt.max {
					t.Fatalf("PTTL after Set(ttl=%v) = %v; want within [%v, %v]", tt.ttl, got, tt.min, tt.max)
				}
			})
		}

		// A TTL under a millisecond stores nothing and removes what was
		// there: no stale entry outlives the call.
		t.Run("subMillisecondDeletes", func(t *testing.T) {
			ctx := testCtx(t)
			if err := s.Set(ctx, "d", storetest.Sample("old"), time.Minute); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if err := s.Set(ctx, "d", storetest.Sample("new"), 500*time.Microsecond); err != nil {
				t.Fatalf("Set(ttl=500µs): %v", err)
			}
			rk, _ := s.redisKey("d")
			if n := b.client.Exists(ctx, rk).Val(); n != 0 {
				t.Fatalf("EXISTS %s = %d after Set(ttl=500µs); want 0", rk, n)
			}
		})
	})
}

// ignoredCommands run on a server besides the store's own: connection
// set-up, cluster topology, and the INFO that measures.
func ignoredCommand(name string) bool {
	for _, p := range []string{"info", "ping", "hello", "client", "cluster", "command", "readonly", "select", "auth"} {
		if name == p || strings.HasPrefix(name, p+"|") {
			return true
		}
	}
	return false
}

// TestCommandCount checks that a hit is one GET, a store one SET, and that
// tags and locks cost what the package documentation says, by the server's
// own counters. On a shared server other clients add commands, never
// remove them, so a few attempts are made and an exact match on one of them
// is proof. Not parallel: it must not count its own sibling tests.
func TestCommandCount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, _ := b.store(t)
		ctx := testCtx(t)
		long := strings.Repeat("long/", 100)
		for _, k := range []string{"hit", long, "x", "y", "z"} {
			if err := s.Set(ctx, k, storetest.Sample(k), time.Minute); err != nil {
				t.Fatalf("Set: %v", err)
			}
		}
		dels := map[string]int64{"del": 1}
		purge := map[string]int64{"zremrangebyscore": 2, "zrange": 4, "sscan": 2, "zrem": 2, "del": 1}
		if b.cluster {
			dels = map[string]int64{"del": 3} // keys in different slots: one DEL each
			purge["del"] = 3
		}
		// Before each attempt, outside what is counted, the tagged entries
		// are stored again for PurgeTags to find.
		retag := func() error {
			for _, k := range []string{"p", "q", "r"} {
				if err := s.SetTagged(ctx, k, storetest.Sample(k), time.Minute, []string{"tag-" + k, "tag-all"}); err != nil {
					return err
				}
			}
			return nil
		}
		tests := []struct {
			name string
			op   func() error
			want map[string]int64
		}{
			{"GetHit", func() error { _, err := s.Get(ctx, "hit"); return err }, map[string]int64{"get": 1}},
			{"GetHashedKey", func() error { _, err := s.Get(ctx, long); return err }, map[string]int64{"get": 1}},
			{"GetMiss", func() error {
				if _, err := s.Get(ctx, "missing"); !errors.Is(err, gincache.ErrNotFound) {
					return err
				}
				return nil
			}, map[string]int64{"get": 1}},
			{"Set", func() error { return s.Set(ctx, "hit", storetest.Sample("hit"), time.Minute) }, map[string]int64{"set": 1}},
			{"SetHashedKey", func() error { return s.Set(ctx, long, storetest.Sample("l"), time.Minute) }, map[string]int64{"set": 1}},
			{"SetZeroTTL", func() error { return s.Set(ctx, "gone", storetest.Sample("g"), 0) }, map[string]int64{"del": 1}},
			{"Delete", func() error { return s.Delete(ctx, "x", "y", "z") }, dels},
			// One SET, and per tag ZADD, ZREMRANGEBYSCORE of the expired,
			// PEXPIRE NX and PEXPIRE GT.
			{"SetTagged", func() error {
				return s.SetTagged(ctx, "hit", storetest.Sample("hit"), time.Minute, []string{"a", "b"})
			}, map[string]int64{"set": 1, "zadd": 2, "zremrangebyscore": 2, "pexpire": 4}},
			// Per tag, the trim, the latest member, a chunk read and the
			// old layout's set scanned; then the ZREM of the chunk and one
			// DEL of what they named (one a key on a cluster): never a
			// SCAN or KEYS.
			{"PurgeTags", func() error { return s.PurgeTags(ctx, "tag-p", "tag-all") }, purge},
			{"PurgeUnknownTag", func() error { return s.PurgeTags(ctx, "never-used") },
				map[string]int64{"zremrangebyscore": 1, "zrange": 2, "sscan": 1}},
			{"TryLock", func() error {
				_, ok, err := s.TryLock(ctx, "lock-"+strconv.FormatInt(time.Now().UnixNano(), 10), time.Minute)
				if err == nil && !ok {
					err = errors.New("TryLock of a fresh key: not ok")
				}
				return err
			}, map[string]int64{"set": 1}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got map[string]int64
				for range 5 {
					if err := retag(); err != nil {
						t.Fatalf("SetTagged: %v", err)
					}
					before := b.commands(t)
					if err := tt.op(); err != nil {
						t.Fatalf("op: %v", err)
					}
					got = delta(before, b.commands(t))
					if equalCounts(got, tt.want) {
						return
					}
				}
				t.Fatalf("commands run = %v; want %v", got, tt.want)
			})
		}
	})
}

// delta returns the commands counted in after but not before, without the
// ignored ones.
func delta(before, after map[string]int64) map[string]int64 {
	d := map[string]int64{}
	for k, v := range after {
		if n := v - before[k]; n != 0 && !ignoredCommand(k) {
			d[k] = n
		}
	}
	return d
}

// equalCounts compares command counts; a total under "*" (miniredis) is
// compared with the sum of want.
func equalCounts(got, want map[string]int64) bool {
	if total, ok := got["*"]; ok && len(got) == 1 {
		var sum int64
		for _, n := range want {
			sum += n
		}
		return total == sum
	}
	if len(got) != len(want) {
		return false
	}
	for k, n := range want {
		if got[k] != n {
			return false
		}
	}
	return true
}

// TestDeleteAcrossSlots deletes keys that a cluster keeps in different
// slots, and on other nodes, in one call.
func TestDeleteAcrossSlots(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, _ := b.store(t)
		ctx := testCtx(t)
		keys := make([]string, 20)
		for i := range keys {
			keys[i] = "example.com/page/" + strings.Repeat("p", i)
			if err := s.Set(ctx, keys[i], storetest.Sample("x"), time.Minute); err != nil {
				t.Fatalf("Set: %v", err)
			}
		}
		if err := s.Delete(ctx, keys...); err != nil {
			t.Fatalf("Delete(%d keys): %v", len(keys), err)
		}
		for _, k := range keys {
			if _, err := s.Get(ctx, k); !errors.Is(err, gincache.ErrNotFound) {
				t.Fatalf("Get(%q) after Delete: %v; want ErrNotFound", k, err)
			}
		}
	})
}

// TestNeverClosesClient: the caller owns the client.
func TestNeverClosesClient(t *testing.T) {
	_, rdb := newMiniredis(t)
	s := New(rdb)
	ctx := testCtx(t)
	_ = s.Set(ctx, "k", storetest.Sample("x"), time.Minute)
	_, _ = s.Get(ctx, "k")
	_ = s.Delete(ctx, "k")
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("client after using the store: PING: %v; want it open", err)
	}
}

func TestNewPanics(t *testing.T) {
	_, rdb := newMiniredis(t)
	tests := []struct {
		name   string
		client redis.UniversalClient
		opts   []Option
	}{
		{"nilClient", nil, nil},
		{"zeroTimeout", rdb, []Option{WithTimeout(0)}},
		{"zeroFailures", rdb, []Option{WithBreaker(0, time.Second, time.Minute)}},
		{"zeroBackoff", rdb, []Option{WithBreaker(3, 0, time.Minute)}},
		{"maxBelowBackoff", rdb, []Option{WithBreaker(3, time.Minute, time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.HasPrefix(msg, "redisstore: ") {
					t.Fatalf("recovered %v; want a panic with a \"redisstore: \" message", r)
				}
			}()
			New(tt.client, tt.opts...)
		})
	}
}
