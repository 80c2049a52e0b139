package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/gincache/gincache"
	"github.com/redis/go-redis/v9"
)

// batch bounds the members one pop of an index takes, and so the keys one
// round of a purge deletes: purging a tag with many entries never holds
// Redis in one long command, and each round fits the store's deadline.
const batch = 1000

// clockSlack is how long past its expiry, by the storing replica's clock, a
// member stays in its index. Scores are computed on the replicas, whose
// clocks differ from each other and from the server's by a little, and an
// entry expires in Redis a round trip after its score says: without the
// slack a replica whose clock runs ahead would drop members of entries
// still alive, and a purge would miss them. It also keeps an index alive
// that long after its last entry (see SetTagged).
const clockSlack = 5 * time.Second

// SetTagged stores e under key for ttl, as Set does, and adds the entry's
// Redis key to the index of each tag.
//
// An index is a sorted set under "t:t:" and the tag whose members are the
// Redis keys of entries, each scored with its entry's expiry in Unix
// milliseconds. Each store also drops the members that expired more than
// clockSlack ago (ZREMRANGEBYSCORE -inf now-slack), so an index holds the
// entries alive now and those of the last few seconds, not every entry ever
// stored with its tag: the cost is amortised over the stores that made the
// members, however many queries a path has. A purge (see PurgeTags) reads
// the index in chunks.
//
// The index's own TTL is that of its longest-lived entry plus clockSlack:
// PEXPIRE NX gives a new index one, PEXPIRE GT lengthens an existing one
// (GT alone would leave a new index, which has no TTL, without one). So an
// index outlives its entries, then expires by itself, and under a
// volatile-ttl maxmemory policy Redis evicts entries before the index that
// names them. Under the LRU and LFU policies an index is as recent as its
// tag's latest store, and Redis may evict it while entries it names are
// still read: those entries are then out of reach of a purge of the tag
// and are served until their own TTL. Entries stored after the eviction
// start a new index, which purges reach.
//
// It is one round trip: a pipeline, not a MULTI, since on a cluster the
// entry and the indexes live in different slots. The SET comes first in the
// pipeline, so on one server a purge that sees the index member also sees
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
	now := s.now()
	return s.do(ctx, "set", func(ctx context.Context) error {
		_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			queueTagged(ctx, p, rk, data, ttl, tks, now)
			return nil
		})
		return err
	})
}

// queueTagged queues on p the commands that store data under rk for ttl and
// index it under the keys tks, at the time now.
func queueTagged(ctx context.Context, p redis.Pipeliner, rk string, data []byte, ttl time.Duration, tks []string, now time.Time) {
	expiry := float64(now.Add(ttl).UnixMilli())
	trim := "(" + strconv.FormatInt(now.Add(-clockSlack).UnixMilli(), 10)
	ms := strconv.FormatInt((ttl + clockSlack).Milliseconds(), 10)
	p.Set(ctx, rk, data, ttl)
	for _, tk := range tks {
		p.ZAdd(ctx, tk, redis.Z{Score: expiry, Member: rk})
		p.ZRemRangeByScore(ctx, tk, "-inf", trim)
		p.Do(ctx, "pexpire", tk, ms, "nx")
		p.Do(ctx, "pexpire", tk, ms, "gt")
	}
}
