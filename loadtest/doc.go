// Package loadtest holds the load-with-faults test of gincache (issue 7,
// "Load and faults"). It has no code of its own outside the test, which
// sits behind the loadtest build tag so that `go test ./...` never starts
// it:
//
//	go test -tags loadtest -count=1 -run TestLoad -v ./loadtest
//	.ci/load.sh                      # the same, with a bounded -timeout
//
// The test starts its own redis-server on a free loopback port, and serves
// two gin engines — two replicas, each with its own gincache.Cache,
// redisstore.Store and Redis connection pool, sharing only that Redis —
// through httptest servers on 127.0.0.1. Many goroutines send them mixed
// traffic (hits, misses over many keys, If-None-Match revalidations, POSTs
// that invalidate, PurgeURL and PurgeTags) while the test hangs Redis
// (SIGSTOP), kills it (SIGKILL) and starts it again on the same port; just
// before the hang it asks both replicas for one slow page, so that the hang
// finds a replica waiting on the other's render under the Redis lock. Every
// body names the key it was rendered for, and the checker proves that each
// response belongs to its request.
//
// It asserts no 5xx and no transport error, no response of another key,
// latency bounded by the store deadline while Redis is away, hits again
// once it is back, and no goroutine left behind; then it prints the figures
// for BENCHMARKS.md. The phases' lengths, the number of goroutines and the
// request rate are flags (-load.before, -load.outage, -load.after,
// -load.workers, -load.rate), passed after -args.
//
// The topology tests (issue "Many replicas, real Redis topologies, real
// faults"; .ci/topologies.sh runs them) put four replicas behind a
// round-robin front over real topologies the test starts and breaks:
// TestSentinelFailover (a master, a replica and three sentinels; the master
// killed, the replica promoted), TestClusterFailover (three masters, three
// replicas; a master killed, its replica promoted), TestClusterReshard (2000
// slots moved under traffic) and TestMaxmemory (a 24 MiB limit filled by
// keys without a TTL, under allkeys-lru and volatile-ttl). Two tests pin
// findings and report them, failing only with -topo.strict:
// TestPurgeAfterEviction and TestAbandonedLock. TestSoak (.ci/soak.sh) runs
// the replicas at steady load for -soak.duration and reports the slopes of
// memory, goroutines and Redis's size. Their flags are -topo.* and -soak.*.
package loadtest
