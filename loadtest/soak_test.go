//go:build loadtest

package loadtest

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

var (
	flagSoak      = flag.Duration("soak.duration", 0, "TestSoak: how long to run; 0 skips it (.ci/soak.sh sets 10m)")
	flagSoakEvery = flag.Duration("soak.every", 10*time.Second, "TestSoak: how often to sample")
	flagSoakHeap  = flag.String("soak.heapprofile", "", "TestSoak: a directory to write heap profiles to, after the warm-up and at the end (compare with go tool pprof -base)")
)

// soakMisses is how many item keys the soak's misses are drawn from: enough
// that most are misses (each key is asked for about every two minutes and
// kept one), few enough that what Redis and the checker hold levels off.
const soakMisses = 30_000

// soakSample is what TestSoak measures every -soak.every.
type soakSample struct {
	at                 time.Duration
	rss, heap          int64 // bytes: the process's resident set; the live heap after a GC
	goroutines         int
	conns              int   // the replicas' Redis connections, idle or not
	redisMem, redisKey int64 // used_memory; DBSIZE
	gets, hits         int64 // so far
}

// TestSoak runs the replicas (-topo.replicas, 4 by default) over one
// redis-server at a steady mixed load with purges every 200ms for
// -soak.duration, sampling the process's RSS, live heap and goroutines and
// Redis's used_memory and DBSIZE; then reports each one's slope after the
// warm-up (a minute and a bit, the items' TTL, after which Redis holds a
// steady set) and the hit ratio. It fails on any response the checker
// rejects and on goroutines left behind; the slopes are reported, for a
// person to judge: a leak shows as a slope that does not fall with a
// longer run.
func TestSoak(t *testing.T) {
	if *flagSoak <= 0 {
		t.Skip("-soak.duration is 0; .ci/soak.sh runs the soak")
	}
	gin.SetMode(gin.ReleaseMode)
	goroutines := runtime.NumGoroutine()
	srv := startRedis(t)
	admin := redis.NewClient(&redis.Options{Addr: srv.addr()})
	defer admin.Close()
	// What the replicas log is dropped: over a long soak a log buffer would
	// grow in the heap being measured.
	logger := slog.New(slog.DiscardHandler)
	var replicas []*replica
	for i := range *flagTopoReplicas {
		replicas = append(replicas, newReplica(t, replicaNames[i:i+1], srv.addr(), logger))
	}
	transport := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: *flagWorkers, DisableCompression: true}
	client := &http.Client{Transport: transport, Timeout: 15 * time.Second}
	check := &checker{noETagHistory: true}
	tr := newTraffic(replicas, client, check, *flagWorkers, *flagRate)
	tr.missSpace, tr.tally = soakMisses, &tally{}
	check.conditional = map[string]bool{}
	for _, k := range tr.hot {
		check.conditional[k] = true
	}
	t.Logf("soak: %v, %d replicas, %d workers, %d req/s, a sample every %v", *flagSoak, len(replicas), *flagWorkers, *flagRate, *flagSoakEvery)

	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(func() { stop(); tr.wait() })
	tr.start(ctx)
	warm := min(itemPolicy.ServerTTL+10*time.Second, *flagSoak/2)
	var samples []soakSample
	profiled := false
	for end := time.Now().Add(*flagSoak); ; {
		samples = append(samples, measure(tr, admin, replicas))
		if !profiled && tr.since() >= warm {
			heapProfile(t, "heap-warm.pprof")
			profiled = true
		}
		if time.Until(end) <= 0 {
			break
		}
		time.Sleep(min(*flagSoakEvery, time.Until(end)))
	}
	heapProfile(t, "heap-end.pprof")
	stop()
	tr.wait()

	t.Logf("samples:\n%s", soakTable(samples))
	t.Logf("after the warm-up (%v), for BENCHMARKS.md:\n%s", warm, soakSlopes(samples, warm))
	c := tr.tally
	t.Logf("requests %d, GET hits %d/%d, 5xx %d, transport errors %d, purges %d (failed %d)",
		c.requests.Load(), c.hits.Load(), c.gets.Load(), c.status5xx.Load(), c.failed.Load(), c.purges.Load(), c.purgeFails.Load())
	for _, rp := range replicas {
		t.Logf("replica %s: %d renders; cache %+v; store %+v", rp.name, rp.renders.Load(), rp.cache.Stats(), rp.store.Stats())
	}
	if problems, first := check.report(); problems > 0 {
		t.Errorf("%d responses failed the checks; the first:\n\t%s", problems, strings.Join(first, "\n\t"))
	}
	for _, rp := range replicas {
		rp.close()
	}
	transport.CloseIdleConnections()
	srv.kill()
	checkGoroutines(t, goroutines)
}

