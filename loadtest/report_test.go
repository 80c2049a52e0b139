//go:build loadtest

package loadtest

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// marks are the run's events, counted from its beginning.
type marks struct {
	hang      time.Duration // Redis stopped (SIGSTOP)
	kill      time.Duration // Redis killed (SIGKILL)
	restart   time.Duration // a new redis-server started on the same port…
	back      time.Duration // …and answered PING
	end       time.Duration // traffic told to stop
	recovered time.Duration // the first hit after back; 0: none
}

// phase is a span of the run; a sample belongs to the phase it started in.
type phase struct {
	name     string
	from, to time.Duration
}

func (m marks) phases() []phase {
	return []phase{
		{"before", 0, m.hang},
		{"outage: hung (SIGSTOP)", m.hang, m.kill},
		{"outage: killed (SIGKILL)", m.kill, m.back},
		{"after restart", m.back, m.end},
	}
}

// in returns the samples that started in [from, to).
func in(samples []sample, from, to time.Duration) []sample {
	var out []sample
	for _, s := range samples {
		if s.start >= from && s.start < to {
			out = append(out, s)
		}
	}
	return out
}

// figures sum up the samples of a phase.
type figures struct {
	name               string
	span               time.Duration
	requests           int // HTTP requests, purges aside
	gets               int // GETs, conditional or not
	hits               int // GETs served from Redis (304s from Redis included)
	notModified        int // 304s, from Redis or after a render
	posts              int
	status5xx          int
	failed             int // transport errors
	purges, purgeFails int
	p50, p99, max      time.Duration // of the HTTP requests
	purgeMax           time.Duration
}

func (f figures) hitRatio() float64 {
	if f.gets == 0 {
		return 0
	}
	return float64(f.hits) / float64(f.gets)
}

func (f figures) rate() float64 { return float64(f.requests) / f.span.Seconds() }

func sum(name string, span time.Duration, samples []sample) figures {
	f := figures{name: name, span: span}
	var lat []time.Duration
	for _, s := range samples {
		if s.op == opPurge {
			f.purges++
			if s.failed {
				f.purgeFails++
			}
			f.purgeMax = max(f.purgeMax, s.took)
			continue
		}
		f.requests++
		lat = append(lat, s.took)
		switch {
		case s.failed:
			f.failed++
		case s.status >= 500:
			f.status5xx++
		case s.status == 304:
			f.notModified++
		}
		if s.op == opPost {
			f.posts++
			continue
		}
		f.gets++
		if s.hit {
			f.hits++
		}
	}
	slices.Sort(lat)
	f.p50, f.p99 = percentile(lat, 0.50), percentile(lat, 0.99)
	if len(lat) > 0 {
		f.max = lat[len(lat)-1]
	}
	return f
}

// percentile returns the q-quantile of sorted (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// table is the figures as aligned text, for the test log.
func table(fs []figures) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "phase\tspan\trequests\treq/s\tGET hits\thit ratio\t304\tPOST\tp50\tp99\tmax\t5xx\tconn errors\tpurges (failed)\tpurge max\t")
	for _, f := range fs {
		fmt.Fprintf(w, "%s\t%.1fs\t%d\t%.0f\t%d/%d\t%.1f%%\t%d\t%d\t%s\t%s\t%s\t%d\t%d\t%d (%d)\t%s\t\n",
			f.name, f.span.Seconds(), f.requests, f.rate(), f.hits, f.gets, 100*f.hitRatio(), f.notModified, f.posts,
			ms(f.p50), ms(f.p99), ms(f.max), f.status5xx, f.failed, f.purges, f.purgeFails, ms(f.purgeMax))
	}
	w.Flush()
	return b.String()
}

// markdown is the figures as a table for BENCHMARKS.md.
func markdown(fs []figures) string {
	var b strings.Builder
	b.WriteString("| phase | span | requests | req/s | hit ratio | p50 | p99 | max | 5xx | purges (failed) |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, f := range fs {
		fmt.Fprintf(&b, "| %s | %.1f s | %d | %.0f | %.1f %% | %s | %s | %s | %d | %d (%d) |\n",
			f.name, f.span.Seconds(), f.requests, f.rate(), 100*f.hitRatio(), ms(f.p50), ms(f.p99), ms(f.max),
			f.status5xx, f.purges, f.purgeFails)
	}
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// timeline is the run second by second: requests started, hits, responses
// the cache served without the store because it failed, and latencies.
func timeline(samples []sample, end time.Duration) string {
	n := int(end/time.Second) + 1
	type second struct {
		requests, hits, storeErrors int
		lat                         []time.Duration
	}
	secs := make([]second, n)
	for _, s := range samples {
		i := int(s.start / time.Second)
		if s.op == opPurge || i >= n {
			continue
		}
		secs[i].requests++
		secs[i].lat = append(secs[i].lat, s.took)
		if s.hit {
			secs[i].hits++
		}
		if strings.Contains(s.cacheStatus, "store-error") {
			secs[i].storeErrors++
		}
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "second\trequests\thits\tstore errors\tp50\tp99\tmax\t")
	for i, s := range secs {
		slices.Sort(s.lat)
		fmt.Fprintf(w, "%d\t%d\t%d\t%d\t%s\t%s\t%s\t\n", i, s.requests, s.hits, s.storeErrors,
			ms(percentile(s.lat, 0.5)), ms(percentile(s.lat, 0.99)), ms(percentile(s.lat, 1)))
	}
	w.Flush()
	return b.String()
}
