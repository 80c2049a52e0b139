package redisstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/storetest"
	"github.com/redis/go-redis/v9"
)

// slowest is how long a failing call may take with the 100ms deadline the
// fault tests use: generous, so a loaded machine does not fail them.
const slowest = time.Second

// mustFail runs op, which must fail as a Redis fault — not a miss, not a
// skip — within slowest.
func mustFail(t *testing.T, what string, op func() error) {
	t.Helper()
	start := time.Now()
	err := op()
	elapsed := time.Since(start)
	if err == nil || errors.Is(err, gincache.ErrNotFound) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("%s: %v; want a Redis error", what, err)
	}
	if elapsed > slowest {
		t.Fatalf("%s took %v; want under %v (deadline 100ms)", what, elapsed, slowest)
	}
}

// mustSkip runs op, which must return ErrUnavailable itself, without Redis.
func mustSkip(t *testing.T, what string, op func() error) {
	t.Helper()
	start := time.Now()
	err := op()
	if err != ErrUnavailable {
		t.Fatalf("%s: %v; want ErrUnavailable", what, err)
	}
	if elapsed := time.Since(start); elapsed > slowest {
		t.Fatalf("%s took %v while the breaker was open; want at once", what, elapsed)
	}
}

func wantStats(t *testing.T, s *Store, want Stats) {
	t.Helper()
	if got := s.Stats(); got != want {
		t.Fatalf("Stats() = %+v; want %+v", got, want)
	}
}

// ops returns the store's three calls on key, for mustFail and mustSkip.
func ops(ctx context.Context, s *Store, key string) (get, set, del func() error) {
	get = func() error { _, err := s.Get(ctx, key); return err }
	set = func() error { return s.Set(ctx, key, storetest.Sample("x"), time.Minute) }
	del = func() error { return s.Delete(ctx, key) }
	return get, set, del
}

// checkGoroutines fails if more goroutines run than before, with a little
// slack for the runtime's own, once those that are exiting had their turn.
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	const slack = 2
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+slack {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines; want at most %d:\n%s", runtime.NumGoroutine(), before+slack, buf)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// Faults injected with miniredis's SetError: errors come back, the breaker
// opens, calls are skipped, a failed probe doubles the back-off and a good one
// closes the breaker.
func TestMiniredisErrors(t *testing.T) {
	mr, rdb := newMiniredis(t)
	clk := newFakeClock()
	s := New(rdb, WithTimeout(100*time.Millisecond), WithBreaker(3, time.Second, 30*time.Second), withClock(clk.Now), quiet())
	ctx := testCtx(t)
	get, set, del := ops(ctx, s, "k")
	mustSet(t, s, "k", storetest.Sample("k"))

	mr.SetError("ERR injected fault")
	mustFail(t, "Get", get)
	mustFail(t, "Set", set)
	wantStats(t, s, Stats{Errors: 2})
	mustFail(t, "Delete", del)
	wantStats(t, s, Stats{Errors: 3, BreakerOpens: 1})

	calls := mr.CommandCount()
	mustSkip(t, "Get", get)
	mustSkip(t, "Set", set)
	mustSkip(t, "Delete", del)
	if n := mr.CommandCount() - calls; n != 0 {
		t.Fatalf("%d commands reached Redis while the breaker was open; want 0", n)
	}
	wantStats(t, s, Stats{Errors: 3, BreakerOpens: 1, Skipped: 3})

	clk.Advance(time.Second)
	mustFail(t, "probe Get", get) // still failing: back-off doubles to 2s
	wantStats(t, s, Stats{Errors: 4, BreakerOpens: 2, Skipped: 3})
	clk.Advance(time.Second)
	mustSkip(t, "Get 1s into a 2s back-off", get)

	mr.SetError("")
	clk.Advance(time.Second)
	mustGet(t, s, "k", storetest.Sample("k")) // the probe: closes the breaker
	mustSet(t, s, "k2", storetest.Sample("k2"))
	mustGet(t, s, "k2", storetest.Sample("k2"))
	wantStats(t, s, Stats{Errors: 4, BreakerOpens: 2, Skipped: 4})
}

// Redis gone (miniredis Close) and back (Restart on the same port).
func TestMiniredisCloseAndRestart(t *testing.T) {
	before := runtime.NumGoroutine()
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mr.Close)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
	clk := newFakeClock()
	s := New(rdb, WithTimeout(100*time.Millisecond), WithBreaker(3, time.Second, 30*time.Second), withClock(clk.Now), quiet())
	ctx := testCtx(t)
	get, set, del := ops(ctx, s, "k")
	mustSet(t, s, "k", storetest.Sample("k"))

	mr.Close()
	mustFail(t, "Get", get)
	mustFail(t, "Set", set)
	mustFail(t, "Delete", del)
	mustSkip(t, "Get", get)
	wantStats(t, s, Stats{Errors: 3, BreakerOpens: 1, Skipped: 1})

	if err := mr.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	mustSkip(t, "Get before the back-off passed", get)
	clk.Advance(time.Second)
	mustGet(t, s, "k", storetest.Sample("k")) // miniredis kept the data
	wantStats(t, s, Stats{Errors: 3, BreakerOpens: 1, Skipped: 2})

	rdb.Close()
	mr.Close()
	checkGoroutines(t, before)
}

