package redisstore

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gincache/gincache/internal/storetest"
)

// TestGetPooledConcurrent: hits on many keys at once, short and hashed,
// each get their own entry although the GET commands and key buffers are
// reused (getCall), and a miss between them leaves nothing behind.
func TestGetPooledConcurrent(t *testing.T) {
	_, rdb := newMiniredis(t)
	s := New(rdb, WithTimeout(10*time.Second)) // what is tested is the bodies, not the speed under -race
	if !s.reuse {
		t.Fatal("a *redis.Client without client-side caching: want pooled GETs")
	}
	ctx := testCtx(t)
	keys := make([]string, 32)
	for i := range keys {
		keys[i] = fmt.Sprintf("example.com/page?n=%d", i)
		if i%4 == 0 { // hashed: longer than maxKeyLen
			keys[i] += strings.Repeat("x", maxKeyLen)
		}
		if err := s.Set(ctx, keys[i], storetest.Sample("body of "+keys[i]), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for j := range 200 {
				k := keys[(g*7+j)%len(keys)]
				if j%5 == 0 {
					if _, err := s.Get(ctx, k+"-absent"); err == nil {
						t.Errorf("Get(%q): an entry; want a miss", k+"-absent")
						return
					}
				}
				e, err := s.Get(ctx, k)
				if err != nil {
					t.Errorf("Get(%q): %v", k, err)
					return
				}
				if got, want := string(e.Body), "body of "+k; got != want {
					t.Errorf("Get(%q) body %.40q; want %.40q", k, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
