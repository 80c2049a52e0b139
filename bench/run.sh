#!/usr/bin/env bash
# run.sh runs the bench module's Go benchmarks and prints their medians
# (benchstat) and the ratios issue 6 sets targets for (cmd/ratios), all from
# the same run.
#
#   bench/run.sh                      # COUNT=6 rounds of every benchmark
#   COUNT=10 BENCH=GincacheHit bench/run.sh
#
# The test binary is built once and run COUNT times with -count 1, so every
# round runs each case next to its floor: a change of machine load during the
# run shifts case and floor alike instead of skewing one of them.
#
# Environment: COUNT (default 6), BENCH (the -bench pattern, default .),
# BENCHTIME (default 1s), GINCACHE_REDIS_ADDR (default 127.0.0.1:6379; set it
# empty to skip the real-Redis cases), OUT (raw output file, default
# bench/results/bench-<UTC time>.txt).
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-6}
BENCH=${BENCH:-.}
BENCHTIME=${BENCHTIME:-1s}
export GINCACHE_REDIS_ADDR=${GINCACHE_REDIS_ADDR-127.0.0.1:6379}
OUT=${OUT:-results/bench-$(date -u +%Y%m%dT%H%M%SZ).txt}
mkdir -p "$(dirname "$OUT")"

benchstat=$(command -v benchstat || true)
if [[ -z $benchstat ]]; then
	benchstat="$(go env GOPATH)/bin/benchstat"
	if [[ ! -x $benchstat ]]; then
		echo "installing benchstat" >&2
		go install golang.org/x/perf/cmd/benchstat@latest
	fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/ratios" ./cmd/ratios
go test -c -o "$tmp/bench.test" .

echo "load before: $(uptime)" | tee "$OUT.load"
: >"$OUT"
for i in $(seq "$COUNT"); do
	echo "round $i of $COUNT" >&2
	"$tmp/bench.test" -test.run '^$' -test.bench "$BENCH" -test.benchmem \
		-test.count 1 -test.benchtime "$BENCHTIME" -test.timeout 60m | tee -a "$OUT"
done
echo "load after: $(uptime)" | tee -a "$OUT.load"

echo
echo "== medians (benchstat $OUT) =="
"$benchstat" "$OUT"
echo
echo "== issue-6 ratios (medians of this run) =="
"$tmp/ratios" "$OUT"