// blackHole accepts connections and never answers: Redis hung.
func blackHole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { io.Copy(io.Discard, c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// A server that never answers costs each call the store's deadline, not the
// client's 10s read timeout, until the breaker opens and costs nothing.
func TestUnresponsiveServer(t *testing.T) {
	before := runtime.NumGoroutine()
	rdb := redis.NewClient(&redis.Options{
		Addr:                  blackHole(t),
		ContextTimeoutEnabled: true,
		DialTimeout:           10 * time.Second,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          10 * time.Second,
	})
	clk := newFakeClock()
	s := New(rdb, WithTimeout(100*time.Millisecond), WithBreaker(2, time.Second, 30*time.Second), withClock(clk.Now), quiet())
	ctx := testCtx(t)
	get, set, _ := ops(ctx, s, "k")
	mustFail(t, "Get", get)
	mustFail(t, "Set", set)
	mustSkip(t, "Get", get)
	clk.Advance(time.Second)
	mustFail(t, "probe Get", get)
	mustSkip(t, "Get", get)
	wantStats(t, s, Stats{Errors: 3, BreakerOpens: 2, Skipped: 2})
	rdb.Close()
	checkGoroutines(t, before)
}

// A caller that cancels its request says nothing about Redis.
func TestCallerCancelIsNotAFailure(t *testing.T) {
	_, rdb := newMiniredis(t)
	s := New(rdb, WithBreaker(1, time.Second, time.Second), quiet())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 3 {
		if _, err := s.Get(ctx, "k"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Get on a cancelled context: %v; want context.Canceled", err)
		}
	}
	wantStats(t, s, Stats{})
	mustSet(t, s, "k", storetest.Sample("k"))
	mustGet(t, s, "k", storetest.Sample("k"))
}

// every store call has a deadline: a client that ignores context deadlines would hold calls
// past the store's; New says so.
func TestWarnsWithoutContextTimeouts(t *testing.T) {
	for _, enabled := range []bool{false, true} {
		t.Run(fmt.Sprint(enabled), func(t *testing.T) {
			var buf syncBuffer
			rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: enabled})
			defer rdb.Close()
			New(rdb, WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
			warned := strings.Contains(buf.b.String(), "ContextTimeoutEnabled")
			if warned == enabled {
				t.Fatalf("ContextTimeoutEnabled=%v: warned = %v; want %v", enabled, warned, !enabled)
			}
		})
	}
}

// redisServer is a redis-server the test runs itself, on its own port.
type redisServer struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

// startRedisServer starts redis-server on port (0: a free one), or skips
// when there is none on PATH. It is killed by its PID in cleanup.
func startRedisServer(t *testing.T, port int) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not on PATH; install it to run the process-level fault test")
	}
	if port == 0 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
	}
	dir := t.TempDir()
	logf, err := os.Create(filepath.Join(dir, fmt.Sprintf("redis-%d-%d.log", port, time.Now().UnixNano())))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	srv := &redisServer{t: t, port: port, dir: dir, cmd: cmd}
	t.Cleanup(srv.kill)
	srv.waitReady(logf.Name())
	return srv
}

func (s *redisServer) addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// waitReady polls until the server answers PING.
func (s *redisServer) waitReady(logName string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr(), time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			_, err = io.WriteString(c, "PING\r\n")
			var line string
			if err == nil {
				line, err = bufio.NewReader(c).ReadString('\n')
			}
			c.Close()
			if err == nil && line == "+PONG\r\n" {
				return
			}
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logName)
			s.t.Fatalf("redis-server on %s did not answer PING: %v\n%s", s.addr(), err, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// kill stops the server by its PID and reaps it; killing twice is harmless.
func (s *redisServer) kill() {
	if s.cmd.ProcessState != nil {
		return
	}
	if err := s.cmd.Process.Kill(); err != nil {
		s.t.Errorf("killing redis-server (pid %d): %v", s.cmd.Process.Pid, err)
	}
	s.cmd.Wait()
}

func (s *redisServer) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signalling redis-server (pid %d): %v", s.cmd.Process.Pid, err)
	}
}

