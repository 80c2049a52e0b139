package redisstore

import (
	"testing"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/storetest"
)

// A rewrite keeps the TTL Redis holds (SET KEEPTTL), on every backend,
// including a real server whose clock the suite cannot move; and a value
// that is not an entry is left alone.
func TestRewriteKeepsTTL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, _ := b.store(t)
		ctx := testCtx(t)
		if err := s.SetTagged(ctx, "example.com/a", storetest.Sample("a"), 90*time.Second, []string{"t"}); err != nil {
			t.Fatal(err)
		}
		rk, _ := s.redisKey("example.com/foreign")
		if err := b.client.Set(ctx, rk, "not an entry", time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
		calls := 0
		f := func(e *gincache.Entry) *gincache.Entry {
			calls++
			n := *e
			n.Lifetime = time.Second
			return &n
		}
		if err := s.RewriteTags(ctx, f, "t"); err != nil {
			t.Fatal(err)
		}
		if err := s.Rewrite(ctx, f, "example.com/foreign"); err != nil {
			t.Fatal(err)
		}
		if calls != 1 {
			t.Errorf("f ran %d times; want 1", calls)
		}
		ark, _ := s.redisKey("example.com/a")
		if ttl := b.client.PTTL(ctx, ark).Val(); ttl < 80*time.Second || ttl > 90*time.Second {
			t.Errorf("PTTL after the rewrite = %v; want the 90s it was stored for, less the test's time", ttl)
		}
		if v := b.client.Get(ctx, rk).Val(); v != "not an entry" {
			t.Errorf("foreign value = %q; want it untouched", v)
		}
	})
}
