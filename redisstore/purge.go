package redisstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// purgeTimeout bounds a purge whose context has no deadline, as gincache
// bounds its own purges.
const purgeTimeout = 5 * time.Second

// roundTimeout is the least deadline of one round of a purge, when the
// store's own (WithTimeout) is shorter. A purge is not a hit: a slow round
// costs the write request that invalidates some latency, a failed one
// leaves stale pages until their TTL, and a round of a thousand DELs on a
// busy client host can take more than a hit's 100ms.
const roundTimeout = time.Second

// PurgeTags deletes every entry stored with any of tags, reading the tags'
// indexes (see SetTagged) in chunks of batch members and deleting what they
// name; it never scans the keyspace. Unknown tags are not an error.
//
// A purge is a series of rounds, each one pipeline and one call under a
// deadline of its own (the store's, WithTimeout, or roundTimeout if that is
// longer), the whole under ctx's deadline, or purgeTimeout when ctx has
// none. A round removes from each index the chunk
// the last round read (ZREM), deletes the entries removed (DEL, one a key
// on a cluster, whose keys span slots) and reads the next chunk, the
// members that expire first (ZRANGE 0 batch-1). On one server the DELs
// follow the ZREM in the same pipeline; on a cluster, whose pipeline runs
// nodes in parallel, they go in the next round. Purging n entries of one
// tag is n/batch + 1 round trips, rounded up, on one server and one more on
// a cluster.
//
// It returns nil only once every entry its indexes named when it began is
// deleted. ctx is checked between rounds, so a purge overruns its deadline
// by one round at most; cut short, by ctx or by Redis, it returns an error
// and puts the members it had removed but whose entries it may not have
// deleted back in their index (ZADD NX, best effort), so a later purge
// still reaches them.
//
// Every command of a round is idempotent, so a round that the client
// retries (go-redis retries a pipeline whose connection broke) does no
// harm; a pop (ZPOPMIN) would lose the chunk of a reply that never came.
// Members leave the index before their entries are deleted, so an entry
// stored again meanwhile is either deleted or left in the index: its store
// adds its member back. Members whose entries expire later than every
// member the index held when the purge began belong to entries stored
// since; the purge stops when it reaches them, so stores that keep coming
// cannot keep it running.
//
// The sets of older versions (see legacyTagKey) are read too, with SSCAN,
// and their entries deleted; they are left as they are, since nothing adds
// to them any more and they expire by themselves.
func (s *Store) PurgeTags(ctx context.Context, tags ...string) error {
	if len(tags) == 0 {
		return nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, purgeTimeout)
		defer cancel()
	}
	pg := &purge{s: s}
	for _, tag := range tags {
		pg.idx = append(pg.idx, &index{key: s.tagKey(tag)}, &index{key: s.legacyTagKey(tag), legacy: true})
	}
	for first := true; !pg.finished(); first = false {
		if err := ctx.Err(); err != nil {
			return pg.fail(ctx, fmt.Errorf("redisstore: purge: cut short: %w", err))
		}
		// A round runs to its end or to the store's deadline, never to
		// ctx's, so the purge knows what each round did.
		round := func(ctx context.Context) error { return pg.round(ctx, first) }
		if err := s.doWithin(context.WithoutCancel(ctx), "purge", max(s.timeout, roundTimeout), round); err != nil {
			return pg.fail(ctx, err)
		}
	}
	return nil
}

// fail gives back what the purge removed and returns err, joined with the
// give-back's own error if that failed too.
func (pg *purge) fail(ctx context.Context, err error) error {
	if gb := pg.giveBack(ctx); gb != nil {
		return errors.Join(err, gb)
	}
	return err
}

// purge is the state of one PurgeTags between its rounds.
type purge struct {
	s       *Store
	idx     []*index
	removed []taken  // members removed from indexes, their entries not yet deleted (a cluster's)
	scanned []string // entry keys read from legacy sets, not yet deleted
}

// index is one index a purge reads.
type index struct {
	key       string
	legacy    bool      // a set of an older version, read with SSCAN
	cursor    uint64    // legacy: where the next SSCAN starts
	ceiling   float64   // the latest expiry in the index when the purge began
	read      []redis.Z // the chunk read last round, to remove this round
	exhausted bool      // nothing more to read

	// This round's replies.
	top  *redis.ZSliceCmd
	next *redis.ZSliceCmd
	scan *redis.ScanCmd
}

// taken are members of the index under key.
type taken struct {
	key string
	zs  []redis.Z
}

