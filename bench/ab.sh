#!/usr/bin/env bash
# ab.sh builds the bench module's test binary at two commits and runs them
# alternated in one run (old, new, old, new …), so a change of machine load
# shifts both alike; then prints the median ns/op, B/op and allocs/op of each
# benchmark for both, and new/old.
#
#   bench/ab.sh OLD NEW                 # e.g. bench/ab.sh 4388671 HEAD
#   COUNT=8 BENCH='GincacheHit|Gincache304|GincacheMiss|Floor' bench/ab.sh OLD NEW
#
# Environment: COUNT (rounds, default 6), BENCH (-bench pattern, default
# memstore hit, 304, miss and the floor), BENCHTIME (default 300000x),
# GINCACHE_REDIS_ADDR (default 127.0.0.1:6379, for the Redis cases), OUT
# (default bench/results/ab-OLD-vs-NEW.txt).
set -euo pipefail
cd "$(dirname "$0")"
old=$(git rev-parse --short "$1") new=$(git rev-parse --short "$2")
COUNT=${COUNT:-6}
BENCH=${BENCH:-'Floor|GincacheHit/store=memstore|Gincache304|GincacheMiss'}
BENCHTIME=${BENCHTIME:-300000x}
export GINCACHE_REDIS_ADDR=${GINCACHE_REDIS_ADDR-127.0.0.1:6379}
OUT=${OUT:-results/ab-$old-vs-$new.txt}
mkdir -p "$(dirname "$OUT")"

tmp=$(mktemp -d)
cleanup() {
	for side in old new; do git worktree remove --force "$tmp/$side" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
for side in old new; do
	rev=$old
	[ "$side" = new ] && rev=$new
	git worktree add -q --detach "$tmp/$side" "$rev"
	(cd "$tmp/$side/bench" && go test -c -o "$tmp/$side.test" .)
done

echo "load before: $(uptime)" >"$OUT"
for i in $(seq "$COUNT"); do
	for side in old new; do
		echo "round $i of $COUNT: $side" >&2
		"$tmp/$side.test" -test.run '^$' -test.bench "$BENCH" -test.benchmem -test.count 1 \
			-test.benchtime "$BENCHTIME" -test.timeout 60m | grep '^Benchmark' | sed "s/^/$side /" >>"$OUT"
	done
done
echo "load after: $(uptime)" >>"$OUT"

# Medians: side name ns B allocs, one line a run. With an even count the
# median ns/op is the mean of the middle two (before 2026-12-03 it was the
# lower of them); B/op and allocs/op are the lower middle run's. The table
# is appended to OUT too.
awk '$2 ~ /^Benchmark/ { print $1, $2, $4, $6, $8 }' "$OUT" | sort -k2,2 -k1,1 -k3,3n | awk '
function flush() {
	if (n == 0) return
	m = int((n + 1) / 2)
	mid = (n % 2) ? ns[m] : (ns[m] + ns[m + 1]) / 2
	med[side, name] = mid " " b[m] " " a[m]; names[name] = 1; n = 0
}
{ if ($1 != side || $2 != name) { flush(); side = $1; name = $2 } n++; ns[n] = $3; b[n] = $4; a[n] = $5 }
END {
	flush()
	printf "%-70s %12s %12s %8s %16s\n", "benchmark", "old ns/op", "new ns/op", "new/old", "allocs old→new"
	for (k in names) {
		split(med["old", k], o, " "); split(med["new", k], w, " ")
		r = (o[1] > 0) ? w[1] / o[1] : 0
		printf "%-70s %12.1f %12.1f %8.2f %16s\n", k, o[1], w[1], r, o[3] "→" w[3]
	}
}' | (read -r head; echo "$head"; sort) | tee -a "$OUT"
