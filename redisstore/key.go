package redisstore

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// keyVersion is the version of the layout of our keys and values. Changing
// either changes it, so replicas after an upgrade start with misses instead of
// misreading what older ones stored (RFC-CHECKLIST L5).
const keyVersion = "v1:"

// maxKeyLen is the longest cache key used verbatim in a Redis key.
const maxKeyLen = 200

// hashedTag starts the hashed form of a key: "h:" and 64 hex digits. Keys that
// start with it are hashed too, whatever their length, so a verbatim key can
// never name the slot of a hashed one.
const hashedTag = "h:"

func sha256Key(key string) [sha256.Size]byte { return sha256.Sum256([]byte(key)) }

// redisKey returns the Redis key for a cache key, and whether it is the
// hashed form, whose value must carry the full key (see frame).
func (s *Store) redisKey(key string) (rk string, hashed bool) {
	if len(key) <= maxKeyLen && !strings.HasPrefix(key, hashedTag) {
		return s.base + key, false
	}
	sum := s.hash(key)
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], sum[:])
	var b strings.Builder
	b.Grow(len(s.base) + len(hashedTag) + len(hx))
	b.WriteString(s.base)
	b.WriteString(hashedTag)
	b.Write(hx[:])
	return b.String(), true
}

// frame prepends the full cache key to an entry's bytes, for a value stored
// under a hashed key: uvarint length, key, entry.
func frame(key string, entry []byte) []byte {
	b := make([]byte, 0, binary.MaxVarintLen64+len(key)+len(entry))
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	return append(b, entry...)
}

// unframe returns the entry bytes of a value framed for key, or false when
// the value was framed for another key (a hash collision) or is not framed.
func unframe(key string, v []byte) ([]byte, bool) {
	n, w := binary.Uvarint(v)
	if w <= 0 || n != uint64(len(key)) || uint64(len(v)-w) < n {
		return nil, false
	}
	if string(v[w:w+len(key)]) != key {
		return nil, false
	}
	return v[w+len(key):], true
}
