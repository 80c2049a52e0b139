package redisstore

import "github.com/gincache/gincache"

var _ gincache.Bounded = (*Store)(nil)

// Bounded tells gincache that every call already carries the store's own
// deadline (WithTimeout), so it adds none of its own: two nested timers per
// call would cost allocations and a second cancellation for nothing.
func (*Store) Bounded() {}