// A real redis-server hung, killed in the middle of the test, and started
// again on the same port: calls fail within the deadline, the breaker opens
// and skips Redis, and after the back-off hits resume, with no goroutine left
// behind.
func TestRedisServerKilled(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := startRedisServer(t, 0)
	rdb := redis.NewClient(&redis.Options{
		Addr:                  srv.addr(),
		ContextTimeoutEnabled: true,
		ReadTimeout:           10 * time.Second, // the store's 100ms must win
		WriteTimeout:          10 * time.Second,
	})
	clk := newFakeClock()
	s := New(rdb, WithTimeout(100*time.Millisecond), WithBreaker(3, time.Second, 30*time.Second), withClock(clk.Now), quiet())
	ctx := testCtx(t)
	get, set, del := ops(ctx, s, "k")
	mustSet(t, s, "k", storetest.Sample("k"))
	mustGet(t, s, "k", storetest.Sample("k"))

	// Hung: the process stops answering but keeps its connections.
	srv.signal(syscall.SIGSTOP)
	mustFail(t, "Get from a stopped server", get)
	srv.signal(syscall.SIGCONT)
	mustGet(t, s, "k", storetest.Sample("k"))
	wantStats(t, s, Stats{Errors: 1})

	// Gone.
	srv.kill()
	mustFail(t, "Get", get)
	mustFail(t, "Set", set)
	mustFail(t, "Delete", del)
	wantStats(t, s, Stats{Errors: 4, BreakerOpens: 1})
	mustSkip(t, "Get", get)
	mustSkip(t, "Set", set)

	// Back, empty (no persistence), on the same port.
	srv = startRedisServer(t, srv.port)
	mustSkip(t, "Get before the back-off passed", get)
	clk.Advance(time.Second)
	mustMiss(t, s, "k") // the probe: a miss is Redis answering
	mustSet(t, s, "k", storetest.Sample("again"))
	mustGet(t, s, "k", storetest.Sample("again"))
	wantStats(t, s, Stats{Errors: 4, BreakerOpens: 1, Skipped: 3})

	rdb.Close()
	srv.kill()
	checkGoroutines(t, before)
}

// Tags and locks go through the same deadline and breaker as Get and Set:
// they fail as faults, open the breaker, and are skipped while it is open,
// so a render never waits on a dead Redis for a lock.
func TestCapabilitiesUnderBreaker(t *testing.T) {
	mr, rdb := newMiniredis(t)
	clk := newFakeClock()
	s := New(rdb, WithTimeout(100*time.Millisecond), WithBreaker(4, time.Second, 30*time.Second), withClock(clk.Now), quiet())
	ctx := testCtx(t)
	token, ok, err := s.TryLock(ctx, "held", time.Minute)
	if err != nil || !ok {
		t.Fatalf("TryLock = %v, %v; want true, nil", ok, err)
	}
	calls := map[string]func() error{
		"SetTagged": func() error { return s.SetTagged(ctx, "k", storetest.Sample("k"), time.Minute, []string{"t"}) },
		"PurgeTags": func() error { return s.PurgeTags(ctx, "t") },
		"TryLock":   func() error { _, _, err := s.TryLock(ctx, "k", time.Minute); return err },
		"Unlock":    func() error { return s.Unlock(ctx, "held", token) },
	}
	order := []string{"SetTagged", "PurgeTags", "TryLock", "Unlock"}

	mr.SetError("ERR injected fault")
	for _, name := range order {
		mustFail(t, name, calls[name])
	}
	wantStats(t, s, Stats{Errors: 4, BreakerOpens: 1})
	n := mr.CommandCount()
	for _, name := range order {
		mustSkip(t, name, calls[name])
	}
	if got := mr.CommandCount() - n; got != 0 {
		t.Fatalf("%d commands reached Redis while the breaker was open; want 0", got)
	}
	wantStats(t, s, Stats{Errors: 4, BreakerOpens: 1, Skipped: 4})

	mr.SetError("")
	clk.Advance(time.Second)
	for _, name := range order {
		if err := calls[name](); err != nil {
			t.Fatalf("%s after recovery: %v", name, err)
		}
	}
	if _, ok, err := s.TryLock(ctx, "held", time.Minute); err != nil || !ok {
		t.Fatalf("TryLock after Unlock = %v, %v; want the lock free", ok, err)
	}
}
