package tiered

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gincache/gincache"
)

// copiedTag is the tag of every local copy taken from the remote tier. An
// Entry does not carry its tags, so such a copy's are unknown; every tag
// purge drops these copies too, since any of them may carry the purged tag.
// The NUL keeps it apart from any tag the middleware builds.
const copiedTag = "\x00tiered:copied"

// Store is a gincache.Store of two tiers: a small, fast local store (a
// memstore) in front of a shared remote one (a redisstore) that stays the
// truth every replica agrees on. It is safe for concurrent use. Build it with
// New; the zero value is not usable.
//
// It implements gincache.Bounded, gincache.Tagger and gincache.Locker; the
// last two work only as far as the remote store does (see PurgeTags and
// TryLock).
type Store struct {
	local, remote gincache.Store
	localTags     gincache.Tagger // local as a Tagger; nil when it is not one
	remoteTags    gincache.Tagger // remote as a Tagger; nil: PurgeTags is unsupported
	remoteLocks   gincache.Locker // remote as a Locker; nil: TryLock is unsupported
	localBounded  bool            // local bounds its own calls: no deadline added
	remoteBounded bool            // remote bounds its own calls: no deadline added
	copiedTags    []string        // the tags of a copy taken from remote; nil when tags are not kept

	localTTL time.Duration
	timeout  time.Duration
	bus      Bus    // nil: no messages are published or received
	origin   string // this Store's ID in the messages it publishes

	// gen counts the invalidations applied to the local tier. A copy is
	// put in the local tier only if gen did not move while it was fetched
	// and stored; otherwise it is taken out again, so an invalidation that
	// races with a fill never leaves an outdated copy behind.
	gen atomic.Uint64

	stop  context.CancelFunc // ends the listener; nil without a bus
	done  chan struct{}      // closed when the listener has returned
	stats counters
}

var (
	_ gincache.Store  = (*Store)(nil)
	_ gincache.Tagger = (*Store)(nil)
	_ gincache.Locker = (*Store)(nil)
)

// New returns a Store that answers from local when it can and from remote
// otherwise, keeping a copy of what remote returns in local for the local
// TTL. The caller owns both stores; the Store never closes them.
//
// When remote keeps tags (gincache.Tagger), local must keep them too, or a
// tag purge could not find the local copies: memstore does. New panics on a
// nil store, on a remote Tagger with a local store that is not one, and on
// an invalid option, so a bad configuration fails at start-up. With
// WithBus, it starts the goroutine that listens for the other replicas'
// invalidations; stop it with Close.
func New(local, remote gincache.Store, opts ...Option) *Store {
	if local == nil || remote == nil {
		panic("tiered: New: nil store")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o.apply(&cfg)
	}
	s := &Store{
		local:    local,
		remote:   remote,
		localTTL: cfg.localTTL,
		timeout:  cfg.timeout,
		bus:      cfg.bus,
		origin:   newOrigin(),
	}
	s.localTags, _ = local.(gincache.Tagger)
	s.remoteTags, _ = remote.(gincache.Tagger)
	s.remoteLocks, _ = remote.(gincache.Locker)
	_, s.localBounded = local.(gincache.Bounded)
	_, s.remoteBounded = remote.(gincache.Bounded)
	if s.remoteTags != nil {
		if s.localTags == nil {
			panic(fmt.Sprintf("tiered: New: the remote store keeps tags but the local %T does not, so a tag purge could not reach the local copies; use a memstore", local))
		}
		s.copiedTags = []string{copiedTag}
	}
	if s.bus != nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.stop, s.done = cancel, make(chan struct{})
		go s.listen(ctx)
	}
	return s
}

// newOrigin returns a random ID for a Store's messages, unique in practice
// across every replica.
func newOrigin() string {
	var b [8]byte
	rand.Read(b[:]) // never fails; see crypto/rand.Read
	return hex.EncodeToString(b[:])
}

