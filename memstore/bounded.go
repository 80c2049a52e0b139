package memstore

import "github.com/gincache/gincache"

var _ gincache.Bounded = (*Store)(nil)

// Bounded tells gincache that a call never blocks (the store answers from
// process memory), so it adds no per-call deadline: a timer would cost more
// than the lookup.
func (*Store) Bounded() {}
