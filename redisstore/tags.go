package redisstore

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/gincache/gincache"
	"github.com/redis/go-redis/v9"
)

// batch bounds the keys one DEL or SREM names, so purging a tag with many
// entries never holds Redis in one long command.
const batch = 1000

// SetTagged stores e under key for ttl, as Set does, and adds the entry's
// Redis key to the index of each tag: a set under "t:" and the tag.
//
// It is one round trip: a pipeline, not a MULTI, since on a cluster the entry
// and the indexes live in different slots. Per tag it sends SADD, then
// PEXPIRE NX, which gives a new index the entry's TTL, and PEXPIRE GT, which
// lengthens an existing one to it (GT alone would leave a new set, which has
// no TTL, without one). So an index lives as long as its longest-lived
// entry and then expires by itself; in the meantime it may name entries that
// expired, which a purge deletes harmlessly. The SET comes first in the
// pipeline, so on one server a purge that sees the index entry also sees
// the entry.
func (s *Store) SetTagged(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration, tags []string) error {
	if len(tags) == 0 {
		return s.Set(ctx, key, e, ttl)
	}
	rk, data, ttl, err := s.prepare(ctx, key, e, ttl)
	if err != nil || data == nil {
		return err
	}
	tks := make([]string, len(tags))
	for i, tag := range tags {
		tks[i] = s.tagKey(tag)
	}
	ms := strconv.FormatInt(ttl.Milliseconds(), 10)
	return s.do(ctx, "set", func(ctx context.Context) error {
		_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, rk, data, ttl)
			for _, tk := range tks {
				p.SAdd(ctx, tk, rk)
				p.Do(ctx, "pexpire", tk, ms, "nx")
				p.Do(ctx, "pexpire", tk, ms, "gt")
			}
			return nil
		})
		return err
	})
}

// PurgeTags deletes every entry stored with any of tags, reading the tags'
// indexes (SMEMBERS, one pipeline) and then deleting what they name; it never
// scans the keyspace. Unknown tags are not an error.
//
// It removes from each index only the members it read (SREM), and Redis
// drops an index left empty: deleting the index instead would also drop an
// entry added between the read and the delete, which no later purge could
// find. The SREMs go before the DELs — in the same pipeline on one server,
// in a round trip of their own on a cluster, whose pipeline runs nodes in
// parallel — so an entry stored again meanwhile is either deleted or left in
// the index.
func (s *Store) PurgeTags(ctx context.Context, tags ...string) error {
	if len(tags) == 0 {
		return nil
	}
	tks := make([]string, len(tags))
	for i, tag := range tags {
		tks[i] = s.tagKey(tag)
	}
	return s.do(ctx, "purge", func(ctx context.Context) error {
		reads := make([]*redis.StringSliceCmd, len(tks))
		if _, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, tk := range tks {
				reads[i] = p.SMembers(ctx, tk)
			}
			return nil
		}); err != nil {
			return err
		}
		var keys []string
		seen := make(map[string]bool)
		for _, r := range reads {
			for _, k := range r.Val() {
				if !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		}
		if len(keys) == 0 {
			return nil
		}
		srem := func(p redis.Pipeliner) {
			for i, r := range reads {
				for members := range slices.Chunk(r.Val(), batch) {
					p.SRem(ctx, tks[i], anys(members)...)
				}
			}
		}
		if s.multi {
			_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
				srem(p)
				for ks := range slices.Chunk(keys, batch) {
					p.Del(ctx, ks...)
				}
				return nil
			})
			return err
		}
		if _, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			srem(p)
			return nil
		}); err != nil {
			return err
		}
		_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.Del(ctx, k) // one a key: a cluster's keys span slots
			}
			return nil
		})
		return err
	})
}

func anys(ss []string) []any {
	a := make([]any, len(ss))
	for i, s := range ss {
		a[i] = s
	}
	return a
}
