package redisstore

import (
	"context"
	"sync"
	"unsafe"

	"github.com/redis/go-redis/v9"
)

// getCall is one GET, kept in a pool so that a hit allocates only what
// go-redis must (the reply, its pool's connection check) and the decoded
// entry: the command, its argument list, the boxed key and the Redis key's
// string are made once per pooled call instead of once per hit, which
// saves four allocations.
//
// The command's arguments are fixed: "get" and a pointer to key, which
// go-redis writes as the string it points to (proto.Writer takes *string).
// key is a view of buf while the call runs.
type getCall struct {
	key  string
	buf  []byte
	args [2]any
	cmd  *redis.StringCmd
}

var getCalls = sync.Pool{New: func() any {
	g := &getCall{buf: make([]byte, 0, 128)}
	g.args = [2]any{"get", &g.key}
	// The command's own context is never used by Process, which takes the
	// call's; Background keeps no request alive in the pool.
	g.cmd = redis.NewStringCmd(context.Background(), g.args[:]...)
	return g
}}

// maxGetBuffer keeps one huge key from pinning its buffer in the pool.
const maxGetBuffer = 4 << 10

// reusesCommands reports whether a hit's GET may reuse a pooled command
// with client: only a *redis.Client (a single server, or Sentinel's
// failover client), which runs a command synchronously and keeps nothing of
// it once Process returns. A cluster client memoizes a command's slot in
// it, and client-side caching keeps the key's string, which here is a view
// of a reused buffer; those get a fresh command every time. (A hook added
// with AddHook sees the command while it runs; one that kept it would see
// it reused.)
func reusesCommands(client redis.UniversalClient) bool {
	c, ok := client.(*redis.Client)
	if !ok {
		return false
	}
	o := c.Options()
	return o.ClientSideCacheConfig == nil && o.ClientSideCache == nil
}

// getString runs GET rk (with a pooled command when the client allows it)
// and returns the reply.
func (s *Store) getString(ctx context.Context, key string) (string, error) {
	if !s.reuse {
		rk, _ := s.redisKey(key)
		return s.client.Get(ctx, rk).Result()
	}
	g := getCalls.Get().(*getCall)
	if len(key) <= maxKeyLen && !reserved(key) { // as spaceKey, without the string
		g.buf = append(append(g.buf[:0], s.base...), key...)
		g.key = unsafe.String(unsafe.SliceData(g.buf), len(g.buf))
	} else {
		g.key, _ = s.redisKey(key)
	}
	err := s.client.Process(ctx, g.cmd)
	v := g.cmd.Val()
	g.cmd.SetVal("")
	g.cmd.SetErr(nil)
	g.key = ""
	if cap(g.buf) <= maxGetBuffer {
		getCalls.Put(g)
	}
	return v, err
}
