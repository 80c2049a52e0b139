package tiered

import (
	"context"
	"sync"
)

// Limits of the announcer's queue and messages.
const (
	// maxPending bounds the keys waiting to be announced. A bus that falls
	// this far behind is failing; the stores beyond it are not announced
	// (Stats.Unannounced), and the other replicas' local TTL bounds them.
	maxPending = 4096
	// maxKeysPerMessage bounds one message, so a burst of stores is a few
	// messages of reasonable size rather than one huge one.
	maxKeysPerMessage = 256
)

// announcer publishes the keys this replica stored, so the other replicas
// drop their copies of them. A Set hands it the key and returns: the miss
// path does not wait for a PUBLISH. One goroutine publishes whatever has
// gathered since its last message in one message, so a burst of stores
// costs a few messages, and a key stored many times meanwhile is named once.
type announcer struct {
	s    *Store
	wake chan struct{} // capacity 1: a pending signal for run

	mu      sync.Mutex          // guards pending and closed
	pending map[string]struct{} // keys stored and not yet published
	closed  bool                // run has returned: announce publishes itself

	stop context.CancelFunc
	done chan struct{} // closed when run has returned
}

func newAnnouncer(s *Store) *announcer {
	ctx, cancel := context.WithCancel(context.Background())
	a := &announcer{
		s:       s,
		wake:    make(chan struct{}, 1),
		pending: make(map[string]struct{}),
		stop:    cancel,
		done:    make(chan struct{}),
	}
	go a.run(ctx)
	return a
}

// announce queues key to be published. After close it publishes at once,
// as Delete does, within ctx.
func (a *announcer) announce(ctx context.Context, key string) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		_ = a.s.publish(ctx, Invalidation{Keys: []string{key}}) // counted in PublishErrors
		return
	}
	if _, ok := a.pending[key]; !ok && len(a.pending) >= maxPending {
		a.mu.Unlock()
		a.s.stats.unannounced.Add(1)
		return
	}
	a.pending[key] = struct{}{}
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default: // already signalled: run will see this key too
	}
}

// run publishes what is pending each time it is woken, until ctx is done;
// then it publishes what is left and returns.
func (a *announcer) run(ctx context.Context) {
	defer close(a.done)
	for {
		select {
		case <-a.wake:
			a.flush(ctx)
		case <-ctx.Done():
			a.mu.Lock()
			a.closed = true
			a.mu.Unlock()
			a.flush(ctx) // publish detaches from ctx: the last keys still go out
			return
		}
	}
}

// flush publishes every pending key, maxKeysPerMessage to a message. It
// takes one message's keys at a time, so those still waiting stay in
// pending and count against maxPending.
func (a *announcer) flush(ctx context.Context) {
	for {
		a.mu.Lock()
		keys := make([]string, 0, min(len(a.pending), maxKeysPerMessage)) // the bus may keep the last
		for k := range a.pending {
			if len(keys) == maxKeysPerMessage {
				break
			}
			keys = append(keys, k)
			delete(a.pending, k)
		}
		a.mu.Unlock()
		if len(keys) == 0 {
			return
		}
		_ = a.s.publish(ctx, Invalidation{Keys: keys}) // counted in PublishErrors
	}
}

// close publishes what is pending and stops run, waiting for it.
func (a *announcer) close() {
	a.stop()
	<-a.done
}