// measure takes one soakSample.
func measure(tr *traffic, admin *redis.Client, replicas []*replica) soakSample {
	conns := 0
	for _, rp := range replicas {
		conns += int(rp.rdb.PoolStats().TotalConns)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	ctx := context.Background()
	used, _ := strconv.ParseInt(infoFields(admin.Info(ctx, "memory").Val())["used_memory"], 10, 64)
	return soakSample{
		at:         tr.since(),
		rss:        rss(),
		heap:       int64(ms.HeapAlloc),
		goroutines: runtime.NumGoroutine(),
		conns:      conns,
		redisMem:   used,
		redisKey:   admin.DBSize(ctx).Val(),
		gets:       tr.tally.gets.Load(),
		hits:       tr.tally.hits.Load(),
	}
}

// heapProfile writes the heap profile to name in -soak.heapprofile, if set.
func heapProfile(t *testing.T, name string) {
	t.Helper()
	if *flagSoakHeap == "" {
		return
	}
	runtime.GC()
	f, err := os.Create(filepath.Join(*flagSoakHeap, name))
	if err != nil {
		t.Errorf("heap profile: %v", err)
		return
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		t.Errorf("heap profile: %v", err)
	}
}

// rss reads the process's resident set size from /proc (Linux); 0 elsewhere.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func soakTable(ss []soakSample) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "at\tRSS\tlive heap\tgoroutines\tRedis conns\tRedis used_memory\tRedis keys\thit ratio since last\t")
	for i, s := range ss {
		ratio := "-"
		if i > 0 && s.gets > ss[i-1].gets {
			ratio = fmt.Sprintf("%.1f%%", 100*float64(s.hits-ss[i-1].hits)/float64(s.gets-ss[i-1].gets))
		}
		fmt.Fprintf(w, "%.0fs\t%s\t%s\t%d\t%d\t%s\t%d\t%s\t\n", s.at.Seconds(), mib(s.rss), mib(s.heap), s.goroutines, s.conns, mib(s.redisMem), s.redisKey, ratio)
	}
	w.Flush()
	return b.String()
}

// soakSlopes is a markdown table of each measure after warm: its first and
// last value and its least-squares slope per minute; and the hit ratio.
func soakSlopes(ss []soakSample, warm time.Duration) string {
	var after []soakSample
	for _, s := range ss {
		if s.at >= warm {
			after = append(after, s)
		}
	}
	if len(after) < 2 {
		return "(too few samples after the warm-up)"
	}
	first, last := after[0], after[len(after)-1]
	measures := []struct {
		name string
		v    func(soakSample) float64
		unit func(float64) string
	}{
		{"RSS", func(s soakSample) float64 { return float64(s.rss) }, fmib},
		{"live heap", func(s soakSample) float64 { return float64(s.heap) }, fmib},
		{"goroutines", func(s soakSample) float64 { return float64(s.goroutines) }, fnum},
		{"Redis connections (the replicas' pools)", func(s soakSample) float64 { return float64(s.conns) }, fnum},
		{"Redis used_memory", func(s soakSample) float64 { return float64(s.redisMem) }, fmib},
		{"Redis keys (DBSIZE)", func(s soakSample) float64 { return float64(s.redisKey) }, fnum},
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "| measure | at %.0f s | at %.0f s | slope per minute |\n| --- | ---: | ---: | ---: |\n", first.at.Seconds(), last.at.Seconds())
	for _, m := range measures {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", m.name, m.unit(m.v(first)), m.unit(m.v(last)), m.unit(slope(after, m.v)*60))
	}
	if gets := last.gets - first.gets; gets > 0 {
		fmt.Fprintf(&b, "| hit ratio | | %.1f %% (%d of %d GETs) | |\n", 100*float64(last.hits-first.hits)/float64(gets), last.hits-first.hits, gets)
	}
	return b.String()
}

// slope is the least-squares slope of v over time, per second.
func slope(ss []soakSample, v func(soakSample) float64) float64 {
	var n, sx, sy, sxx, sxy float64
	for _, s := range ss {
		x, y := s.at.Seconds(), v(s)
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	if d := n*sxx - sx*sx; d != 0 {
		return (n*sxy - sx*sy) / d
	}
	return 0
}

func mib(n int64) string    { return fmib(float64(n)) }
func fmib(f float64) string { return fmt.Sprintf("%.2f MiB", f/(1<<20)) }
func fnum(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
