package gincache

import (
	"testing"
	"unsafe"

	"github.com/gin-gonic/gin"
)

// TestStripes: the counts of two stripes are at least 128 bytes apart, so
// they never share a cache line or an adjacent pair, and the Contexts gin
// allocates side by side land on every stripe rather than a few.
func TestStripes(t *testing.T) {
	var s stripe
	if gap := unsafe.Sizeof(s) - unsafe.Sizeof(s.events); gap < 128 {
		t.Errorf("the counts of adjacent stripes are %d bytes apart; want at least 128", gap)
	}
	size := unsafe.Sizeof(gin.Context{})
	seen := map[int]int{}
	for i := range uintptr(4 * numStripes) {
		seen[stripeOf(0xc000100000+i*size)]++
	}
	if len(seen) != numStripes {
		t.Errorf("%d Contexts %d bytes apart used %d stripes: %v; want all %d", 4*numStripes, size, len(seen), seen, numStripes)
	}
}
