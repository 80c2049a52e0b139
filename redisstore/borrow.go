package redisstore

import "github.com/gincache/gincache"

var _ gincache.KeyBorrower = (*Store)(nil)

// BorrowsKeys tells gincache that Get keeps no reference to its key: the
// Redis key is built as a new string from it.
func (*Store) BorrowsKeys() {}