func (pg *purge) finished() bool {
	return len(pg.removed) == 0 && len(pg.scanned) == 0 &&
		!slices.ContainsFunc(pg.idx, func(x *index) bool { return !x.exhausted || len(x.read) > 0 })
}

// round removes and deletes what the last round read, and reads the next
// chunk of every index not yet exhausted.
func (pg *purge) round(ctx context.Context, first bool) error {
	var dels []string
	seen := make(map[string]bool) // an entry with several of the tags
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			dels = append(dels, k)
		}
	}
	for _, t := range pg.removed {
		for _, z := range t.zs {
			add(z.Member.(string))
		}
	}
	for _, k := range pg.scanned {
		add(k)
	}
	var removing []taken
	for _, x := range pg.idx {
		if len(x.read) > 0 {
			removing = append(removing, taken{x.key, x.read})
		}
	}
	if pg.s.multi {
		// One server runs a pipeline in order: the entries go right after
		// their members.
		for _, t := range removing {
			for _, z := range t.zs {
				add(z.Member.(string))
			}
		}
	}
	trim := "(" + strconv.FormatInt(pg.s.now().Add(-clockSlack).UnixMilli(), 10)
	_, err := pg.s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, t := range removing {
			members := make([]any, len(t.zs))
			for i, z := range t.zs {
				members[i] = z.Member
			}
			p.ZRem(ctx, t.key, members...)
		}
		if pg.s.multi {
			for ks := range slices.Chunk(dels, batch) {
				p.Del(ctx, ks...)
			}
		} else {
			for _, k := range dels {
				p.Del(ctx, k) // one a key: a cluster's keys span slots
			}
		}
		for _, x := range pg.idx {
			x.top, x.next, x.scan = nil, nil, nil
			switch {
			case x.exhausted:
			case x.legacy:
				x.scan = p.SScan(ctx, x.key, x.cursor, "", batch)
			default:
				if first {
					p.ZRemRangeByScore(ctx, x.key, "-inf", trim)
					x.top = p.ZRangeWithScores(ctx, x.key, -1, -1)
				}
				x.next = p.ZRangeWithScores(ctx, x.key, 0, batch-1)
			}
		}
		return nil
	})
	if err != nil {
		// Any of the ZREMs may have run, and none of the DELs.
		pg.removed = append(pg.removed, removing...)
		return err
	}
	pg.removed, pg.scanned = nil, nil
	if !pg.s.multi {
		pg.removed = removing
	}
	for _, x := range pg.idx {
		x.read = nil
		switch {
		case x.scan != nil:
			keys, cursor := x.scan.Val()
			pg.scanned = append(pg.scanned, keys...)
			x.cursor, x.exhausted = cursor, cursor == 0
		case x.next != nil:
			if x.top != nil {
				x.ceiling = math.Inf(-1)
				if top := x.top.Val(); len(top) > 0 {
					x.ceiling = top[0].Score
				}
			}
			zs := x.next.Val()
			old := slices.IndexFunc(zs, func(z redis.Z) bool { return z.Score > x.ceiling })
			if old < 0 {
				old = len(zs)
			}
			x.read = zs[:old]
			x.exhausted = len(zs) < batch || old < len(zs)
		}
	}
	return nil
}

// giveBack puts the members the purge removed, but whose entries it may not
// have deleted, back in their indexes, those of live entries at least,
// under a deadline of its own: the purge's may be what cut it short. ZADD
// NX keeps the score of a member stored again since. The index gets a TTL
// as SetTagged would give it, in case it expired or was emptied meanwhile.
func (pg *purge) giveBack(ctx context.Context) error {
	if len(pg.removed) == 0 {
		return nil
	}
	now := pg.s.now()
	live := float64(now.Add(-clockSlack).UnixMilli())
	return pg.s.do(context.WithoutCancel(ctx), "purge", func(ctx context.Context) error {
		_, err := pg.s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, t := range pg.removed {
				zs := slices.DeleteFunc(slices.Clone(t.zs), func(z redis.Z) bool { return z.Score < live })
				if len(zs) == 0 {
					continue
				}
				last := slices.MaxFunc(zs, func(a, b redis.Z) int { return cmp.Compare(a.Score, b.Score) }).Score
				ms := strconv.FormatInt(int64(last)-now.UnixMilli()+clockSlack.Milliseconds(), 10)
				p.ZAddNX(ctx, t.key, zs...)
				p.Do(ctx, "pexpire", t.key, ms, "nx")
				p.Do(ctx, "pexpire", t.key, ms, "gt")
			}
			return nil
		})
		return err
	})
}
