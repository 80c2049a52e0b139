package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// unlockScript deletes a lock only while it still holds the caller's token,
// in one atomic step: a GET then a DEL from the client could delete a lock
// that expired in between and was taken by another replica. It names one
// key, so it runs on a cluster too.
var unlockScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// TryLock takes the lock named key for ttl, truncated to whole milliseconds,
// with one SET NX carrying the TTL and a fresh random token; ok is false when
// another holder has it. The lock expires by itself, so a holder that dies
// blocks the others for ttl at most. Like every call it runs under the
// store's deadline and breaker: while the breaker is open it returns
// ErrUnavailable at once, and the caller renders without the lock.
func (s *Store) TryLock(ctx context.Context, key string, ttl time.Duration) (token string, ok bool, err error) {
	ttl = ttl.Truncate(time.Millisecond)
	if ttl <= 0 {
		return "", false, errors.New("redisstore: TryLock: ttl under a millisecond")
	}
	token = newToken()
	lk := s.lockKey(key)
	err = s.do(ctx, "lock", func(ctx context.Context) error {
		var err error
		ok, err = s.client.SetNX(ctx, lk, token, ttl).Result()
		return err
	})
	if err != nil || !ok {
		return "", false, err
	}
	return token, true, nil
}

// Unlock releases the lock named key if token still holds it, with a
// compare-and-delete script; a lock that expired and was taken by another
// holder, or a token that never held it, is left alone without error.
func (s *Store) Unlock(ctx context.Context, key, token string) error {
	lk := s.lockKey(key)
	return s.do(ctx, "unlock", func(ctx context.Context) error {
		return unlockScript.Run(ctx, s.client, []string{lk}, token).Err()
	})
}

// newToken returns 16 random bytes in hex: unguessable and, in practice,
// unique across every replica and call.
func newToken() string {
	var b [16]byte
	rand.Read(b[:]) // never fails; see crypto/rand.Read
	return hex.EncodeToString(b[:])
}
