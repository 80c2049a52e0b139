package redisstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gincache/gincache/internal/storetest"
	"github.com/redis/go-redis/v9"
)

// bigTag is the path tag of a page with many stored queries, the case of
// hardening item 4.
const bigTag = "path:example.com/items"

// fill stores n entries tagged tags, "<name>?q=<i>" for i in [0, n), with
// the commands SetTagged sends, many entries a pipeline, from a few
// goroutines, as from replicas.
func fill(t *testing.T, s *Store, name string, n int, ttl time.Duration, tags ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e := storetest.Sample("x")
	tks := make([]string, len(tags))
	for i, tag := range tags {
		tks[i] = s.tagKey(tag)
	}
	const workers = 4
	perPipeline := 250
	if n < 10_000 {
		perPipeline = 25 // miniredis: each trim sorts the whole index
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for lo := w * perPipeline; lo < n; lo += workers * perPipeline {
				_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
					for i := lo; i < min(lo+perPipeline, n); i++ {
						rk, data, ttl, err := s.prepare(ctx, fmt.Sprintf("%s?q=%d", name, i), e, ttl)
						if err != nil {
							return err
						}
						queueTagged(ctx, p, rk, data, ttl, tks, s.now())
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("storing %d entries: %v", n, err)
	}
}

// indexLen returns how many members the index under key holds, whatever its
// Redis type.
func indexLen(t *testing.T, c redis.UniversalClient, key string) int64 {
	t.Helper()
	ctx := testCtx(t)
	switch typ := c.Type(ctx, key).Val(); typ {
	case "none":
		return 0
	case "set":
		return c.SCard(ctx, key).Val()
	case "zset":
		return c.ZCard(ctx, key).Val()
	default:
		t.Fatalf("TYPE %s = %q; want a set or a sorted set", key, typ)
		return 0
	}
}

// keysUnder counts the keys starting with prefix, on every master of c.
func keysUnder(t *testing.T, c redis.UniversalClient, prefix string) int {
	t.Helper()
	ctx := testCtx(t)
	var mu sync.Mutex
	n := 0
	count := func(ctx context.Context, node *redis.Client) error {
		// SCAN may return a key more than once (while Redis rehashes,
		// as it does after a mass delete): count each once.
		iter := node.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		seen := make(map[string]bool)
		for iter.Next(ctx) {
			seen[iter.Val()] = true
		}
		mu.Lock()
		n += len(seen)
		mu.Unlock()
		return iter.Err()
	}
	var err error
	switch c := c.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, count)
	case *redis.Client:
		err = count(ctx, c)
	}
	if err != nil {
		t.Fatalf("SCAN %s*: %v", prefix, err)
	}
	return n
}

// scaled returns n, or mini on miniredis, whose sorted sets sort all their
// members for every range command, so that filling an index of n members
// there takes time quadratic in n.
func scaled(b backend, n, mini int) int {
	if b.advance != nil {
		return mini
	}
	return n
}

// An index holds the entries that are alive, not every entry ever stored
// with its tag: once entries expire, the next stores drop them from it.
func TestIndexKeepsOnlyLive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clock := newFakeClock()
		s, _ := b.store(t, withClock(clock.Now))
		advance := func(d time.Duration) {
			clock.Advance(d)
			if b.advance != nil {
				b.advance(t, d)
			}
		}
		dead, live := scaled(b, 50_000, 3_000), 100
		fill(t, s, "example.com/items", dead, 10*time.Second, bigTag)
		fill(t, s, "example.com/items/live", live, time.Hour, bigTag)
		advance(time.Minute)
		fill(t, s, "example.com/items/later", 1, time.Hour, bigTag)
		if got := indexLen(t, b.client, s.tagKey(bigTag)); got != int64(live+1) {
			t.Fatalf("index holds %d members after %d of them expired; want the %d live ones", got, dead, live+1)
		}
	})
}

// A purge deletes every entry of an index of any size and says so, with
// the default 100ms deadline of a call, which the whole purge far exceeds.
func TestPurgeLargeIndex(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		_, prefix := b.store(t)
		client := ownClient(t, b.client)
		var rt roundTrips
		client.AddHook(&rt)
		s := New(client, WithPrefix(prefix), quiet()) // the default 100ms a call
		n := scaled(b, 100_000, 2_500)
		fill(t, New(b.client, WithPrefix(prefix), WithTimeout(5*time.Second)), "example.com/items", n, time.Hour, bigTag, "other")
		if got := keysUnder(t, b.client, prefix); got < n {
			t.Fatalf("%d keys stored; want at least %d", got, n)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		rt.reset()
		start := time.Now()
		err := s.PurgeTags(ctx, bigTag)
		took := time.Since(start)
		_, pipelines := rt.reset()
		if err != nil {
			t.Fatalf("PurgeTags of %d entries: %v; want nil", n, err)
		}
		t.Logf("purged %d entries in %v over %d round trips", n, took, pipelines)
		// What is left is the index of "other", naming deleted entries.
		if got := keysUnder(t, b.client, prefix); got > 1 {
			t.Fatalf("%d keys left after the purge (%q); want at most the index of another tag", got, b.client.Keys(ctx, prefix+"*").Val())
		}
		if got := indexLen(t, b.client, s.tagKey(bigTag)); got != 0 {
			t.Fatalf("index of the purged tag holds %d members; want 0", got)
		}
	})
}

// A purge that runs out of time says so, and what it did not delete stays
// reachable: the next purge deletes it.
func TestPurgeCutShort(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, prefix := b.store(t, quiet())
		n := scaled(b, 20_000, 2_500)
		fill(t, s, "example.com/items", n, time.Hour, bigTag)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Millisecond)
		defer cancel()
		if err := s.PurgeTags(ctx, bigTag); err == nil {
			t.Fatalf("PurgeTags of %d entries within 3ms = nil; want an error", n)
		}
		if err := s.PurgeTags(testCtx(t), bigTag); err != nil {
			t.Fatalf("second PurgeTags: %v; want nil", err)
		}
		if got := keysUnder(t, b.client, prefix); got != 0 {
			t.Fatalf("%d keys left after the second purge; want 0", got)
		}
	})
}
