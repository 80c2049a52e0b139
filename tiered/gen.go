package tiered

import (
	"hash/maphash"
	"sync/atomic"
)

// genStripes is how many counters the keys' invalidations are spread over.
const genStripes = 64

// gens counts the invalidations applied to the local tier, so that a fill
// that raced one does not keep what it read (see keep). A tag purge, whose
// keys are unknown here, moves every fill's count; a key's invalidation only
// that of the keys in its stripe — so the announcements of every store on
// every other replica do not make each concurrent fill here throw its copy
// away.
type gens struct {
	seed    maphash.Seed
	all     atomic.Uint64
	stripes [genStripes]atomic.Uint64
}

// genSnap is what snap read for one key.
type genSnap struct{ all, stripe uint64 }

func newGens() *gens { return &gens{seed: maphash.MakeSeed()} }

func (g *gens) stripe(key string) *atomic.Uint64 {
	return &g.stripes[maphash.String(g.seed, key)%genStripes]
}

// snap reads the counts that concern key, before it is read or written
// remotely.
func (g *gens) snap(key string) genSnap {
	return genSnap{g.all.Load(), g.stripe(key).Load()}
}

// moved reports whether an invalidation that may concern key was applied
// since snap.
func (g *gens) moved(key string, snap genSnap) bool {
	return g.all.Load() != snap.all || g.stripe(key).Load() != snap.stripe
}

// keys moves the counts of keys, before their copies are dropped.
func (g *gens) keys(keys []string) {
	for _, k := range keys {
		g.stripe(k).Add(1)
	}
}

// everything moves every count, before a tag purge.
func (g *gens) everything() { g.all.Add(1) }
