//go:build loadtest

package loadtest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// host is the one virtual host both replicas serve, as behind a load
// balancer. It is part of the cache key, so the replicas share entries; the
// connections themselves go to each replica's 127.0.0.1 address.
const host = "items.load.test"

// op is the kind of a request the traffic sends.
type op int8

const (
	opHot         op = iota // GET of a popular key: mostly hits
	opMiss                  // GET of a key no one asked for before
	opConditional           // GET of a popular key with If-None-Match of an ETag seen earlier
	opPost                  // POST to a popular item: invalidates its pages (RFC 9111 §4.4)
	opReport                // GET of one of a few slow reports, each stored for a second
	opSlow                  // GET of a slow page on both replicas at once (see straddle)
	opPurge                 // PurgeURL or PurgeTags, called on a Cache
)

var opNames = [...]string{"hit", "miss", "conditional", "post", "report", "slow", "purge"}

func (o op) String() string { return opNames[o] }

// sample is one request (or purge) of the run.
type sample struct {
	start, took time.Duration // start counted from the beginning of the run
	op          op
	key         string // path and query; the URL or tag for a purge
	replica     int8
	status      int    // 0 for a purge or a transport error
	hit         bool   // served from Redis: Cache-Status "gincache; hit"
	cacheStatus string // the Cache-Status, for the report of slow requests
	failed      bool   // a transport error, or a purge that returned an error
}

// end is when the sample finished, since the run began.
func (s sample) end() time.Duration { return s.start + s.took }

// reports is how many slow reports there are.
const reports = 4

// purgeEvery is how often the purger drops something: a URL's pages and a
// group's tag in turn.
const purgeEvery = 200 * time.Millisecond

// traffic sends the mixed load to the replicas and records every request.
type traffic struct {
	replicas []*replica
	client   *http.Client
	check    *checker
	hot      []string      // popular keys: 48 items, 16 of them also in a second view
	interval time.Duration // between two requests of one worker; 0: back to back
	begin    time.Time     // the start of the run; samples count from it

	// missSpace, when not 0, draws misses from that many item keys instead
	// of from keys never asked for before, so that what the checker and
	// Redis hold is bounded (the soak). tally, when not nil, counts the
	// samples instead of keeping them, for the same reason.
	missSpace int
	tally     *tally

	next atomic.Uint64 // the round-robin front: the replica of the next request

	wg      sync.WaitGroup
	results [][]sample // one slice a goroutine, each written only by its own
	mu      sync.Mutex
	extra   []sample // straddle's, guarded by mu
}

func newTraffic(replicas []*replica, client *http.Client, check *checker, workers, rate int) *traffic {
	tr := &traffic{replicas: replicas, client: client, check: check}
	for i := range 48 {
		tr.hot = append(tr.hot, fmt.Sprintf("/items/%d", i))
	}
	for i := range 16 {
		tr.hot = append(tr.hot, fmt.Sprintf("/items/%d?view=compact", i))
	}
	if rate > 0 {
		tr.interval = time.Duration(workers) * time.Second / time.Duration(rate)
	}
	tr.results = make([][]sample, workers+1)
	return tr
}

// since is the time since the run began.
func (tr *traffic) since() time.Duration { return time.Since(tr.begin) }

// start begins the run: workers goroutines of requests and one purger, until
// ctx is done.
func (tr *traffic) start(ctx context.Context) {
	tr.begin = time.Now()
	workers := len(tr.results) - 1
	for i := range workers {
		tr.wg.Go(func() { tr.results[i] = tr.worker(ctx, uint64(i)) })
	}
	tr.wg.Go(func() { tr.results[workers] = tr.purger(ctx, uint64(workers)) })
}

// wait waits for the goroutines to stop and returns every sample; it may be
// called again.
func (tr *traffic) wait() []sample {
	tr.wg.Wait()
	tr.mu.Lock()
	all := slices.Clone(tr.extra)
	tr.mu.Unlock()
	for _, r := range tr.results {
		all = append(all, r...)
	}
	return all
}

// straddle asks replica a for key, a slow page no one asked for before, then
// replica b once a renders it under the Redis lock: until a stores it, b
// waits on a's render across replicas. Called just before a fault, it makes
// sure the fault finds a replica waiting on another.
func (tr *traffic) straddle(key string, lead time.Duration) {
	for i := range tr.replicas {
		tr.wg.Go(func() {
			time.Sleep(time.Duration(i) * lead)
			s := tr.send(i, opSlow, http.MethodGet, key, "")
			tr.mu.Lock()
			tr.extra = append(tr.extra, s)
			tr.mu.Unlock()
		})
	}
}

