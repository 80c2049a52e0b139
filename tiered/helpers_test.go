package tiered_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/storetest"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/tiered"
)

// fakeClock is the shared test clock.
type fakeClock = storetest.Clock

func newFakeClock() *fakeClock { return storetest.NewClock() }

// remoteStore is a memstore standing in for Redis, counting its reads. An
// optional hook runs inside Get, after the value was read and before it is
// returned, to make a race happen on cue.
type remoteStore struct {
	*memstore.Store
	gets  atomic.Int64
	onGet func()
}

func newRemote(clock *fakeClock) *remoteStore {
	return &remoteStore{Store: memstore.New(memstore.WithClock(clock.Now))}
}

func (r *remoteStore) Get(ctx context.Context, key string) (*gincache.Entry, error) {
	r.gets.Add(1)
	e, err := r.Store.Get(ctx, key)
	if r.onGet != nil {
		r.onGet()
	}
	return e, err
}

// plainStore hides every capability of the store it wraps: no tags, no
// locks, not Bounded.
type plainStore struct {
	gincache.Store
}

// deadlineStore records whether its calls came with a deadline.
type deadlineStore struct {
	gincache.Store
	sawDeadline atomic.Bool
	calls       atomic.Int64
}

func (d *deadlineStore) Get(ctx context.Context, key string) (*gincache.Entry, error) {
	_, ok := ctx.Deadline()
	d.sawDeadline.Store(ok)
	d.calls.Add(1)
	return d.Store.Get(ctx, key)
}

// failingSets is a remote store whose writes fail.
type failingSets struct {
	*memstore.Store
}

var errDown = errors.New("remote down")

func (failingSets) Set(context.Context, string, *gincache.Entry, time.Duration) error {
	return errDown
}

func (failingSets) SetTagged(context.Context, string, *gincache.Entry, time.Duration, []string) error {
	return errDown
}

// memBus is a Bus in process memory: Publish hands the message to every
// subscriber before it returns. lose drops messages, as a subscriber that is
// reconnecting would miss them; reconnect and resubscribe tell the
// subscribers of a gap as a real bus would.
type memBus struct {
	mu        sync.Mutex
	subs      map[int]tiered.Subscriber
	next      int
	lose      atomic.Bool
	failN     atomic.Int64 // Subscribe calls left that fail at once
	published atomic.Int64 // Publish calls, lost ones included
}

func newMemBus() *memBus { return &memBus{subs: map[int]tiered.Subscriber{}} }

func (b *memBus) subscribersNow() []tiered.Subscriber {
	b.mu.Lock()
	defer b.mu.Unlock()
	subs := make([]tiered.Subscriber, 0, len(b.subs))
	for _, sub := range b.subs {
		subs = append(subs, sub)
	}
	return subs
}

func (b *memBus) Publish(_ context.Context, inv tiered.Invalidation) error {
	b.published.Add(1)
	if b.lose.Load() {
		return nil
	}
	for _, sub := range b.subscribersNow() {
		sub.Receive(inv)
	}
	return nil
}

func (b *memBus) Subscribe(ctx context.Context, sub tiered.Subscriber) error {
	if b.failN.Add(-1) >= 0 {
		return errors.New("bus unavailable")
	}
	b.mu.Lock()
	id := b.next
	b.next++
	b.subs[id] = sub
	b.mu.Unlock()
	sub.Subscribed()
	<-ctx.Done()
	b.mu.Lock()
	delete(b.subs, id)
	b.mu.Unlock()
	return ctx.Err()
}

// disconnect tells every subscriber its subscription broke; reconnect
// confirms it again. Messages published in between are lost.
func (b *memBus) disconnect() {
	b.lose.Store(true)
	for _, sub := range b.subscribersNow() {
		sub.Lost(errors.New("connection reset"))
	}
}

func (b *memBus) reconnect() {
	b.lose.Store(false)
	for _, sub := range b.subscribersNow() {
		sub.Subscribed()
	}
}

// skip delivers a message no subscriber can read.
func (b *memBus) skip() {
	for _, sub := range b.subscribersNow() {
		sub.Skipped()
	}
}

func (b *memBus) subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// eventually polls cond until it holds, failing the test after d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v", what, d)
		}
		time.Sleep(time.Millisecond)
	}
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// page is a stored entry with body, a distinct pointer each call.
func page(body string) *gincache.Entry { return storetest.Sample(body) }

func mustSet(t *testing.T, s gincache.Store, key string, e *gincache.Entry, ttl time.Duration) {
	t.Helper()
	if err := s.Set(ctx(t), key, e, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

// mustGet checks that s returns exactly want (the same pointer).
func mustGet(t *testing.T, s gincache.Store, key string, want *gincache.Entry) {
	t.Helper()
	got, err := s.Get(ctx(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v; want the entry %q", key, err, want.Body)
	}
	if got != want {
		t.Fatalf("Get(%q) = entry %q (%p); want %q (%p)", key, got.Body, got, want.Body, want)
	}
}

func mustMiss(t *testing.T, s gincache.Store, key string) {
	t.Helper()
	got, err := s.Get(ctx(t), key)
	if !errors.Is(err, gincache.ErrNotFound) {
		t.Fatalf("Get(%q) = %v, %v; want ErrNotFound", key, got, err)
	}
}

// mustBody checks that s returns an entry with body want, whichever pointer.
func mustBody(t *testing.T, s gincache.Store, key, want string) {
	t.Helper()
	got, err := s.Get(ctx(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v; want the entry %q", key, err, want)
	}
	if string(got.Body) != want {
		t.Fatalf("Get(%q) = entry %q; want %q", key, got.Body, want)
	}
}
