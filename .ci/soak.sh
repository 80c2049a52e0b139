#!/usr/bin/env bash
# The soak (issue "Many replicas, real Redis topologies, real faults"): four
# gin replicas behind the load test's round-robin front over one
# redis-server the test starts on a free loopback port, at a steady mixed
# load with a purge every 200ms, for a duration (default 10 minutes). It
# samples the process's RSS, live heap and goroutines and Redis's
# used_memory and DBSIZE, and prints each one's slope per minute after the
# warm-up (70 s, or half a shorter run) and the hit ratio. Not part of
# every CI run; .ci/topologies.sh runs a 40 s one.
#
#   .ci/soak.sh            # 10 minutes
#   .ci/soak.sh 45s        # any Go duration
#   .ci/soak.sh 10m -load.rate=2000 -soak.every=15s
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

duration=${1:-10m}
[ $# -gt 0 ] && shift
if ! command -v redis-server >/dev/null; then
  echo "soak.sh: redis-server is not on PATH (apt-get install redis-server)" >&2
  exit 1
fi
# The -timeout leaves 3 minutes for start-up and the checks after the run
# (Go adds up "10m3m" to 13m).
go test -tags loadtest -count=1 -timeout "${duration}3m" -run '^TestSoak$' -v ./loadtest -args -soak.duration="$duration" "$@"
