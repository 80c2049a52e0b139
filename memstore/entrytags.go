package memstore

import (
	"context"
	"slices"

	"github.com/gincache/gincache"
)

var _ gincache.TagReader = (*Store)(nil)

// EntryTags returns the tags the entry under key was stored with (none for
// an entry stored with Set), for gincache's inspector; ErrNotFound when key
// holds nothing. The slice is a copy.
func (s *Store) EntryTags(_ context.Context, key string) ([]string, error) {
	it, ok := s.cache.GetIfPresent(key)
	if !ok {
		return nil, gincache.ErrNotFound
	}
	if it.tags == nil {
		return []string{}, nil
	}
	return slices.Clone(it.tags.tags), nil
}
