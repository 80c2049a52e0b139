package bench

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	redisv8 "github.com/go-redis/redis/v8"
	"github.com/redis/go-redis/v9"
)

// redisAddrEnv names the real Redis the benchmarks use; unset, the real-Redis
// cases skip (miniredis cases always run).
const redisAddrEnv = "GINCACHE_REDIS_ADDR"

// redisBackend is one Redis server the cases run against: a real one at
// GINCACHE_REDIS_ADDR or an in-process miniredis, reached over loopback TCP
// either way. Every key a case writes starts with prefix, and only those keys
// are removed afterwards: the real server may be shared.
type redisBackend struct {
	name   string // "redis" or "miniredis"
	addr   string
	prefix string
	client *redis.Client   // go-redis v9, what gincache's redisstore uses
	peer   *redisv8.Client // go-redis v8, what gin-cache's RedisStore takes
	// commands counts the commands the server has run, where that can be
	// told without reading a shared server's global stats: miniredis only.
	commands func() int
}

// backends returns the Redis servers to run against, in order: real Redis
// (skipped when GINCACHE_REDIS_ADDR is unset or unreachable) and miniredis.
// Clients are closed and keys removed when b ends.
func backends(b *testing.B) []*redisBackend {
	b.Helper()
	var out []*redisBackend
	if addr := os.Getenv(redisAddrEnv); addr != "" {
		out = append(out, newBackend(b, "redis", addr))
	} else {
		b.Logf("%s unset: real-Redis cases skipped", redisAddrEnv)
	}
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(m.Close)
	mb := newBackend(b, "miniredis", m.Addr())
	mb.commands = m.CommandCount
	return append(out, mb)
}

func newBackend(b *testing.B, name, addr string) *redisBackend {
	b.Helper()
	be := &redisBackend{
		name:   name,
		addr:   addr,
		prefix: fmt.Sprintf("gincache-bench:%d-%d:", os.Getpid(), time.Now().UnixNano()),
		// ContextTimeoutEnabled as the README asks of every redisstore client.
		client: redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true}),
		peer:   redisv8.NewClient(&redisv8.Options{Addr: addr}),
	}
	ctx := context.Background()
	if err := be.client.Ping(ctx).Err(); err != nil {
		be.client.Close()
		be.peer.Close()
		b.Fatalf("%s %s: %v", name, addr, err)
	}
	b.Cleanup(func() {
		if err := be.cleanup(context.Background()); err != nil {
			b.Errorf("%s: removing %s* keys: %v", name, be.prefix, err)
		}
		be.client.Close()
		be.peer.Close()
	})
	return be
}

// cleanup deletes the keys under the backend's prefix, and nothing else.
func (be *redisBackend) cleanup(ctx context.Context) error {
	iter := be.client.Scan(ctx, 0, be.prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := be.client.Del(ctx, keys[:n]...).Err(); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}
