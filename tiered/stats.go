package tiered

import (
	"sync/atomic"
	"time"
)

// Stats counts the Store's invalidation traffic since it was created, and
// says whether its local tier is coherent: whether every copy in it is
// either the remote entry or about to be dropped by a message on its way.
// Hits are not counted here: a counter shared by every request would cost
// the local hit more than the lookup (gincache.Cache.Stats counts them).
type Stats struct {
	// Applied is how many invalidations from other replicas — stores,
	// deletes and tag purges — were received and applied to the local
	// tier.
	Applied uint64
	// Skipped is how many messages on the bus were not invalidations this
	// version can read (malformed, foreign or from a future version), and
	// were dropped.
	Skipped uint64
	// PublishErrors is how many invalidations could not be published; the
	// other replicas then keep their copies for up to their local TTL.
	PublishErrors uint64
	// Unannounced is how many stores were not announced because the
	// announcer's queue was full (the bus falling far behind); the other
	// replicas keep their copies of those keys for up to their local TTL.
	Unannounced uint64
	// SubscribeErrors is how many times the bus's Subscribe returned
	// before Close; the Store subscribes again after a back-off.
	SubscribeErrors uint64

	// Subscribed is whether the bus's subscription is confirmed now.
	Subscribed bool
	// Resubscriptions is how many times the subscription was confirmed
	// after the first: each follows a gap in which messages may have been
	// lost (a reconnection, a Redis restart or failover).
	Resubscriptions uint64
	// SubscriptionsLost is how many times the subscription broke, whether
	// the bus said so or was found confirming it again.
	SubscriptionsLost uint64
	// Coherent is whether the local tier is coherent now: subscribed, and
	// every copy that may have missed a message has expired. While it is
	// false, the local TTL is the staleness bound, as without a bus.
	Coherent bool
	// CoherentFrom is when the local tier became, or will become, coherent
	// if the subscription holds: the latest confirmation, or the expiry of
	// the last copy held across a gap (at most the local TTL after the
	// confirmation). It is the zero time while not subscribed, and always
	// without a bus.
	CoherentFrom time.Time
}

type counters struct {
	applied, skipped, publishErrors, unannounced, subscribeErrors atomic.Uint64
}

// Stats returns a snapshot of the counters and of the coherence.
func (s *Store) Stats() Stats {
	st := Stats{
		Applied:           s.stats.applied.Load(),
		Skipped:           s.stats.skipped.Load(),
		PublishErrors:     s.stats.publishErrors.Load(),
		Unannounced:       s.stats.unannounced.Load(),
		SubscribeErrors:   s.stats.subscribeErrors.Load(),
		SubscriptionsLost: s.coh.losses.Load(),
		CoherentFrom:      s.coh.coherentFrom(),
	}
	if n := s.coh.subscriptions.Load(); n > 1 {
		st.Resubscriptions = n - 1
	}
	st.Subscribed = !st.CoherentFrom.IsZero()
	st.Coherent = st.Subscribed && !s.clock().Before(st.CoherentFrom)
	return st
}
