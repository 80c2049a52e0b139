package tiered

import "github.com/gincache/gincache"

var _ gincache.Bounded = (*Store)(nil)

// Bounded tells gincache that every call returns promptly on its own, so it
// adds no deadline of its own: a tier that is not gincache.Bounded gets the
// Store's deadline (WithTimeout) on each call, and a Bounded one (memstore,
// redisstore) none, so a local hit costs no timer.
func (*Store) Bounded() {}
