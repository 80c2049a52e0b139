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

// PurgeTags deletes every entry stored with any of tags, reading the tags'
// indexes (see SetTagged) in chunks of batch members and deleting what they
// name; it never scans the keyspace. Unknown tags are not an error.
//
// A purge is a series of rounds, each one pipeline and one call under the
// store's deadline (WithTimeout), the whole under ctx's deadline, or
// purgeTimeout when ctx has none: a round deletes the entries the previous
// one took from the indexes (DEL, one a key on a cluster, whose keys span
// slots) and takes the next chunk of each index (ZPOPMIN). Purging n
// entries of one tag is n/batch + 1 round trips, rounded up, on one server
// and on a cluster alike.
// It returns nil only once every entry its indexes named when it began is
// deleted. ctx is checked between rounds, so a purge overruns its deadline
// by one round at most; cut short, by ctx or by Redis, it returns an error
// and puts the members it had taken but not deleted back in their index,
// so a later purge still reaches them. Only a round that Redis itself
// fails to answer in time can lose the members it popped: their entries
// (up to batch an index) are then out of reach of purges until they expire,
// and the error says the purge failed.
//
// ZPOPMIN takes members out of the index before their entries are deleted,
// atomically and in a round trip of its own, so an entry stored again
// meanwhile is either deleted or left in the index: its store adds its
// member back. Members whose entries expire later than every member the
// index held when the purge began belong to entries stored since; the
// purge stops when it reaches them, so stores that keep coming cannot keep
// it running.
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
		// ctx's: a reply cut off would lose the members it popped.
		if err := s.do(context.WithoutCancel(ctx), "purge", func(ctx context.Context) error { return pg.round(ctx, first) }); err != nil {
			return pg.fail(ctx, err)
		}
	}
	return nil
}

// fail gives back what the purge took and returns err, joined with the
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
	taken   []taken  // members popped from indexes, their entries not yet deleted
	scanned []string // entry keys read from legacy sets, not yet deleted
}

// index is one index a purge reads.
type index struct {
	key     string
	legacy  bool    // a set of an older version, read with SSCAN
	cursor  uint64  // legacy: where the next SSCAN starts
	ceiling float64 // the latest expiry in the index when the purge began
	done    bool

	// This round's commands.
	top  *redis.ZSliceCmd
	pop  *redis.ZSliceCmd
	scan *redis.ScanCmd
}

// taken are members popped from the index under key.
type taken struct {
	key string
	zs  []redis.Z
}

func (pg *purge) finished() bool {
	return len(pg.taken) == 0 && len(pg.scanned) == 0 &&
		!slices.ContainsFunc(pg.idx, func(x *index) bool { return !x.done })
}

// round deletes the entries of what the last round took and read, and
// takes and reads the next chunk of every index not yet done.
func (pg *purge) round(ctx context.Context, first bool) error {
	var dels []string
	seen := make(map[string]bool) // an entry with several of the tags
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			dels = append(dels, k)
		}
	}
	for _, t := range pg.taken {
		for _, z := range t.zs {
			add(z.Member.(string))
		}
	}
	for _, k := range pg.scanned {
		add(k)
	}
	trim := "(" + strconv.FormatInt(pg.s.now().Add(-clockSlack).UnixMilli(), 10)
	_, err := pg.s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
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
			x.top, x.pop, x.scan = nil, nil, nil
			switch {
			case x.done:
			case x.legacy:
				x.scan = p.SScan(ctx, x.key, x.cursor, "", batch)
			default:
				if first {
					p.ZRemRangeByScore(ctx, x.key, "-inf", trim)
					x.top = p.ZRangeWithScores(ctx, x.key, -1, -1)
				}
				x.pop = p.ZPopMin(ctx, x.key, batch)
			}
		}
		return nil
	})
	// Whatever failed, what was popped is out of its index: keep it to
	// delete next round or to give back.
	var now []taken
	for _, x := range pg.idx {
		if x.pop != nil && x.pop.Err() == nil && len(x.pop.Val()) > 0 {
			now = append(now, taken{x.key, x.pop.Val()})
		}
	}
	if err != nil {
		pg.taken = append(pg.taken, now...)
		return err
	}
	pg.taken, pg.scanned = now, nil
	for _, x := range pg.idx {
		switch {
		case x.scan != nil:
			keys, cursor := x.scan.Val()
			pg.scanned = append(pg.scanned, keys...)
			x.cursor, x.done = cursor, cursor == 0
		case x.pop != nil:
			if x.top != nil {
				x.ceiling = math.Inf(-1)
				if top := x.top.Val(); len(top) > 0 {
					x.ceiling = top[0].Score
				}
			}
			zs := x.pop.Val()
			x.done = len(zs) < batch || zs[len(zs)-1].Score > x.ceiling
		}
	}
	return nil
}

// giveBack puts the members the purge took but did not delete back in their
// indexes, those of live entries at least, under a deadline of its own: the
// purge's may be what cut it short. ZADD NX keeps the score of a member
// stored again since. The index gets a TTL as SetTagged would give it, in
// case it expired or was emptied meanwhile.
func (pg *purge) giveBack(ctx context.Context) error {
	if len(pg.taken) == 0 {
		return nil
	}
	now := pg.s.now()
	live := float64(now.Add(-clockSlack).UnixMilli())
	return pg.s.do(context.WithoutCancel(ctx), "purge", func(ctx context.Context) error {
		_, err := pg.s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, t := range pg.taken {
				zs := slices.DeleteFunc(t.zs, func(z redis.Z) bool { return z.Score < live })
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
