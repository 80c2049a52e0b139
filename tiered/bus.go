package tiered

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Bus carries invalidations between the replicas that share a remote store,
// so that a Set, SetTagged, Delete or PurgeTags on one drops the local
// copies on all. redisstore.NewBus is one, over Redis pub/sub. Delivery is
// best effort: a message lost while a subscriber reconnects costs staleness
// up to the local TTL, never more — and the Bus says when that may have
// happened (Subscriber.Lost, a second Subscriber.Subscribed), so the Store's
// Stats can say so too.
type Bus interface {
	// Publish sends inv to every subscriber, the publisher's own included.
	Publish(ctx context.Context, inv Invalidation) error
	// Subscribe delivers to sub until ctx is done, reconnecting as needed;
	// it returns promptly once ctx is done, with ctx.Err(). An error
	// returned before then means it gave up; the Store subscribes again
	// after a back-off.
	Subscribe(ctx context.Context, sub Subscriber) error
}

// Subscriber is what a Bus delivers to: the invalidations, one at a time,
// and news of the subscription itself. The news is what tells a replica
// whether it has heard every message: pub/sub does not replay what was
// published while a subscriber was away.
type Subscriber interface {
	// Receive is called with each invalidation received.
	Receive(Invalidation)
	// Subscribed is called each time the subscription is confirmed: every
	// message published from then on is delivered. A call while already
	// subscribed means the bus reconnected on its own (go-redis's PubSub
	// does after a broken connection) and messages in between are lost.
	Subscribed()
	// Lost is called when the subscription broke: what is published from
	// then until the next Subscribed is lost.
	Lost(err error)
	// Skipped is called for a message that is not an invalidation this
	// version can read: it is dropped, and the Store counts it.
	Skipped()
}

// Invalidation is one Set, Delete or PurgeTags, as the replicas' local tiers
// apply it: each drops its copies of Keys and of the entries tagged Tags.
type Invalidation struct {
	// Keys are the store keys stored anew or deleted; nil for a tag purge.
	Keys []string
	// Tags are the tags purged; nil for a store or a Delete.
	Tags []string
	// Origin is the ID of the Store that published it, which ignores its
	// own messages: it has applied them already, and a store's own
	// message must not drop the fresh copy it has just kept.
	Origin string
}

// Back-off between subscriptions when a Bus's Subscribe gives up.
const (
	resubscribeMin = 50 * time.Millisecond
	resubscribeMax = 5 * time.Second
)

// invalidate drops the local copies inv names and publishes it; err is the
// remote store's error, returned with any of its own.
func (s *Store) invalidate(ctx context.Context, inv Invalidation, err error) error {
	return errors.Join(err, s.drop(ctx, inv), s.publish(ctx, inv))
}

// drop applies inv to the local tier. A tag purge drops the copies whose
// tags are unknown too (see PurgeTags).
func (s *Store) drop(ctx context.Context, inv Invalidation) error {
	// Moved before the drop, so a fill that read the remote tier before the
	// invalidation either sees it moved or is dropped here (see keep).
	s.gen.keys(inv.Keys)
	if len(inv.Tags) > 0 {
		s.gen.everything()
	}
	ctx, cancel := s.localCtx(ctx)
	defer cancel()
	var errs []error
	if len(inv.Keys) > 0 {
		errs = append(errs, s.local.Delete(ctx, inv.Keys...))
	}
	if len(inv.Tags) > 0 && s.localTags != nil {
		errs = append(errs, s.localTags.PurgeTags(ctx, slices.Concat(inv.Tags, s.unknownTags)...))
	}
	return errors.Join(errs...)
}

// publish sends inv on the bus, detached from the caller's cancellation (a
// client hanging up must not leave the other replicas stale) but within the
// Store's deadline.
func (s *Store) publish(ctx context.Context, inv Invalidation) error {
	if s.bus == nil {
		return nil
	}
	inv.Origin = s.origin
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	if err := s.bus.Publish(ctx, inv); err != nil {
		s.stats.publishErrors.Add(1)
		return fmt.Errorf("tiered: publish: %w", err)
	}
	return nil
}

// listen subscribes to the bus until ctx is done, subscribing again after a
// back-off whenever Subscribe gives up.
func (s *Store) listen(ctx context.Context) {
	defer close(s.done)
	wait := resubscribeMin
	sub := subscriber{s}
	for {
		start := time.Now()
		_ = s.bus.Subscribe(ctx, sub) // counted below; ctx's end is no error
		if ctx.Err() != nil {
			return
		}
		s.stats.subscribeErrors.Add(1)
		s.coh.lost(s.clock(), s.localTTL) // it gave up: whatever it held is gone
		if time.Since(start) > resubscribeMax {
			wait = resubscribeMin // it worked for a while: retry soon
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, resubscribeMax)
	}
}

// subscriber is the Store as its bus's Subscriber, kept apart so that the
// Store's own method set stays the gincache interfaces.
type subscriber struct{ s *Store }

// Receive applies another replica's invalidation to the local tier.
func (sub subscriber) Receive(inv Invalidation) {
	s := sub.s
	if inv.Origin == s.origin {
		return
	}
	// A local store that fails to drop a copy (memstore never does) leaves
	// it for the local TTL at most; there is no caller to tell.
	_ = s.drop(context.Background(), inv)
	s.stats.applied.Add(1)
}

func (sub subscriber) Subscribed() { sub.s.coh.subscribed(sub.s.clock(), sub.s.localTTL) }
func (sub subscriber) Lost(error)  { sub.s.coh.lost(sub.s.clock(), sub.s.localTTL) }
func (sub subscriber) Skipped()    { sub.s.stats.skipped.Add(1) }

// Close stops listening to the bus and announcing this replica's stores on
// it, publishing what was still to announce first (within the Store's
// deadline), and waits until both goroutines have returned, so none
// outlives it. It closes neither tier nor the bus, which the caller owns.
// After Close the Store still works, and still publishes its own
// invalidations (a store's, synchronously), but only the local TTL bounds how
// long it keeps a copy another replica invalidated. Close without a bus, or
// a second time, does nothing.
func (s *Store) Close() {
	if s.stop == nil {
		return
	}
	s.stop()
	<-s.done
	s.ann.close()
}
