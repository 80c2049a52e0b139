package redisstore

import (
	"testing"
	"time"
)

// step is one line of a breaker script: what happens, and what it must give.
type step struct {
	advance  time.Duration // move the clock first
	do       string        // "allow", "succeed", "fail", "release"
	probe    bool          // for succeed, fail, release: the call was the probe
	want     bool          // allow: ok; succeed: closed; fail: opened
	wantWait time.Duration // fail: the back-off it opened for
}

func runSteps(t *testing.T, b *breaker, clk *fakeClock, steps []step) {
	t.Helper()
	for i, s := range steps {
		clk.Advance(s.advance)
		switch s.do {
		case "allow":
			ok, probe := b.allow()
			if ok != s.want || probe != s.probe {
				t.Fatalf("step %d: allow() = %v, %v; want %v, %v", i, ok, probe, s.want, s.probe)
			}
		case "succeed":
			if got := b.succeed(s.probe); got != s.want {
				t.Fatalf("step %d: succeed(%v) = %v; want %v", i, s.probe, got, s.want)
			}
		case "fail":
			opened, wait := b.fail(s.probe)
			if opened != s.want || wait != s.wantWait {
				t.Fatalf("step %d: fail(%v) = %v, %v; want %v, %v", i, s.probe, opened, wait, s.want, s.wantWait)
			}
		case "release":
			b.release(s.probe)
		default:
			t.Fatalf("step %d: unknown %q", i, s.do)
		}
	}
}

func TestBreaker(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"opensAfterThreshold", []step{
			{do: "fail"}, {do: "fail"}, {do: "allow", want: true},
			{do: "fail", want: true, wantWait: time.Second},
			{do: "allow", want: false},
		}},
		{"successResetsCount", []step{
			{do: "fail"}, {do: "fail"}, {do: "succeed"},
			{do: "fail"}, {do: "fail"}, {do: "allow", want: true},
			{do: "fail", want: true, wantWait: time.Second},
		}},
		{"oneProbeAfterBackoff", []step{
			{do: "fail"}, {do: "fail"}, {do: "fail", want: true, wantWait: time.Second},
			{advance: 999 * time.Millisecond, do: "allow", want: false},
			{advance: time.Millisecond, do: "allow", want: true, probe: true},
			{do: "allow", want: false}, // the probe is in flight
			{do: "succeed", probe: true, want: true},
			{do: "allow", want: true},
		}},
		{"failedProbesDoubleToCap", []step{
			{do: "fail"}, {do: "fail"}, {do: "fail", want: true, wantWait: time.Second},
			{advance: time.Second, do: "allow", want: true, probe: true},
			{do: "fail", probe: true, want: true, wantWait: 2 * time.Second},
			{advance: time.Second, do: "allow", want: false},
			{advance: time.Second, do: "allow", want: true, probe: true},
			{do: "fail", probe: true, want: true, wantWait: 4 * time.Second},
			{advance: 4 * time.Second, do: "allow", want: true, probe: true},
			{do: "fail", probe: true, want: true, wantWait: 5 * time.Second}, // capped
			{advance: 5 * time.Second, do: "allow", want: true, probe: true},
			{do: "fail", probe: true, want: true, wantWait: 5 * time.Second},
		}},
		{"backoffResetsAfterRecovery", []step{
			{do: "fail"}, {do: "fail"}, {do: "fail", want: true, wantWait: time.Second},
			{advance: time.Second, do: "allow", want: true, probe: true},
			{do: "fail", probe: true, want: true, wantWait: 2 * time.Second},
			{advance: 2 * time.Second, do: "allow", want: true, probe: true},
			{do: "succeed", probe: true, want: true},
			{do: "fail"}, {do: "fail"}, {do: "fail", want: true, wantWait: time.Second},
		}},
		{"releasedProbeLetsNextCallProbe", []step{
			{do: "fail"}, {do: "fail"}, {do: "fail", want: true, wantWait: time.Second},
			{advance: time.Second, do: "allow", want: true, probe: true},
			{do: "release", probe: true},
			{do: "allow", want: true, probe: true},
		}},
		{"stragglersWhileOpenChangeNothing", []step{
			{do: "fail"}, {do: "fail"}, {do: "fail", want: true, wantWait: time.Second},
			{do: "fail"}, {do: "fail"}, {do: "fail"}, // calls begun before it opened
			{do: "succeed"},
			{do: "allow", want: false},
			{advance: time.Second, do: "allow", want: true, probe: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			runSteps(t, newBreaker(3, time.Second, 5*time.Second, clk.Now), clk, tt.steps)
		})
	}
}
