#!/usr/bin/env bash
# The load-with-faults test (issue 7): two gin replicas sharing a redis-server
# that the test starts on a free loopback port, hangs, kills and restarts,
# under mixed traffic. About 30 s of traffic (8 s before, 8 s outage, 10 s
# after), bounded by -timeout. Needs redis-server on PATH (.ci/run installs
# it); it starts its own, so no Redis needs to be running.
#
# Phases and load are flags of the test, passed through, e.g.
#   .ci/load.sh -load.before=3s -load.outage=4s -load.after=5s -load.workers=24
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

if ! command -v redis-server >/dev/null; then
  echo "load.sh: redis-server is not on PATH (apt-get install redis-server)" >&2
  exit 1
fi
go test -tags loadtest -count=1 -timeout 5m -run '^TestLoad$' -v ./loadtest -args "$@"
