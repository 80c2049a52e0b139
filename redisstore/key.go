package redisstore

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// keyVersion is the version of the layout of our keys and values. Changing
// either changes it, so replicas after an upgrade start with misses instead of
// misreading what older ones stored (versioned entries).
const keyVersion = "v1:"

// maxKeyLen is the longest cache key used verbatim in a Redis key.
const maxKeyLen = 200

// The namespaces under the prefix and keyVersion. Entries have none: their
// cache key follows keyVersion directly. A name that starts like a namespace
// is hashed whatever its length, so an entry's key can never name a tag's
// index or a lock, and a verbatim name never names a hashed one.
const (
	// hashedTag starts the hashed form of a name: "h:" and 64 hex digits.
	hashedTag = "h:"
	// tagSpace held the tag indexes of older versions, one set per tag.
	// Nothing writes there now; a purge still reads it (see PurgeTags)
	// until the last of them has expired.
	tagSpace = "t:"
	// indexSpace holds tag indexes: one sorted set per tag of the Redis
	// keys of the entries stored with it (see SetTagged). It lies inside
	// tagSpace where no older version wrote: there a tag starting with
	// "t:" was reserved, so hashed, and its index named "t:h:". So an
	// index never meets a set of the old layout under its name, which
	// would fail every store of the tag with WRONGTYPE.
	indexSpace = tagSpace + "t:"
	// lockSpace holds the render locks of Locker.
	lockSpace = "l:"
)

func sha256Key(key string) [sha256.Size]byte { return sha256.Sum256([]byte(key)) }

// redisKey returns the Redis key for a cache key, and whether it is the
// hashed form, whose value must carry the full key (see frame).
func (s *Store) redisKey(key string) (rk string, hashed bool) {
	return s.spaceKey("", key)
}

// tagKey returns the Redis key of the index of tag. A hashed tag needs no
// frame: two tags whose hashes collide share an index, and a purge of one
// deletes the other's entries too, which Tagger allows.
func (s *Store) tagKey(tag string) string {
	k, _ := s.spaceKey(indexSpace, tag)
	return k
}

// legacyTagKey returns the Redis key of the set that older versions kept
// as the index of tag.
func (s *Store) legacyTagKey(tag string) string {
	k, _ := s.spaceKey(tagSpace, tag)
	return k
}

// lockKey returns the Redis key of the lock named key.
func (s *Store) lockKey(key string) string {
	k, _ := s.spaceKey(lockSpace, key)
	return k
}

// spaceKey returns the Redis key of name in namespace space: the name itself
// when it is short and does not start like a namespace, else its hash.
func (s *Store) spaceKey(space, name string) (rk string, hashed bool) {
	if len(name) <= maxKeyLen && !reserved(name) {
		return s.base + space + name, false
	}
	sum := s.hash(name)
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], sum[:])
	var b strings.Builder
	b.Grow(len(s.base) + len(space) + len(hashedTag) + len(hx))
	b.WriteString(s.base)
	b.WriteString(space)
	b.WriteString(hashedTag)
	b.Write(hx[:])
	return b.String(), true
}

// reserved reports whether name starts like a namespace.
func reserved(name string) bool {
	return strings.HasPrefix(name, hashedTag) || strings.HasPrefix(name, tagSpace) || strings.HasPrefix(name, lockSpace)
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
func unframe(key, v string) (string, bool) {
	n, w := binary.Uvarint([]byte(v[:min(len(v), binary.MaxVarintLen64)]))
	if w <= 0 || n != uint64(len(key)) || uint64(len(v)-w) < n {
		return "", false
	}
	if v[w:w+len(key)] != key {
		return "", false
	}
	return v[w+len(key):], true
}
