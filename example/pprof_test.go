package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The example's default build serves no profiling endpoint: net/http/pprof
// is linked only with -tags pprof (internal/pprofhook), for bench/wrk.sh.
func TestPprofOnlyWithItsTag(t *testing.T) {
	for _, tt := range []struct {
		tags []string
		want bool
	}{{nil, false}, {[]string{"-tags", "pprof"}, true}} {
		out, err := exec.Command("go", append(append([]string{"list", "-deps"}, tt.tags...), ".")...).Output()
		if err != nil {
			t.Fatalf("go list -deps %v: %v", tt.tags, err)
		}
		if got := slices.Contains(strings.Fields(string(out)), "net/http/pprof"); got != tt.want {
			t.Errorf("go list -deps %v: net/http/pprof linked = %v; want %v", tt.tags, got, tt.want)
		}
	}
}
