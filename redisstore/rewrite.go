package redisstore

import (
	"context"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/gincache/gincache"
	"github.com/redis/go-redis/v9"
)

var _ gincache.Rewriter = (*Store)(nil)

// rewriteScript replaces the value under KEYS[1] with ARGV[2], keeping its
// TTL, only while it is still the value whose SHA-1 is ARGV[1]: an entry
// stored again since it was read is left as it was stored. One key a call,
// so on a cluster it runs on the key's own node.
const rewriteScript = `
if redis.sha1hex(redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1`

// Rewrite replaces the entry under each of keys with f's result, keeping
// its TTL (SET KEEPTTL) and so its place in the tag indexes, whose scores
// are expiry times, for gincache's soft purge. It reads the entries in
// chunks of batch, one pipeline of GETs each, and writes each changed one
// with a script that checks, in Redis, that the value is still the one
// read: a render stored meanwhile is never overwritten by an older page.
// Missing keys and values that are not entries are skipped.
func (s *Store) Rewrite(ctx context.Context, f func(*gincache.Entry) *gincache.Entry, keys ...string) error {
	ctx, cancel := purgeDeadline(ctx)
	defer cancel()
	for ks := range slices.Chunk(keys, batch) {
		rks := make([]string, len(ks))
		for i, k := range ks {
			rks[i], _ = s.redisKey(k)
		}
		if err := s.rewrite(ctx, f, rks); err != nil {
			return err
		}
	}
	return nil
}

// RewriteTags rewrites, as Rewrite does, every live entry of the tags'
// indexes (see SetTagged), read in chunks of batch members. Entries that
// only an older version's sets index are not rewritten; they expire by
// themselves, and PurgeTags still reaches them.
func (s *Store) RewriteTags(ctx context.Context, f func(*gincache.Entry) *gincache.Entry, tags ...string) error {
	ctx, cancel := purgeDeadline(ctx)
	defer cancel()
	seen := make(map[string]bool)
	for _, tag := range tags {
		tk := s.tagKey(tag)
		live := "(" + strconv.FormatInt(s.now().Add(-clockSlack).UnixMilli(), 10)
		for offset := int64(0); ; offset += batch {
			var members []string
			err := s.doWithin(ctx, "rewrite", max(s.timeout, roundTimeout), func(ctx context.Context) error {
				var err error
				members, err = s.client.ZRangeArgs(ctx, redis.ZRangeArgs{
					Key: tk, Start: live, Stop: "+inf", ByScore: true, Offset: offset, Count: batch,
				}).Result()
				return err
			})
			if err != nil {
				return err
			}
			fresh := slices.DeleteFunc(members, func(rk string) bool {
				old := seen[rk]
				seen[rk] = true
				return old
			})
			if err := s.rewrite(ctx, f, fresh); err != nil {
				return err
			}
			if len(members) < batch {
				break
			}
		}
	}
	return nil
}

// rewrite reads the entries under the Redis keys rks and writes back f's
// result for each, in two pipelines.
func (s *Store) rewrite(ctx context.Context, f func(*gincache.Entry) *gincache.Entry, rks []string) error {
	if len(rks) == 0 {
		return nil
	}
	gets := make([]*redis.StringCmd, len(rks))
	err := s.doWithin(ctx, "rewrite", max(s.timeout, roundTimeout), func(ctx context.Context) error {
		_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, rk := range rks {
				gets[i] = p.Get(ctx, rk)
			}
			return nil
		})
		if errors.Is(err, redis.Nil) || isWrongType(err) {
			err = nil // a missing key, or someone else's value: skipped below
		}
		return err
	})
	if err != nil {
		return err
	}
	type write struct {
		rk, sum string
		data    []byte
	}
	var writes []write
	for i, rk := range rks {
		v, err := gets[i].Result()
		if err != nil {
			continue
		}
		key, raw, ok := s.entryOf(rk, v)
		if !ok {
			continue
		}
		e, err := gincache.DecodeEntry(raw)
		if err != nil {
			continue
		}
		ne := f(e)
		if ne == nil {
			continue
		}
		_, hashed := s.redisKey(key)
		data, err := encode(key, ne, hashed)
		if err != nil {
			return err
		}
		sum := sha1.Sum([]byte(v))
		writes = append(writes, write{rk, hex.EncodeToString(sum[:]), data})
	}
	if len(writes) == 0 {
		return nil
	}
	return s.doWithin(ctx, "rewrite", max(s.timeout, roundTimeout), func(ctx context.Context) error {
		_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, w := range writes {
				p.Eval(ctx, rewriteScript, []string{w.rk}, w.sum, w.data)
			}
			return nil
		})
		return err
	})
}

// entryOf returns the cache key and the entry bytes of the value v stored
// under the Redis key rk, or false when v is not an entry stored for rk.
func (s *Store) entryOf(rk, v string) (key, raw string, ok bool) {
	name, ok := strings.CutPrefix(rk, s.base)
	if !ok {
		return "", "", false
	}
	if !strings.HasPrefix(name, hashedTag) {
		return name, v, true
	}
	n, w := binary.Uvarint([]byte(v[:min(len(v), binary.MaxVarintLen64)]))
	if w <= 0 || uint64(len(v)-w) < n {
		return "", "", false
	}
	key = v[w : w+int(n)]
	if got, _ := s.redisKey(key); got != rk {
		return "", "", false
	}
	raw, ok = unframe(key, v)
	return key, raw, ok
}

// purgeDeadline gives a purge without a deadline purgeTimeout.
func purgeDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, purgeTimeout)
}
