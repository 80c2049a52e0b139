#!/usr/bin/env bash
# callgrind.sh counts the CPU instructions one request costs, per benchmark
# case, in the bench module's test binaries built at one or more commits:
#
#   bench/callgrind.sh OLD NEW          # e.g. bench/callgrind.sh 2e80ad8 HEAD
#   CASES='GincacheHit/store=memstore/body=1KiB' bench/callgrind.sh HEAD
#
# Why instructions and not ns/op: this machine's two cores are shared with
# other engineers' builds and tests, so wall-clock timings move by tens of
# per cent from one run to the next whatever the code does. valgrind's
# callgrind counts the instructions the process executes (user space, every
# goroutine: the request, otter's maintenance, the GC), which no other load
# changes: two runs agree within ~0.1 %. An instruction count is not a time
# (a cache miss or a syscall costs far more than an add, and time spent
# waiting for Redis is not counted at all), but for the same work on the
# same CPU fewer instructions is less CPU, and it is exact enough to see a
# 2 % change.
#
# Each case is run serially (run=serial, GOMAXPROCS=1, so no idle P spins)
# under callgrind twice, with -test.benchtime N1x and N2x; the setup (process
# start, priming, the checks) is the same in both, so
# (Ir(N2) - Ir(N1)) / (N2 - N1) is the cost of one iteration. Allocations
# and bytes per op come from the N2 run's -benchmem line (exact counts).
# GODEBUG=asyncpreemptoff=1 because callgrind cannot follow the signals Go's
# asynchronous preemption sends.
#
# Environment (paths relative to bench/): CASES (space-separated Benchmark/sub/body paths without
# run=serial; default below), N1 and N2 (default 2000 and 12000; misses use a
# tenth), GINCACHE_REDIS_ADDR (default 127.0.0.1:6379), BIN (where binaries
# are kept by commit, default /tmp/gincache-bench-bin), OUT (default
# bench/results/callgrind-<revs>.txt).
set -euo pipefail
cd "$(dirname "$0")"
[ $# -ge 1 ] || { echo "usage: $0 REV [REV…]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
export GINCACHE_REDIS_ADDR=${GINCACHE_REDIS_ADDR-127.0.0.1:6379}
N1=${N1:-2000} N2=${N2:-12000}
BIN=${BIN:-/tmp/gincache-bench-bin}
CASES=${CASES:-"Floor/backend=memory/body=1KiB Floor/backend=memory/body=32KiB
Floor/backend=same-response/body=1KiB Floor/backend=same-response/body=32KiB
GincacheHit/store=memstore/body=1KiB GincacheHit/store=memstore/body=32KiB
Gincache304/store=memstore/body=1KiB Gincache304/store=memstore/body=32KiB
PeerHit/store=memory/body=1KiB PeerHit/store=memory/body=32KiB
Floor/backend=redis/body=1KiB Floor/backend=redis/body=32KiB
GincacheHit/store=redis/body=1KiB GincacheHit/store=redis/body=32KiB
GincacheHit/store=redis-client-deadlines/body=1KiB GincacheHit/store=redis-client-deadlines/body=32KiB
PeerHit/store=redis/body=1KiB PeerHit/store=redis/body=32KiB
GincacheMiss/store=memstore/body=1KiB Bare/store=none/body=1KiB"}

revs=()
for r in "$@"; do revs+=("$(git rev-parse --short "$r" 2>/dev/null || echo "$r")"); done # a name with no commit: a binary already in $BIN
OUT=${OUT:-results/callgrind-$(IFS=-; echo "${revs[*]}").txt}
mkdir -p "$BIN" "$(dirname "$OUT")"

# Build each commit's test binary once, in a detached worktree.
for rev in "${revs[@]}"; do
	[ -x "$BIN/$rev.test" ] && continue
	tmp=$(mktemp -d)
	git worktree add -q --detach "$tmp/src" "$rev"
	(cd "$tmp/src/bench" && go test -c -o "$BIN/$rev.test" .)
	git worktree remove --force "$tmp/src"
	rm -rf "$tmp"
done

# instructions BIN PATTERN N prints the instructions callgrind collected and
# the -benchmem line's B/op and allocs/op.
instructions() {
	local log
	log=$(GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$1" -test.run '^$' -test.bench "$2" -test.benchtime "$3x" -test.benchmem -test.timeout 30m 2>&1) || true
	local ir line
	ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' <<<"$log")
	line=$(grep '^Benchmark' <<<"$log" | tail -1)
	[ -n "$ir" ] && [ -n "$line" ] || { echo "no result for $2 at $3x:" >&2; echo "$log" | tail -20 >&2; return 1; }
	awk -v ir="$ir" '{ for (i = 1; i < NF; i++) { if ($(i+1) == "B/op") b = $i; if ($(i+1) == "allocs/op") a = $i } } END { print ir, b, a }' <<<"$line"
}

echo "# $(date -u '+%F %T') UTC; $(uptime)" | tee "$OUT"
printf '%-60s %10s %14s %10s %10s\n' case rev 'instr/op' 'B/op' 'allocs/op' | tee -a "$OUT"
for c in $CASES; do
	pat=$(awk -F/ '{ printf "^Benchmark%s$", $1; for (i = 2; i <= NF; i++) printf "/^%s$", $i; print "/^run=serial$" }' <<<"$c")
	n1=$N1 n2=$N2
	case $c in GincacheMiss* | Bare*) n1=$((N1 / 10)) n2=$((N2 / 10)) ;; esac
	for rev in "${revs[@]}"; do
		r1=$(instructions "$BIN/$rev.test" "$pat" "$n1") && r2=$(instructions "$BIN/$rev.test" "$pat" "$n2") || continue
		read -r ir1 _ _ <<<"$r1"
		read -r ir2 b a <<<"$r2"
		printf '%-60s %10s %14.0f %10s %10s\n' "$c" "$rev" "$(((ir2 - ir1) / (n2 - n1)))" "$b" "$a" | tee -a "$OUT"
	done
done
