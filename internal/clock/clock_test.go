package clock

import (
	"testing"
	"time"
)

// TestNow: the coarse time is the system's to within a few resolutions, and
// never goes back.
func TestNow(t *testing.T) {
	prev := Now()
	for range 1000 {
		got, want := Now(), time.Now()
		if d := want.Sub(got); d < -Resolution || d > 50*Resolution {
			t.Fatalf("Now() = %v, %v behind time.Now(); want within a few ms", got, d)
		}
		if got.Before(prev) {
			t.Fatalf("Now() = %v after %v: went back", got, prev)
		}
		if n := NowNano(); n < prev.UnixNano() {
			t.Fatalf("NowNano() = %d, before %d", n, prev.UnixNano())
		}
		prev = got
	}
}

// TestIdleStop: the goroutine stops once nobody reads the clock, and a read
// starts it again.
func TestIdleStop(t *testing.T) {
	Now()
	if cur.Load() == nil {
		t.Fatal("no goroutine ticks after a read")
	}
	deadline := time.Now().Add(IdleStop + 5*time.Second)
	for cur.Load() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("the goroutine still ticks %v after the last read; want it stopped after %v", IdleStop+5*time.Second, IdleStop)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d := time.Since(Now()); d < -Resolution || d > 50*Resolution {
		t.Fatalf("Now() after a restart is %v behind; want within a few ms", d)
	}
	if cur.Load() == nil {
		t.Fatal("no goroutine ticks after a read that followed a stop")
	}
}