func (tr *traffic) worker(ctx context.Context, seed uint64) []sample {
	rng := rand.New(rand.NewPCG(seed, 0x10ad))
	var out []sample
	next := time.Now()
	for ctx.Err() == nil {
		if tr.interval > 0 {
			next = next.Add(tr.interval)
			if d := time.Until(next); d > 0 {
				time.Sleep(d)
			} else {
				next = time.Now() // behind: do not make up for lost time in a burst
			}
			if ctx.Err() != nil {
				break
			}
		}
		s := tr.one(rng)
		if tr.tally != nil {
			tr.tally.add(s)
			continue
		}
		out = append(out, s)
	}
	return out
}

// one sends a request drawn from the mix to the next replica in turn, as a
// round-robin load balancer in front of them would.
func (tr *traffic) one(rng *rand.Rand) sample {
	ri := int((tr.next.Add(1) - 1) % uint64(len(tr.replicas)))
	key := tr.hot[rng.IntN(rng.IntN(len(tr.hot))+1)] // skewed towards the first
	switch r := rng.IntN(100); {
	case r < 55:
		return tr.send(ri, opHot, http.MethodGet, key, "")
	case r < 72:
		if tr.missSpace > 0 {
			key = fmt.Sprintf("/items/%d", 1000+rng.IntN(tr.missSpace))
		} else {
			key = fmt.Sprintf("/items/%d?q=%d", 1000+rng.IntN(1_000_000), rng.Uint32())
		}
		return tr.send(ri, opMiss, http.MethodGet, key, "")
	case r < 90:
		return tr.send(ri, opConditional, http.MethodGet, key, tr.check.etag(key))
	case r < 96:
		return tr.send(ri, opReport, http.MethodGet, fmt.Sprintf("/reports/%d", rng.IntN(reports)), "")
	default:
		path, _, _ := strings.Cut(key, "?")
		return tr.send(ri, opPost, http.MethodPost, path, "")
	}
}

// send makes one request to replica ri for key (path and query) and checks
// the response.
func (tr *traffic) send(ri int, o op, method, key, inm string) sample {
	rp := tr.replicas[ri]
	s := sample{op: o, key: key, replica: int8(ri)}
	req, err := http.NewRequest(method, rp.srv.URL+key, nil)
	if err != nil {
		tr.check.fail("%s %s: %v", method, key, err)
		s.failed = true
		return s
	}
	req.Host = host
	if inm != "" {
		req.Header.Set("If-None-Match", inm)
	}
	s.start = tr.since()
	resp, err := tr.client.Do(req)
	var b []byte
	if err == nil {
		b, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	s.took = tr.since() - s.start
	if err != nil {
		tr.check.fail("%s %s on replica %s: %v", method, key, rp.name, err)
		s.failed = true
		return s
	}
	s.status = resp.StatusCode
	s.cacheStatus = resp.Header.Get("Cache-Status")
	s.hit = strings.HasPrefix(s.cacheStatus, "gincache; hit")
	tr.check.response(method, key, inm, resp, b)
	return s
}

// purger drops, every purgeEvery, the pages of a popular item (PurgeURL) or
// of a group (PurgeTags), through either replica's Cache. A purge that
// fails while Redis is away is counted, not a test failure.
func (tr *traffic) purger(ctx context.Context, seed uint64) []sample {
	rng := rand.New(rand.NewPCG(seed, 0x10ad))
	tick := time.NewTicker(purgeEvery)
	defer tick.Stop()
	var out []sample
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return out
		case <-tick.C:
		}
		ri := rng.IntN(len(tr.replicas))
		cache := tr.replicas[ri].cache
		s := sample{op: opPurge, replica: int8(ri), start: tr.since()}
		var err error
		if i%2 == 0 {
			path, _, _ := strings.Cut(tr.hot[rng.IntN(len(tr.hot))], "?")
			s.key = "http://" + host + path
			err = cache.PurgeURL(context.Background(), s.key)
		} else {
			s.key = groupTag(rng.IntN(groups))
			err = cache.PurgeTags(context.Background(), s.key)
		}
		s.took = tr.since() - s.start
		s.failed = err != nil
		if tr.tally != nil {
			tr.tally.add(s)
			continue
		}
		out = append(out, s)
	}
}

// tally counts samples without keeping them.
type tally struct {
	requests, gets, hits, status5xx, failed, purges, purgeFails atomic.Int64
}

func (c *tally) add(s sample) {
	switch {
	case s.op == opPurge:
		c.purges.Add(1)
		if s.failed {
			c.purgeFails.Add(1)
		}
		return
	case s.failed:
		c.failed.Add(1)
	case s.status >= 500:
		c.status5xx.Add(1)
	}
	c.requests.Add(1)
	if s.op != opPost {
		c.gets.Add(1)
		if s.hit {
			c.hits.Add(1)
		}
	}
}
