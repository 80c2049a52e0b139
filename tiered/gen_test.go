package tiered

import (
	"fmt"
	"testing"
)

// TestGens: a fill's snapshot moves with an invalidation of its own key and
// with any tag purge, and not with one of a key in another stripe — the
// announcements of other replicas' stores of other pages do not cost this
// replica its concurrent fills.
func TestGens(t *testing.T) {
	const key = "example.com/page"
	g := newGens()
	other := ""
	for i := 0; other == ""; i++ {
		if k := fmt.Sprint("example.com/other/", i); g.stripe(k) != g.stripe(key) {
			other = k
		}
	}
	tests := []struct {
		name       string
		invalidate func()
		moved      bool
	}{
		{"nothing", func() {}, false},
		{"sameKey", func() { g.keys([]string{key}) }, true},
		{"otherKey", func() { g.keys([]string{other}) }, false},
		{"manyKeysWithIt", func() { g.keys([]string{other, key}) }, true},
		{"tagPurge", g.everything, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := g.snap(key)
			tt.invalidate()
			if got := g.moved(key, snap); got != tt.moved {
				t.Errorf("moved = %v; want %v", got, tt.moved)
			}
		})
	}
}
