package tiered

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/gincache/gincache"
)

// unknownTag is the tag of every local copy of a remote entry stored
// without its tags (by a store without this layer: see carry.go). Its tags
// are unknown, so every tag purge drops these copies too, since any of them
// may carry the purged tag. The NUL keeps it apart from any tag the
// middleware builds.
const unknownTag = "\x00tiered:unknown-tags"

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
	localBorrows  bool            // local's Get keeps no key (gincache.KeyBorrower)
	remoteBounded bool            // remote bounds its own calls: no deadline added
	unknownTags   []string        // the tags of a copy whose tags are unknown; nil when tags are not kept

	localTTL time.Duration
	timeout  time.Duration
	clock    func() time.Time // the coherence times of Stats
	bus      Bus              // nil: no messages are published or received
	ann      *announcer       // publishes this replica's stores; nil without a bus
	origin   string           // this Store's ID in the messages it publishes

	// gen counts the invalidations applied to the local tier. A copy is
	// put in the local tier only if the counts of its key did not move
	// while it was fetched and stored; otherwise it is taken out again, so
	// an invalidation that races with a fill never leaves an outdated copy
	// behind.
	gen *gens

	stop  context.CancelFunc // ends the listener; nil without a bus
	done  chan struct{}      // closed when the listener has returned
	coh   coherence
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
		clock:    cfg.clock,
		bus:      cfg.bus,
		origin:   newOrigin(),
		gen:      newGens(),
	}
	s.localTags, _ = local.(gincache.Tagger)
	s.remoteTags, _ = remote.(gincache.Tagger)
	s.remoteLocks, _ = remote.(gincache.Locker)
	_, s.localBounded = local.(gincache.Bounded)
	_, s.localBorrows = local.(gincache.KeyBorrower)
	_, s.remoteBounded = remote.(gincache.Bounded)
	if s.remoteTags != nil {
		if s.localTags == nil {
			panic(fmt.Sprintf("tiered: New: the remote store keeps tags but the local %T does not, so a tag purge could not reach the local copies; use a memstore", local))
		}
		s.unknownTags = []string{unknownTag}
	}
	if s.bus != nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.stop, s.done = cancel, make(chan struct{})
		s.ann = newAnnouncer(s)
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
	if !s.localBorrows {
		key = strings.Clone(key) // the middleware may lend it (BorrowsKeys)
	}
	if e, err := s.localGet(ctx, key); err == nil && e != nil {
		return e, nil
	}
	return s.fill(ctx, strings.Clone(key)) // kept with the local copy
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

// fill reads key from remote and keeps a copy of the entry in local, with
// the tags it carries (see carry.go). The copy's remaining life in remote is
// unknown (an Entry does not carry it), so it may outlive the remote entry
// by up to the local TTL; the middleware judges freshness from
// Entry.StoredAt, so it never serves a copy past its policy's ServerTTL and
// stale windows either way.
func (s *Store) fill(ctx context.Context, key string) (*gincache.Entry, error) {
	g, st := s.gen.snap(key), s.coh.state.Load()
	rctx, cancel := s.remoteCtx(ctx)
	e, err := s.remote.Get(rctx, key)
	cancel()
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, gincache.ErrNotFound
	}
	tags := s.unknownTags
	if s.remoteTags != nil {
		var known bool
		if e, tags, known = takeTags(e); !known {
			tags = s.unknownTags
		}
	}
	// The entry is the answer whether or not the copy could be kept.
	_ = s.keep(ctx, key, e, s.localTTL, tags, g, st)
	return e, nil
}

// Set stores e under key in remote for ttl, then in local for the local TTL
// (or ttl, if shorter), then announces key on the bus, so every other
// replica drops its older copy (see announcer: the Set does not wait for
// the message). When remote fails, or ttl stores nothing, the local copy is
// dropped instead, so the local tier never holds what the remote one does
// not.
func (s *Store) Set(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration) error {
	return s.set(ctx, key, e, ttl, nil)
}

// set is Set and SetTagged: tags is nil for an untagged entry.
func (s *Store) set(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration, tags []string) error {
	g, st := s.gen.snap(key), s.coh.state.Load()
	rctx, cancel := s.remoteCtx(ctx)
	var err error
	if s.remoteTags != nil && ttl > 0 {
		// The tags travel with the entry, so the other replicas' copies
		// know them; an untagged Set carries "no tags", known.
		err = s.remoteTags.SetTagged(rctx, key, withTags(e, tags), ttl, tags)
	} else {
		err = s.remote.Set(rctx, key, e, ttl)
	}
	cancel()
	if err == nil && s.ann != nil {
		// Stored (or, for ttl <= 0, deleted) in remote: the other
		// replicas' copies are outdated either way.
		s.ann.announce(ctx, key)
	}
	if err != nil || ttl <= 0 {
		if derr := s.localDelete(ctx, key); err == nil {
			err = derr
		}
		return err
	}
	return s.keep(ctx, key, e, min(ttl, s.localTTL), tags, g, st)
}

// keep puts e in local under key for ttl, with tags when local keeps them,
// and takes it out again if an invalidation that may concern key was
// applied since g: that invalidation may have run before the copy was there
// to be dropped. st is the coherence state before e was read or written
// remotely.
func (s *Store) keep(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration, tags []string, g genSnap, st uint64) error {
	ctx, cancel := s.localCtx(ctx)
	defer cancel()
	var err error
	if len(tags) > 0 && s.localTags != nil {
		err = s.localTags.SetTagged(ctx, key, e, ttl, tags)
	} else {
		err = s.local.Set(ctx, key, e, ttl)
	}
	if s.gen.moved(key, g) {
		if derr := s.local.Delete(ctx, key); err == nil {
			err = derr
		}
	} else if s.bus != nil {
		s.coh.kept(st, s.clock, ttl)
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
