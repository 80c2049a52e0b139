//go:build loadtest

package loadtest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// redisServer is a redis-server process the test started and owns: on a
// loopback port of its own, without persistence, in a directory of its own.
// It is stopped only through its PID, never by name.
type redisServer struct {
	t    *testing.T
	bin  string
	port int
	dir  string
	cmd  *exec.Cmd // the process last started; ProcessState set once reaped
	log  string    // its log file

	conf string   // a configuration file given first, or "" (a sentinel's)
	args []string // more arguments: the topology's
}

// startRedis starts redis-server on a free port of 127.0.0.1 and registers
// its end in cleanup, so a failing test leaves no process behind.
func startRedis(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not on PATH; the load test needs a real one (apt-get install redis-server)")
	}
	s := &redisServer{t: t, bin: bin, port: freePort(t), dir: t.TempDir()}
	t.Cleanup(s.kill)
	s.start()
	return s
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (s *redisServer) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

func (s *redisServer) pid() int { return s.cmd.Process.Pid }

// start runs a new redis-server on s.port (again, after kill: the same
// address, empty) and waits until it answers PING.
func (s *redisServer) start() {
	s.t.Helper()
	s.log = filepath.Join(s.dir, fmt.Sprintf("redis-%d.log", time.Now().UnixNano()))
	logf, err := os.Create(s.log)
	if err != nil {
		s.t.Fatal(err)
	}
	defer logf.Close()
	var args []string
	if s.conf != "" {
		args = append(args, s.conf)
	}
	args = append(args, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", s.dir)
	cmd := exec.Command(s.bin, append(args, s.args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	s.cmd = cmd
	s.waitReady()
}

// waitReady polls, with PING on a raw connection, until the server answers.
func (s *redisServer) waitReady() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := ping(s.addr())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(s.log)
			s.t.Fatalf("redis-server (pid %d) on %s did not answer PING: %v\n%s", s.pid(), s.addr(), err, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "PING\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err == nil && line != "+PONG\r\n" {
		err = fmt.Errorf("PING answered %q", line)
	}
	return err
}

// hang stops the process (SIGSTOP): it keeps its port and connections but
// answers nothing, as a Redis stuck on a slow disk or a long command would.
func (s *redisServer) hang() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("SIGSTOP redis-server (pid %d): %v", s.pid(), err)
	}
}

// kill ends the process with SIGKILL (which also ends a stopped one) and
// reaps it. Killing a process already reaped does nothing, so kill is also
// the cleanup.
func (s *redisServer) kill() {
	if s.cmd == nil || s.cmd.ProcessState != nil {
		return
	}
	if err := s.cmd.Process.Kill(); err != nil {
		s.t.Errorf("SIGKILL redis-server (pid %d): %v", s.pid(), err)
	}
	s.cmd.Wait() // "signal: killed" is the expected outcome
}
