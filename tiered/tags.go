package tiered

import (
	"context"
	"time"

	"github.com/gincache/gincache"
)

// SetTagged stores e under key with its tags, in remote and then in local,
// as Set does. When remote keeps no tags the entry is stored untagged, as the
// middleware would store it in such a store, and PurgeTags is unsupported.
func (s *Store) SetTagged(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration, tags []string) error {
	if tags == nil {
		tags = []string{}
	}
	return s.set(ctx, key, e, ttl, tags)
}

// PurgeTags deletes every entry stored with any of tags from remote, drops
// the local copies that carry them, then publishes the tags on the bus so
// that every replica drops its copies too. It returns
// gincache.ErrTagsUnsupported, touching nothing, when remote keeps no tags.
//
// A copy taken from remote knows its tags: they travel with the entry (see
// carry.go), so a purge drops only the copies it names, on every replica.
// Only a copy of an entry stored without them — by a store without the
// tiered layer, or an older version — has unknown tags, and every tag purge
// drops it.
func (s *Store) PurgeTags(ctx context.Context, tags ...string) error {
	if s.remoteTags == nil {
		return gincache.ErrTagsUnsupported
	}
	if len(tags) == 0 {
		return nil
	}
	rctx, cancel := s.remoteCtx(ctx)
	err := s.remoteTags.PurgeTags(rctx, tags...)
	cancel()
	return s.invalidate(ctx, Invalidation{Tags: tags}, err)
}
