package tiered

import "sync/atomic"

// Stats counts the Store's invalidation traffic since it was created. Hits
// are not counted here: a counter shared by every request would cost the
// local hit more than the lookup (gincache.Cache.Stats counts them).
type Stats struct {
	// Applied is how many invalidations from other replicas were received
	// and applied to the local tier.
	Applied uint64
	// PublishErrors is how many invalidations could not be published; the
	// other replicas then keep their copies for up to their local TTL.
	PublishErrors uint64
	// SubscribeErrors is how many times the bus's Subscribe returned
	// before Close; the Store subscribes again after a back-off.
	SubscribeErrors uint64
}

type counters struct {
	applied, publishErrors, subscribeErrors atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (s *Store) Stats() Stats {
	return Stats{
		Applied:         s.stats.applied.Load(),
		PublishErrors:   s.stats.publishErrors.Load(),
		SubscribeErrors: s.stats.subscribeErrors.Load(),
	}
}
