package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// exampleBin is the example server, built once by TestMain.
var exampleBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gincache-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	exampleBin = filepath.Join(dir, "example")
	build := exec.Command("go", "build", "-o", exampleBin, "./example")
	build.Dir = ".." // the repository root: the example is built as the README runs it
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./example: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// logLine is one line of the example's request log (example/app/app.go,
// requestLog): what the client sent and what the cache answered.
type logLine struct {
	Method, URI string
	Status      int
	XCache      string
	INM, IMS    string // the request's If-None-Match and If-Modified-Since
	CC, Pragma  string // the request's Cache-Control and Pragma
	CacheStatus string // the response's Cache-Status
	raw         string
}

func (l logLine) String() string { return l.raw }

// path is the URI without its query.
func (l logLine) path() string {
	p, _, _ := strings.Cut(l.URI, "?")
	return p
}

const quoted = `("(?:[^"\\]|\\.)*")`

// logPattern matches requestLog's format after log's date and time prefix:
//
//	GET / 304 "HIT from Client" inm="\"…\"" ims="…" cc="max-age=0" pragma="" cache-status="…"
var logPattern = regexp.MustCompile(`([A-Z]+) (\S+) (\d{3}) ` + quoted + ` inm=` + quoted + ` ims=` + quoted +
	` cc=` + quoted + ` pragma=` + quoted + ` cache-status=` + quoted + `$`)

func parseLogLine(s string) (logLine, bool) {
	m := logPattern.FindStringSubmatch(s)
	if m == nil {
		return logLine{}, false
	}
	status, _ := strconv.Atoi(m[3])
	l := logLine{Method: m[1], URI: m[2], Status: status, raw: s[strings.Index(s, m[0]):]}
	for i, dst := range []*string{&l.XCache, &l.INM, &l.IMS, &l.CC, &l.Pragma, &l.CacheStatus} {
		v, err := strconv.Unquote(m[4+i])
		if err != nil {
			return logLine{}, false
		}
		*dst = v
	}
	return l, true
}

// server is the example running as a subprocess on a free loopback port.
type server struct {
	URL string

	mu    sync.Mutex // guards lines and other
	lines []logLine  // request log lines, in the order written
	other []string   // everything else the server printed
	marks int        // marks sent, for unique mark URLs
}

// startServer runs the example on 127.0.0.1 with the in-memory store and
// stops it (by its PID) when the test ends, also on failure.
func startServer(t *testing.T) *server {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(exampleBin, "-addr", addr)
	cmd.Env = append(os.Environ(), "GINCACHE_PURGE_TOKEN=")
	cmd.SysProcAttr = childProcAttr()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr // both to the pipe
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{URL: "http://" + addr}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.add(sc.Text())
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // only the process this test started
		<-done                 // the pipe is drained before Wait closes it
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", s.dump())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the example did not listen on %s: %v\n%s", addr, err, s.dump())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freeAddr returns a 127.0.0.1 address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (s *server) add(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := parseLogLine(line); ok {
		s.lines = append(s.lines, l)
	} else {
		s.other = append(s.other, line)
	}
}

func (s *server) dump() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, l := range s.other {
		fmt.Fprintln(&b, "  ", l)
	}
	for _, l := range s.lines {
		fmt.Fprintln(&b, "  ", l)
	}
	return b.String()
}

// waitFor polls the log until a line after position from satisfies ok, and
// returns it; it fails the test after a deadline. It is how the test waits on
// the browser: never by sleeping for a fixed time.
func (s *server) waitFor(t *testing.T, from int, what string, ok func(logLine) bool) logLine {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s.mu.Lock()
		for _, l := range s.lines[min(from, len(s.lines)):] {
			if ok(l) {
				s.mu.Unlock()
				return l
			}
		}
		s.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no request log line for %s within 15 s; the log:\n%s", what, s.dump())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mark is a barrier: it sends a request of its own (not the browser's) and
// waits for its log line, and returns the position after it. A request the
// browser completed before mark was called is logged before the mark.
func (s *server) mark(t *testing.T) int {
	t.Helper()
	s.mu.Lock()
	s.marks++
	uri := fmt.Sprintf("/e2e-mark/%d", s.marks)
	from := len(s.lines)
	s.mu.Unlock()
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 5 * time.Second}
	resp, err := client.Get(s.URL + uri)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s.waitFor(t, from, uri, func(l logLine) bool { return l.URI == uri })
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := from; i < len(s.lines); i++ {
		if s.lines[i].URI == uri {
			return i + 1
		}
	}
	panic("unreachable")
}

// between returns the browser's log lines from position from to to (marks
// left out).
func (s *server) between(from, to int) []logLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []logLine
	for _, l := range s.lines[from:to] {
		if !strings.HasPrefix(l.URI, "/e2e-mark/") {
			out = append(out, l)
		}
	}
	return out
}
