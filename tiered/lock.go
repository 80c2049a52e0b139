package tiered

import (
	"context"
	"errors"
	"time"
)

// ErrLocksUnsupported is returned by TryLock and Unlock when the remote store
// is not a gincache.Locker. The middleware then renders without the lock, as
// it does after any lock error (and reports it as a store fault).
var ErrLocksUnsupported = errors.New("tiered: the remote store does not support locks")

// TryLock takes the lock named key in the remote store, which every replica
// shares, so a page missing everywhere is still rendered by one replica
// while the others wait for it (see gincache.Locker). A local tier has no
// use for locks: it never sees another process.
func (s *Store) TryLock(ctx context.Context, key string, ttl time.Duration) (token string, ok bool, err error) {
	if s.remoteLocks == nil {
		return "", false, ErrLocksUnsupported
	}
	ctx, cancel := s.remoteCtx(ctx)
	defer cancel()
	return s.remoteLocks.TryLock(ctx, key, ttl)
}

// Unlock releases the remote lock named key if token still holds it.
func (s *Store) Unlock(ctx context.Context, key, token string) error {
	if s.remoteLocks == nil {
		return ErrLocksUnsupported
	}
	ctx, cancel := s.remoteCtx(ctx)
	defer cancel()
	return s.remoteLocks.Unlock(ctx, key, token)
}
