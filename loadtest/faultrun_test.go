//go:build loadtest

package loadtest

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/redis/go-redis/v9"
)

var (
	flagTopoBefore   = flag.Duration("topo.before", 6*time.Second, "traffic before a topology's fault")
	flagTopoAfter    = flag.Duration("topo.after", 8*time.Second, "traffic once the topology serves again")
	flagTopoReplicas = flag.Int("topo.replicas", 4, "gin replicas behind the round-robin front")
)

// faultBound is the most a request may take while a topology is faulty.
// It is outageBound's store calls plus what TestAbandonedLock shows: a
// replica whose breaker opened may leave a key's Redis lock behind, and
// another replica, to which Redis answers, then waits the whole coalesce
// timeout for the page before it renders. So: that wait, four store calls
// of its own, the slowest render, and 2s of slack for the shared machine.
const faultBound = gincache.DefaultCoalesceTimeout + 4*storeTimeout + slowDelay + 2*time.Second

// faultRun is the harness of the topology tests (TestSentinelFailover,
// TestClusterFailover, TestMaxmemory): replicas over a topology, the mixed
// traffic of TestLoad sent to them in turn, and the run cut into named
// phases, each beginning when the test calls phase. finish checks what
// TestLoad checks.
type faultRun struct {
	t          *testing.T
	goroutines int // before anything was started
	logs       logBuffer
	logger     *slog.Logger
	replicas   []*replica
	transport  *http.Transport
	tr         *traffic
	check      *checker
	stop       context.CancelFunc
	phases     []phase // the last one's to is set by finish
}

// newFaultRun counts the goroutines before the test starts anything; call
// it first.
func newFaultRun(t *testing.T) *faultRun {
	gin.SetMode(gin.ReleaseMode)
	fr := &faultRun{t: t, goroutines: runtime.NumGoroutine(), check: &checker{}}
	fr.logger = slog.New(slog.NewTextHandler(&fr.logs, nil))
	return fr
}

// start serves *flagTopoReplicas replicas, each over its own client from
// dial, and starts the traffic in the phase "before".
func (fr *faultRun) start(dial func() redis.UniversalClient) {
	t := fr.t
	t.Helper()
	for i := range *flagTopoReplicas {
		fr.replicas = append(fr.replicas, newReplicaOn(t, replicaNames[i:i+1], dial, fr.logger))
	}
	fr.transport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: *flagWorkers, DisableCompression: true}
	t.Cleanup(fr.transport.CloseIdleConnections)
	client := &http.Client{Transport: fr.transport, Timeout: 15 * time.Second}
	fr.tr = newTraffic(fr.replicas, client, fr.check, *flagWorkers, *flagRate)
	t.Logf("%d replicas, %d workers, %d req/s", len(fr.replicas), *flagWorkers, *flagRate)
	ctx, stop := context.WithCancel(context.Background())
	fr.stop = stop
	t.Cleanup(func() { stop(); fr.tr.wait() }) // before the replicas close, on any exit
	fr.tr.start(ctx)
	fr.phases = []phase{{name: "before", from: 0}}
}

// phase ends the current phase and begins the one named.
func (fr *faultRun) phase(name string) time.Duration {
	now := fr.tr.since()
	fr.phases[len(fr.phases)-1].to = now
	fr.phases = append(fr.phases, phase{name: name, from: now})
	fr.t.Logf("at %v: %s", now.Round(time.Millisecond), name)
	return now
}

// finish stops the traffic, prints the figures and checks: no response
// failed the checker (no 5xx, none for another key); no request under way
// in a phase listed in faulty took over faultBound; the first hit of the
// phase recovered came within recoveryBound of its start; every replica
// hits at the end; no goroutine is left once the replicas are closed.
func (fr *faultRun) finish(faulty []string, recovered string) []figures {
	t := fr.t
	t.Helper()
	end := fr.tr.since()
	fr.phases[len(fr.phases)-1].to = end
	fr.stop()
	samples := fr.tr.wait()

	var fs []figures
	for _, p := range fr.phases {
		fs = append(fs, sum(p.name, p.to-p.from, in(samples, p.from, p.to)))
	}
	fs = append(fs, sum("whole run", end, samples))
	t.Logf("figures (latency of HTTP requests; a sample belongs to the phase it started in):\n%s", table(fs))
	t.Logf("for BENCHMARKS.md:\n%s", markdown(fs))
	t.Logf("second by second:\n%s", timeline(samples, end))
	for _, rp := range fr.replicas {
		t.Logf("replica %s: %d renders; cache %+v; store %+v", rp.name, rp.renders.Load(), rp.cache.Stats(), rp.store.Stats())
	}
	logs := fr.logs.String()
	t.Logf("what the stores and caches logged (%d lines; the first 3000 bytes):\n%s",
		strings.Count(logs, "\n"), logs[:min(len(logs), 3000)])
	t.Logf("slowest requests of the run:%s", slowest(samples, 8))

	if problems, first := fr.check.report(); problems > 0 {
		t.Errorf("%d responses failed the checks; the first:\n\t%s", problems, strings.Join(first, "\n\t"))
	}
	for _, p := range fr.phases {
		if !slices.Contains(faulty, p.name) {
			continue
		}
		var slow []sample
		for _, s := range samples {
			if s.start < p.to && s.end() > p.from && s.took > faultBound {
				slow = append(slow, s)
			}
		}
		if len(slow) > 0 {
			t.Errorf("%d requests under way during %q took over %v:%s", len(slow), p.name, faultBound, slowest(slow, maxShown))
		}
	}
	for _, p := range fr.phases {
		if p.name != recovered {
			continue
		}
		first := time.Duration(-1)
		for _, s := range in(samples, p.from, p.to) {
			if s.hit && (first < 0 || s.start < first) {
				first = s.start
			}
		}
		switch {
		case first < 0:
			t.Errorf("no hit in %q; want one within %v of its start", p.name, recoveryBound)
		case first-p.from > recoveryBound:
			t.Errorf("first hit %v into %q; want within %v", first-p.from, p.name, recoveryBound)
		default:
			t.Logf("first hit %v into %q (bound %v)", (first - p.from).Round(time.Millisecond), p.name, recoveryBound)
		}
	}
	checkEachReplicaHits(t, fr.tr)
	for _, rp := range fr.replicas {
		rp.close()
	}
	fr.transport.CloseIdleConnections()
	checkGoroutines(t, fr.goroutines)
	return fs
}
