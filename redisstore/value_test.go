package redisstore

import (
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/gincache/gincache/internal/storetest"
)

// versioned entries: whatever sits under our keys that is not an entry for the
// key read — corrupt, truncated, foreign, from a future format version, of
// another Redis type — is a miss, not an error, and the next Set replaces it.
func TestUndecodableValueIsAMiss(t *testing.T) {
	good, err := storetest.Sample("<p>hello</p>").MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-10] ^= 0x40
	future := append([]byte(nil), good[:len(good)-4]...)
	future[3] = 2 // the format version after "GCE", checksummed as a writer of v2 would
	future = binary.LittleEndian.AppendUint32(future, crc32.Checksum(future, crc32.MakeTable(crc32.Castagnoli)))
	long := strings.Repeat("long/", 100)

	tests := []struct {
		name string
		key  string
		raw  string // stored under the key's Redis key; "" with list set
		list bool   // store a Redis list instead of a string
	}{
		{"garbage", "k", "not an entry at all", false},
		{"empty", "k", "", false},
		{"truncated", "k", string(good[:len(good)/2]), false},
		{"truncatedToMagic", "k", "GCE", false},
		{"bitFlip", "k", string(flipped), false},
		{"futureVersion", "k", string(future), false},
		{"foreignJSON", "k", `{"status":200,"body":"hi"}`, false},
		{"hashedKeyUnframed", long, string(good), false},
		{"hashedKeyOtherFrame", long, string(frame(long+"x", good)), false},
		{"hashedKeyTruncatedFrame", long, string(frame(long, good)[:50]), false},
		{"list", "k", "", true},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s, _ := b.store(t)
				ctx := testCtx(t)
				rk, _ := s.redisKey(tt.key)
				if tt.list {
					err = b.client.RPush(ctx, rk, "a", "b").Err()
				} else {
					err = b.client.Set(ctx, rk, tt.raw, time.Minute).Err()
				}
				if err != nil {
					t.Fatalf("planting the value: %v", err)
				}
				mustMiss(t, s, tt.key)
				if st := s.Stats(); st.Undecodable != 1 || st.Errors != 0 {
					t.Fatalf("Stats() = %+v; want Undecodable 1, Errors 0", st)
				}
				want := storetest.Sample("fresh")
				mustSet(t, s, tt.key, want)
				mustGet(t, s, tt.key, want)
			})
		}
	})
}
