package memstore

import "github.com/gincache/gincache"

var _ gincache.KeyBorrower = (*Store)(nil)

// BorrowsKeys tells gincache that Get keeps no reference to its key: otter
// only reads it to find the entry.
func (*Store) BorrowsKeys() {}
