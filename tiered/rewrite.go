package tiered

import (
	"context"

	"github.com/gincache/gincache"
)

var _ gincache.Rewriter = (*Store)(nil)

// Rewrite rewrites the entries under keys in remote, for gincache's soft
// purge, then drops the local copies on this replica and, through the bus,
// on every other: the next read fetches the rewritten entry. When remote
// cannot rewrite (it is no gincache.Rewriter) the entries are deleted, as
// a hard purge would.
func (s *Store) Rewrite(ctx context.Context, f func(*gincache.Entry) *gincache.Entry, keys ...string) error {
	rw, ok := s.remote.(gincache.Rewriter)
	if !ok {
		return s.Delete(ctx, keys...)
	}
	if len(keys) == 0 {
		return nil
	}
	rctx, cancel := s.remoteCtx(ctx)
	err := rw.Rewrite(rctx, f, keys...)
	cancel()
	return s.invalidate(ctx, Invalidation{Keys: keys}, err)
}

// RewriteTags rewrites every entry stored with any of tags in remote, then
// drops the local copies that carry them here and on every replica, as
// PurgeTags does. When remote cannot rewrite, it purges.
func (s *Store) RewriteTags(ctx context.Context, f func(*gincache.Entry) *gincache.Entry, tags ...string) error {
	rw, ok := s.remote.(gincache.Rewriter)
	if !ok || s.remoteTags == nil {
		return s.PurgeTags(ctx, tags...)
	}
	if len(tags) == 0 {
		return nil
	}
	rctx, cancel := s.remoteCtx(ctx)
	err := rw.RewriteTags(rctx, f, tags...)
	cancel()
	return s.invalidate(ctx, Invalidation{Tags: tags}, err)
}
