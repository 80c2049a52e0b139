package redisstore

import (
	"strings"
	"testing"
	"time"

	"github.com/gincache/gincache/internal/storetest"
)

// BenchmarkGet measures a hit, round trip to an in-process miniredis
// included, whose own allocations count too; the "client" rows are a bare
// go-redis GET of the same value, so the difference is the store's share.
// Run with -benchmem.
func BenchmarkGet(b *testing.B) {
	for _, bm := range []struct{ name, key string }{
		{"short", "example.com/products?page=2"},
		{"hashed", strings.Repeat("example.com/search?q=", 20)},
	} {
		_, rdb := newMiniredis(b)
		s := New(rdb)
		ctx := b.Context()
		if err := s.Set(ctx, bm.key, storetest.Sample(strings.Repeat("x", 4096)), time.Minute); err != nil {
			b.Fatal(err)
		}
		rk, _ := s.redisKey(bm.key)
		b.Run(bm.name+"/store", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Get(ctx, bm.key); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bm.name+"/client", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := rdb.Get(ctx, rk).Bytes(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
