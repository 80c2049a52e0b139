package tiered

import "github.com/gincache/gincache"

var _ gincache.KeyBorrower = (*Store)(nil)

// BorrowsKeys tells gincache that Get keeps no reference to its key: a
// local hit only reads it (a local store that is not a KeyBorrower gets a
// copy), and a fill from remote keeps a copy with the local entry.
func (*Store) BorrowsKeys() {}
