#!/usr/bin/env bash
# Real Redis topologies and real faults (issue "Many replicas, real Redis
# topologies, real faults"), each started here on loopback from Debian's
# packages and stopped on exit:
#
#   1. a Sentinel setup (.ci/redis-sentinel.sh) and a cluster of three
#      masters and three replicas (.ci/redis-cluster.sh --replicas 1, ports
#      7201-7206): the redisstore suites on both, and the example's -redis
#      flag;
#   2. the fault runs of loadtest, four replicas behind a round-robin front
#      each: the Sentinel master killed and its replica promoted, a cluster
#      master killed and its replica promoted, 2000 cluster slots moved
#      under traffic, Redis at maxmemory under allkeys-lru and volatile-ttl,
#      and the two findings' tests (a purge after eviction, an abandoned
#      lock); the tests start their own processes (ports 6410-6411,
#      26390-26392, 7201-7206);
#   3. a 40 s soak (.ci/soak.sh).
#
# About 3.5 minutes on a 2-core machine. Phase lengths are short for CI; the
# same tests run longer with -topo.before, -topo.after, -topo.full.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

step() { printf '\n--- topologies: %s\n' "$*"; }

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
# Sentinel is redis-server --sentinel; Debian's redis-sentinel package adds
# the service around it. Installed when missing, not needed by the scripts.
command -v redis-sentinel >/dev/null || missing+=(redis-sentinel)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
    echo "topologies: apt-get install ${missing[*]} failed; going on with what is there" >&2
fi
command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
  { echo "topologies: redis-server and redis-cli are needed" >&2; exit 1; }

cluster_ports=(7201 7202 7203 7204 7205 7206)
example=
cleanup() {
  [ -z "$example" ] || kill "$example" 2>/dev/null || true
  bash .ci/redis-cluster.sh stop "${cluster_ports[@]}" || true
  bash .ci/redis-sentinel.sh stop || true
}
trap cleanup EXIT

step "start: Sentinel (master, replica, three sentinels), cluster (3 masters, 3 replicas)"
eval "$(bash .ci/redis-sentinel.sh start)"
eval "$(bash .ci/redis-cluster.sh start --replicas 1 "${cluster_ports[@]}")"
echo "GINCACHE_REDIS_SENTINEL=$GINCACHE_REDIS_SENTINEL"
echo "GINCACHE_REDIS_CLUSTER=$GINCACHE_REDIS_CLUSTER"

step "redisstore suites on Sentinel and on the cluster with replicas; -redis flag parsing"
go test -count=1 ./redisstore/ ./example/internal/storeflag/

step "the example on Sentinel"
bin="${TMPDIR:-/tmp}/gincache-example-topologies"
go build -o "$bin" ./example
"$bin" -quiet -addr 127.0.0.1:18097 -redis "$GINCACHE_REDIS_SENTINEL" 2>"$bin.log" &
example=$!
ok=
for _ in $(seq 100); do
  if curl -fsS -o /dev/null http://127.0.0.1:18097/ 2>/dev/null; then
    status=$(curl -fsS -D - -o /dev/null http://127.0.0.1:18097/ | tr -d '\r' | grep -i '^cache-status:' || true)
    head -1 "$bin.log"
    echo "second GET /: $status"
    case "$status" in *hit*) ok=1 ;; esac
    break
  fi
  sleep 0.1
done
kill "$example" && wait "$example" 2>/dev/null || true
example=
rm -f "$bin" "$bin.log"
[ -n "$ok" ] || { echo "topologies: the example on Sentinel did not serve a hit" >&2; exit 1; }

# The fault tests start their own processes; the ones above are not needed.
step "stop the shared topologies"
cleanup

step "faults under load (loadtest)"
go test -tags loadtest -count=1 -timeout 8m -v \
  -run '^(TestSentinelFailover|TestClusterFailover|TestClusterReshard|TestMaxmemory|TestPurgeAfterEviction|TestAbandonedLock)$' \
  ./loadtest -args -topo.before=4s -topo.after=6s -topo.full=6s

step "soak, 40 s (.ci/soak.sh; 10 minutes by default)"
bash .ci/soak.sh 40s -soak.every=5s
