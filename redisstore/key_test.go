package redisstore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/storetest"
)

// the key is the whole URL, versioned entries: keys carry the prefix and the format version; long
// keys, and keys that look hashed, are hashed into a bounded Redis key.
func TestRedisKey(t *testing.T) {
	_, rdb := newMiniredis(t)
	s := New(rdb, WithPrefix("app:"))
	at200 := strings.Repeat("k", maxKeyLen)
	at201 := at200 + "k"
	huge := strings.Repeat("example.com/?q=", 1000)
	hashed := func(k string) string {
		sum := sha256.Sum256([]byte(k))
		return "app:v1:h:" + hex.EncodeToString(sum[:])
	}
	tests := []struct {
		name, key, want string
		wantHashed      bool
	}{
		{"plain", "example.com/a?x=1", "app:v1:example.com/a?x=1", false},
		{"empty", "", "app:v1:", false},
		{"atBound", at200, "app:v1:" + at200, false},
		{"overBound", at201, hashed(at201), true},
		{"huge", huge, hashed(huge), true},
		{"looksHashed", "h:abc", hashed("h:abc"), true},
		// Entries never name a tag's index or a lock.
		{"looksLikeTagIndex", "t:abc", hashed("t:abc"), true},
		{"looksLikeLock", "l:abc", hashed("l:abc"), true},
		{"namespaceLetterOnly", "t", "app:v1:t", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gotHashed := s.redisKey(tt.key)
			if got != tt.want || gotHashed != tt.wantHashed {
				t.Fatalf("redisKey = %q, %v; want %q, %v", got, gotHashed, tt.want, tt.wantHashed)
			}
			if max := len("app:v1:") + maxKeyLen; len(got) > max {
				t.Fatalf("len(redisKey) = %d; want at most %d", len(got), max)
			}
		})
	}
}

// Tags and locks have namespaces of their own beside the entries', with
// the same bound on length.
func TestTagAndLockKeys(t *testing.T) {
	_, rdb := newMiniredis(t)
	s := New(rdb, WithPrefix("app:"))
	long := strings.Repeat("tag/", 100)
	hashed := func(space, k string) string {
		sum := sha256.Sum256([]byte(k))
		return "app:v1:" + space + "h:" + hex.EncodeToString(sum[:])
	}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"tag", s.tagKey("user:42"), "app:v1:t:t:user:42"},
		{"emptyTag", s.tagKey(""), "app:v1:t:t:"},
		{"longTag", s.tagKey(long), hashed("t:t:", long)},
		{"tagLooksHashed", s.tagKey("h:x"), hashed("t:t:", "h:x")},
		{"tagLooksLikeATag", s.tagKey("t:x"), hashed("t:t:", "t:x")},
		{"legacyTag", s.legacyTagKey("user:42"), "app:v1:t:user:42"},
		{"legacyLongTag", s.legacyTagKey(long), hashed("t:", long)},
		{"lock", s.lockKey("example.com/"), "app:v1:l:example.com/"},
		{"longLock", s.lockKey(long), hashed("l:", long)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("key = %q; want %q", tt.got, tt.want)
			}
			if max := len("app:v1:l:") + maxKeyLen; len(tt.got) > max {
				t.Fatalf("len = %d; want at most %d", len(tt.got), max)
			}
		})
	}
}

func TestDefaultPrefix(t *testing.T) {
	mr, rdb := newMiniredis(t)
	s := New(rdb)
	if err := s.Set(testCtx(t), "example.com/", storetest.Sample("x"), time.Minute); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if got, want := mr.Keys(), []string{"gincache:v1:example.com/"}; !slices.Equal(got, want) {
		t.Fatalf("keys = %q; want %q", got, want)
	}
}

// the key is the whole URL: two keys whose hashed Redis keys collide never serve each
// other's entry. A real SHA-256 collision cannot be found, so the test makes
// every key hash alike.
func TestHashCollisionIsAMiss(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, _ := b.store(t)
		s.hash = func(string) [sha256.Size]byte { return [sha256.Size]byte{1, 2, 3} }
		ctx := testCtx(t)
		keyA := strings.Repeat("a", 300)
		keyB := strings.Repeat("b", 300)
		keyC := "h:short" // hashed for its look, shares the slot too
		if rkA, _ := s.redisKey(keyA); rkA != mustKey(s, keyB) || rkA != mustKey(s, keyC) {
			t.Fatalf("test set-up: keys do not collide")
		}

		mustSet(t, s, keyA, storetest.Sample("A"))
		mustGet(t, s, keyA, storetest.Sample("A"))
		mustMiss(t, s, keyB)
		mustMiss(t, s, keyC)
		if got := s.Stats().Undecodable; got != 2 {
			t.Fatalf("Stats().Undecodable = %d; want 2", got)
		}

		// The colliding key takes the slot over; the first one now misses.
		mustSet(t, s, keyB, storetest.Sample("B"))
		mustGet(t, s, keyB, storetest.Sample("B"))
		mustMiss(t, s, keyA)
		if err := s.Delete(ctx, keyC); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		mustMiss(t, s, keyB)
	})
}

func mustKey(s *Store, key string) string {
	rk, _ := s.redisKey(key)
	return rk
}

func mustSet(t *testing.T, s *Store, key string, e *gincache.Entry) {
	t.Helper()
	if err := s.Set(testCtx(t), key, e, time.Minute); err != nil {
		t.Fatalf("Set(%.20q…): %v", key, err)
	}
}

func mustGet(t *testing.T, s *Store, key string, want *gincache.Entry) {
	t.Helper()
	got, err := s.Get(testCtx(t), key)
	if err != nil {
		t.Fatalf("Get(%.20q…): %v; want a hit", key, err)
	}
	if d := storetest.Equal(got, want); d != "" {
		t.Fatalf("Get(%.20q…): %s", key, d)
	}
}

func mustMiss(t *testing.T, s *Store, key string) {
	t.Helper()
	got, err := s.Get(testCtx(t), key)
	if !errors.Is(err, gincache.ErrNotFound) {
		t.Fatalf("Get(%.20q…) = %v, %v; want ErrNotFound", key, got, err)
	}
}

func TestFrame(t *testing.T) {
	entry := []byte("GCE\x01entry")
	v := frame("key", entry)
	if got, ok := unframe("key", string(v)); !ok || string(got) != string(entry) {
		t.Fatalf("unframe(frame) = %q, %v; want %q, true", got, ok, entry)
	}
	for _, tt := range []struct {
		name, key string
		v         []byte
	}{
		{"otherKey", "kez", v},
		{"prefixOfKey", "ke", v},
		{"longerKey", "keys", v},
		{"empty", "key", nil},
		{"truncated", "key", v[:3]},
		{"unframed", "key", entry},
		{"badVarint", "key", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := unframe(tt.key, string(tt.v)); ok {
				t.Fatalf("unframe(%q, %q) = %q, true; want false", tt.key, tt.v, got)
			}
		})
	}
}