// Get returns the local copy of the entry under key when there is one — the
// very entry that was stored, with no copy or decoding — and otherwise the
// remote entry, which it then keeps in the local tier for the local TTL. A
// failing local tier is skipped; a failing remote one is the error.
func (s *Store) Get(ctx context.Context, key string) (*gincache.Entry, error) {
	if e, err := s.localGet(ctx, key); err == nil && e != nil {
		return e, nil
	}
	return s.fill(ctx, key)
}

// localGet is the hit path: a direct call when local bounds its own calls.
func (s *Store) localGet(ctx context.Context, key string) (*gincache.Entry, error) {
	if s.localBounded {
		return s.local.Get(ctx, key)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.local.Get(ctx, key)
}

// fill reads key from remote and keeps a copy of the entry in local. The
// copy's remaining life in remote is unknown (an Entry does not carry it), so
// it may outlive the remote entry by up to the local TTL; the middleware
// judges freshness from Entry.StoredAt, so it never serves a copy past its
// policy's ServerTTL and stale windows either way.
func (s *Store) fill(ctx context.Context, key string) (*gincache.Entry, error) {
	g := s.gen.Load()
	rctx, cancel := s.remoteCtx(ctx)
	e, err := s.remote.Get(rctx, key)
	cancel()
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, gincache.ErrNotFound
	}
	// The entry is the answer whether or not the copy could be kept.
	_ = s.keep(ctx, key, e, s.localTTL, s.copiedTags, g)
	return e, nil
}

// Set stores e under key in remote for ttl, then in local for the local TTL
// (or ttl, if shorter). It is not broadcast: other replicas keep serving
// their copies of key until their local TTL runs out. When remote fails, or
// ttl stores nothing, the local copy is dropped instead, so the local tier
// never holds what the remote one does not.
func (s *Store) Set(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration) error {
	return s.set(ctx, key, e, ttl, nil)
}

// set is Set and SetTagged: tags is nil for an untagged entry.
func (s *Store) set(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration, tags []string) error {
	g := s.gen.Load()
	rctx, cancel := s.remoteCtx(ctx)
	var err error
	if tags != nil && s.remoteTags != nil {
		err = s.remoteTags.SetTagged(rctx, key, e, ttl, tags)
	} else {
		err = s.remote.Set(rctx, key, e, ttl)
	}
	cancel()
	if err != nil || ttl <= 0 {
		if derr := s.localDelete(ctx, key); err == nil {
			err = derr
		}
		return err
	}
	return s.keep(ctx, key, e, min(ttl, s.localTTL), tags, g)
}

// keep puts e in local under key for ttl, with tags when local keeps them,
// and takes it out again if an invalidation was applied since gen was g:
// that invalidation may have run before the copy was there to be dropped.
func (s *Store) keep(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration, tags []string, g uint64) error {
	ctx, cancel := s.localCtx(ctx)
	defer cancel()
	var err error
	if len(tags) > 0 && s.localTags != nil {
		err = s.localTags.SetTagged(ctx, key, e, ttl, tags)
	} else {
		err = s.local.Set(ctx, key, e, ttl)
	}
	if s.gen.Load() != g {
		if derr := s.local.Delete(ctx, key); err == nil {
			err = derr
		}
	}
	return err
}

// Delete removes the entries under keys from remote, then from local, then
// publishes the keys on the bus so that every replica drops its copies. The
// local drop and the message happen even when remote fails.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	rctx, cancel := s.remoteCtx(ctx)
	err := s.remote.Delete(rctx, keys...)
	cancel()
	return s.invalidate(ctx, Invalidation{Keys: keys}, err)
}

func (s *Store) localDelete(ctx context.Context, keys ...string) error {
	ctx, cancel := s.localCtx(ctx)
	defer cancel()
	return s.local.Delete(ctx, keys...)
}

// remoteCtx and localCtx put the Store's deadline on a call to a tier that
// does not bound its own calls.
func (s *Store) remoteCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return s.bound(ctx, s.remoteBounded)
}

func (s *Store) localCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return s.bound(ctx, s.localBounded)
}

func (s *Store) bound(ctx context.Context, bounded bool) (context.Context, context.CancelFunc) {
	if bounded {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}
