#!/usr/bin/env bash
# wrk.sh measures whole-stack req/s over loopback: the example server's /
# (memstore hits) against the floor server (cmd/floor), which serves the same
# bytes and headers from memory with the same middleware.
#
#   bench/wrk.sh
#
# Both servers are built once and run on 127.0.0.1, each by its PID, and
# killed by PID at the end. ROUNDS rounds (default 3) alternate floor and
# example, DURATION each (default 5s), with THREADS wrk threads (default 1,
# leaving the other core of a 2-core machine to the server) and CONNS
# connections (default 32). ACCEPT (default none) is the Accept-Encoding
# every request sends, e.g. "gzip, br": the floor then serves the coding the
# example's hit sent, precompressed. Each round also prints the server's CPU
# a request (user + system time from /proc over the round, divided by its
# requests), which the req/s of a closed loop sharing two cores hides. OLD (default none) is a commit whose
# example is built too and run in the same rounds, as "example@OLD", for an
# A/B of the whole stack. wrk is installed with apt-get when missing.
# Everything printed is also saved to OUT (default
# bench/results/wrk-<UTC time>.txt).
set -euo pipefail
cd "$(dirname "$0")"

OUT=${OUT:-results/wrk-$(date -u +%Y%m%dT%H%M%SZ).txt}
mkdir -p "$(dirname "$OUT")"
exec > >(tee "$OUT") 2>&1

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
THREADS=${THREADS:-1}
CONNS=${CONNS:-32}
ACCEPT=${ACCEPT:-}
OLD=${OLD:-}
ae=()
[[ -n $ACCEPT ]] && ae=(-H "Accept-Encoding: $ACCEPT")

if ! command -v wrk >/dev/null; then
	echo "installing wrk" >&2
	apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
	[[ -n $OLD ]] && git worktree remove --force "$tmp/old" 2>/dev/null
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# freeport prints a loopback port nothing listens on.
freeport() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# waitfor polls url until it answers, for up to 10 s.
waitfor() {
	for _ in $(seq 100); do
		curl -fso /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "wrk.sh: $1 did not answer" >&2
	return 1
}

(cd .. && go build -o "$tmp/example" ./example)
go build -o "$tmp/floor" ./cmd/floor
if [[ -n $OLD ]]; then
	git worktree add -q --detach "$tmp/old" "$OLD"
	(cd "$tmp/old" && go build -o "$tmp/example-old" ./example)
fi

exPort=$(freeport)
# Without ACCEPT the example stores identity (-compress=false): the case is the
# identity hit, not an inflate per request.
compress=true
[[ -z $ACCEPT ]] && compress=false
"$tmp/example" -quiet -compress="$compress" -addr "127.0.0.1:$exPort" 2>"$tmp/example.log" &
pids+=($!)
declare -A pid
pid[example]=$!
ex="http://127.0.0.1:$exPort/"
waitfor "$ex" # the first request renders and stores /

cases="floor example"
if [[ -n $OLD ]]; then
	oldPort=$(freeport)
	while [[ $oldPort == "$exPort" ]]; do oldPort=$(freeport); done
	"$tmp/example-old" -quiet -compress="$compress" -addr "127.0.0.1:$oldPort" 2>"$tmp/example-old.log" &
	pids+=($!)
	pid[old]=$!
	old="http://127.0.0.1:$oldPort/"
	waitfor "$old"
	curl -fso /dev/null "${ae[@]}" "$old"
	cases="floor example old"
fi

oldPort=${oldPort:-0}
flPort=$(freeport)
while [[ $flPort == "$oldPort" ]]; do flPort=$(freeport); done
while [[ $flPort == "$exPort" ]]; do flPort=$(freeport); done
curl -fso /dev/null "${ae[@]}" "$ex" # the first request in this coding, when it is a miss
"$tmp/floor" -addr "127.0.0.1:$flPort" -from "$ex" -accept "$ACCEPT" 2>"$tmp/floor.log" &
pids+=($!)
pid[floor]=$!
fl="http://127.0.0.1:$flPort/"
waitfor "$fl"

echo "example: $(curl -fsD - -o /dev/null "${ae[@]}" "$ex" | grep -iE '^(x-cache|content-encoding)' | tr -d '\r' | paste -sd' ')," \
	"$(curl -fs "${ae[@]}" "$ex" | wc -c) bytes; floor: $(curl -fs "${ae[@]}" "$fl" | wc -c) bytes (Accept-Encoding: ${ACCEPT:-none})"
echo "load before: $(uptime)"

# cputicks prints the CPU a process has used (user + system), in clock ticks:
# the server's CPU a request is that over a round divided by its requests.
cputicks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

declare -A results
for r in $(seq "$ROUNDS"); do
	for c in $cases; do
		url=$fl
		[[ $c == example ]] && url=$ex
		[[ $c == old ]] && url=$old
		t0=$(cputicks "${pid[$c]}")
		out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "${ae[@]}" "$url")
		t1=$(cputicks "${pid[$c]}")
		rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
		n=$(awk '/requests in/ {print $1}' <<<"$out")
		echo "round $r $c: $rps req/s, server CPU $(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$n" 'BEGIN { printf "%.1f", t / hz / n * 1e6 }') µs a request"
		results[$c]+="$rps "
	done
done
echo "load after: $(uptime)"

# The example's hits must still be hits after the run.
xc=$(curl -fsD - -o /dev/null "$ex" | grep -i '^x-cache' | tr -d '\r')
echo "example after the run: $xc"

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mf=$(echo "${results[floor]}" | median)
me=$(echo "${results[example]}" | median)
echo
echo "| case | req/s per round | median req/s |"
echo "| --- | --- | ---: |"
echo "| floor (cmd/floor) | ${results[floor]}| $mf |"
echo "| example / (gincache memstore hit) | ${results[example]}| $me |"
if [[ -n $OLD ]]; then
	mo=$(echo "${results[old]}" | median)
	echo "| example@$OLD / | ${results[old]}| $mo |"
	awk -v e="$me" -v o="$mo" 'BEGIN { printf "\nexample / example@OLD = %.3f\n", e / o }'
fi
awk -v e="$me" -v f="$mf" 'BEGIN {
	r = e / f
	printf "\nexample / floor = %.3f (%.1f%% of the floor); target: within 5%% (>= 0.95): %s\n", r, 100 * r, (r >= 0.95 ? "MET" : "NOT MET")
}'
