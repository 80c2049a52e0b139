package redisstore

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gincache/gincache/internal/storetest"
	"github.com/redis/go-redis/v9"
)

// pttl returns the TTL Redis reports for key: -2 when it is missing, -1 when
// it has none.
func pttl(t *testing.T, c redis.UniversalClient, key string) time.Duration {
	t.Helper()
	d, err := c.PTTL(testCtx(t), key).Result()
	if err != nil {
		t.Fatalf("PTTL %s: %v", key, err)
	}
	return d
}

// An index lives as long as the longest-lived entry stored with its tag and
// clockSlack, no longer, so it expires by itself on a server whose clock the
// suite cannot move.
func TestTagIndexTTL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, _ := b.store(t)
		ctx := testCtx(t)
		tk := s.tagKey("t")
		steps := []struct {
			name     string
			key      string
			ttl      time.Duration
			min, max time.Duration // the index's PTTL after the store
		}{
			{"new index takes the entry's TTL", "a", time.Minute, 50*time.Second + clockSlack, time.Minute + clockSlack},
			{"a longer entry lengthens it", "b", time.Hour, 59*time.Minute + clockSlack, time.Hour + clockSlack},
			{"a shorter one does not shorten it", "c", 10 * time.Second, 59*time.Minute + clockSlack, time.Hour + clockSlack},
			{"milliseconds", "d", time.Hour + 1500*time.Millisecond, time.Hour + clockSlack, time.Hour + 1500*time.Millisecond + clockSlack},
		}
		for _, st := range steps {
			if err := s.SetTagged(ctx, st.key, storetest.Sample(st.key), st.ttl, []string{"t"}); err != nil {
				t.Fatalf("%s: SetTagged: %v", st.name, err)
			}
			if got := pttl(t, b.client, tk); got < st.min || got > st.max {
				t.Fatalf("%s: PTTL of the index = %v; want within [%v, %v]", st.name, got, st.min, st.max)
			}
		}
		if b.advance == nil {
			return
		}
		b.advance(t, time.Hour+2*time.Second+clockSlack)
		if n := b.client.Exists(ctx, tk).Val(); n != 0 {
			t.Fatalf("EXISTS index = %d after its entries expired; want 0", n)
		}
	})
}

// A purge empties the indexes it read, and Redis drops them.
func TestPurgeDropsIndex(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, _ := b.store(t)
		ctx := testCtx(t)
		for _, k := range []string{"example.com/a", "example.com/b", "other.example.com/"} {
			if err := s.SetTagged(ctx, k, storetest.Sample(k), time.Minute, []string{"x", "y"}); err != nil {
				t.Fatalf("SetTagged: %v", err)
			}
		}
		if err := s.PurgeTags(ctx, "x"); err != nil {
			t.Fatalf("PurgeTags: %v", err)
		}
		if n := b.client.Exists(ctx, s.tagKey("x")).Val(); n != 0 {
			t.Fatalf("EXISTS index of x = %d after its purge; want 0", n)
		}
		// y's index still names the deleted entries: harmless, and gone
		// with its own TTL or the next purge of y.
		if err := s.PurgeTags(ctx, "y"); err != nil {
			t.Fatalf("PurgeTags: %v", err)
		}
		if n := b.client.Exists(ctx, s.tagKey("y")).Val(); n != 0 {
			t.Fatalf("EXISTS index of y = %d after its purge; want 0", n)
		}
	})
}

// roundTrips counts the calls a client sends: one per command sent alone,
// one per pipeline, however many commands it holds. Connection set-up
// (HELLO, CLIENT SETINFO) is not counted.
type roundTrips struct {
	mu        sync.Mutex
	single    []string
	pipelines int
}

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !ignoredCommand(cmd.Name()) {
			r.mu.Lock()
			r.single = append(r.single, cmd.Name())
			r.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if slices.ContainsFunc(cmds, func(c redis.Cmder) bool { return !ignoredCommand(c.Name()) }) {
			r.mu.Lock()
			r.pipelines++
			r.mu.Unlock()
		}
		return next(ctx, cmds)
	}
}

func (r *roundTrips) reset() (single []string, pipelines int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	single, pipelines = r.single, r.pipelines
	r.single, r.pipelines = nil, 0
	return single, pipelines
}

// TestRoundTrips checks, from the client's side, that a tagged store is one
// round trip however many tags it carries, and that a purge of fewer entries
// than a chunk (batch) takes two round trips (three on a cluster), however
// many tags.
func TestRoundTrips(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		_, prefix := b.store(t) // reserves a prefix and cleans it up
		client := ownClient(t, b.client)
		var rt roundTrips
		client.AddHook(&rt)
		s := New(client, WithPrefix(prefix), WithTimeout(5*time.Second))
		ctx := testCtx(t)
		tags := []string{"a", "b", "c", "d"}
		for _, k := range taggedKeys() {
			rt.reset()
			if err := s.SetTagged(ctx, k, storetest.Sample(k), time.Minute, tags); err != nil {
				t.Fatalf("SetTagged: %v", err)
			}
			if single, pipelines := rt.reset(); len(single) != 0 || pipelines != 1 {
				t.Fatalf("SetTagged with %d tags: commands %q and %d pipelines; want 1 pipeline alone", len(tags), single, pipelines)
			}
		}
		if err := s.PurgeTags(ctx, tags...); err != nil {
			t.Fatalf("PurgeTags: %v", err)
		}
		want := 2
		if b.cluster {
			want = 3
		}
		if single, pipelines := rt.reset(); len(single) != 0 || pipelines != want {
			t.Fatalf("PurgeTags: commands %q and %d pipelines; want %d pipelines alone", single, pipelines, want)
		}
	})
}

// taggedKeys are keys that a cluster spreads over its nodes.
func taggedKeys() []string {
	return []string{"example.com/", "example.com/a", "example.com/b?x=1", "api.example.com/v1", "h:looks-hashed", "t:looks-like-a-tag"}
}

// After an upgrade, the sets older versions kept as indexes are still there:
// a store of their tag works beside them (no WRONGTYPE) and a purge deletes
// the entries they name as well as those of the new index.
func TestPurgeAfterUpgrade(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, _ := b.store(t)
		ctx := testCtx(t)
		old := []string{"example.com/items?q=1", "example.com/items?q=2"}
		for _, k := range old {
			if err := s.Set(ctx, k, storetest.Sample(k), time.Minute); err != nil {
				t.Fatalf("Set: %v", err)
			}
			rk, _ := s.redisKey(k)
			// What SetTagged of an older version added.
			if err := b.client.SAdd(ctx, s.legacyTagKey(bigTag), rk).Err(); err != nil {
				t.Fatalf("SADD: %v", err)
			}
		}
		if err := s.SetTagged(ctx, "example.com/items?q=3", storetest.Sample("new"), time.Minute, []string{bigTag}); err != nil {
			t.Fatalf("SetTagged beside an old index: %v", err)
		}
		if err := s.PurgeTags(ctx, bigTag); err != nil {
			t.Fatalf("PurgeTags: %v", err)
		}
		for _, k := range append(old, "example.com/items?q=3") {
			if _, err := s.Get(ctx, k); err == nil {
				t.Fatalf("Get(%q) after the purge = hit; want a miss", k)
			}
		}
	})
}
