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
# requests), which the req/s of a closed loop sharing two cores hides, and
# the garbage collector's share of it (every server runs with
# GODEBUG=gctrace=1; its cycles and their CPU over the round, a request). A
# third server, "floor+app", is cmd/floor -app: the same floor with the
# example's application built beside it, so it carries the example's live
# heap and the GC runs as often as the example's would for the same work.
# OLD (default none) is a commit whose
# example is built too and run in the same rounds, as "example@OLD", for an
# A/B of the whole stack. PROFILE (default none) is a directory: the
# servers are then built with -tags pprof (example/pprof.go,
# cmd/floor/pprof.go) and each round of every server (floor, floor+app,
# floor+lookup with LOOKUP=1, example) takes a
# CPU profile of the server while wrk runs (DURATION must then be whole
# seconds, e.g. 10s), saved as PROFILE/<case>-<round>.pprof (symbolized:
# no binary needed to read it), with each round's request count in
# PROFILE/requests.txt, for bench/perreq.sh. RATE (default none) caps
# each round at that many requests a second instead of as fast as the
# server answers: bombardier in wrk's place (v1.2.6, installed with go
# install when it is not on PATH; one on PATH is used as it is), CONNS
# connections, so that every server does nearly the same work in the same
# time and its CPU a request is what differs. Each connection still waits
# for its answer before its next request: a cap, not an open loop. wrk is
# installed with apt-get when missing. LOOKUP=1 adds a fourth server,
# "floor+lookup" (cmd/floor -lookup): floor+app whose handler also looks its
# key up in a memstore before writing the same bytes, the least any cache's
# hit does, so that example − floor+lookup is gincache's decisions and
# replay and floor+lookup − floor+app the lookup.
# Everything printed is also saved to OUT (default
# bench/results/wrk-<UTC time>.txt).
set -euo pipefail
PROFILE=${PROFILE:-}
if [[ -n $PROFILE ]]; then # relative to where the caller is, before the cd
	mkdir -p "$PROFILE"
	PROFILE=$(cd "$PROFILE" && pwd)
fi
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
LOOKUP=${LOOKUP:-}
[[ $LOOKUP == 1 ]] || LOOKUP= # LOOKUP=0 is off
tags=()
if [[ -n $PROFILE ]]; then
	[[ -z $OLD ]] || { echo "wrk.sh: PROFILE and OLD together would compare a profiled server with one that is not" >&2; exit 2; }
	tags=(-tags pprof)
	secs=${DURATION%s}
	[[ $secs =~ ^[0-9]+$ && $secs -ge 2 ]] || { echo "wrk.sh: PROFILE needs DURATION in whole seconds, at least 2s" >&2; exit 2; }
	: >"$PROFILE/requests.txt"
fi
ae=()
[[ -n $ACCEPT ]] && ae=(-H "Accept-Encoding: $ACCEPT")

RATE=${RATE:-}
if [[ -z $RATE ]] && ! command -v wrk >/dev/null; then
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

bombardier=bombardier
if [[ -n $RATE ]] && ! command -v bombardier >/dev/null; then
	echo "installing bombardier v1.2.6" >&2
	GOBIN=$tmp/bin go install github.com/codesenberg/bombardier@v1.2.6
	bombardier=$tmp/bin/bombardier
fi

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

(cd .. && go build "${tags[@]}" -o "$tmp/example" ./example)
go build "${tags[@]}" -o "$tmp/floor" ./cmd/floor
if [[ -n $OLD ]]; then
	git worktree add -q --detach "$tmp/old" "$OLD"
	(cd "$tmp/old" && go build -o "$tmp/example-old" ./example)
fi

gctrace=${GODEBUG:+$GODEBUG,}gctrace=1 # the caller's GODEBUG kept
exPort=$(freeport)
# Without ACCEPT the example stores identity (-compress=false): the case is the
# identity hit, not an inflate per request.
compress=true
[[ -z $ACCEPT ]] && compress=false
# With PROFILE, each server's pprof address: ports from 40000 up, apart
# from the servers' (freeport's 20000–39999).
declare -A pp
for c in example floor floor+app floor+lookup; do
	[[ -z $PROFILE ]] && break
	while :; do
		p=$((40000 + RANDOM % 10000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && [[ " ${pp[*]} " != *":$p "* ]]; then
			pp[$c]=127.0.0.1:$p
			break
		fi
	done
done
GINCACHE_PPROF=${pp[example]:-} GODEBUG=$gctrace "$tmp/example" -quiet -compress="$compress" -addr "127.0.0.1:$exPort" 2>"$tmp/example.log" &
pids+=($!)
declare -A pid
pid[example]=$!
ex="http://127.0.0.1:$exPort/"
waitfor "$ex" # the first request renders and stores /

cases="floor floor+app example"
if [[ -n $OLD ]]; then
	oldPort=$(freeport)
	while [[ $oldPort == "$exPort" ]]; do oldPort=$(freeport); done
	GODEBUG=$gctrace "$tmp/example-old" -quiet -compress="$compress" -addr "127.0.0.1:$oldPort" 2>"$tmp/example-old.log" &
	pids+=($!)
	pid[old]=$!
	old="http://127.0.0.1:$oldPort/"
	waitfor "$old"
	curl -fso /dev/null "${ae[@]}" "$old"
	cases="floor floor+app example old"
fi

oldPort=${oldPort:-0}
flPort=$(freeport)
while [[ $flPort == "$oldPort" ]]; do flPort=$(freeport); done
while [[ $flPort == "$exPort" ]]; do flPort=$(freeport); done
curl -fso /dev/null "${ae[@]}" "$ex" # the first request in this coding, when it is a miss
GINCACHE_PPROF=${pp[floor]:-} GODEBUG=$gctrace "$tmp/floor" -addr "127.0.0.1:$flPort" -from "$ex" -accept "$ACCEPT" 2>"$tmp/floor.log" &
pids+=($!)
pid[floor]=$!
fl="http://127.0.0.1:$flPort/"
waitfor "$fl"
faPort=$(freeport)
while [[ $faPort == "$oldPort" || $faPort == "$exPort" || $faPort == "$flPort" ]]; do faPort=$(freeport); done
GINCACHE_PPROF=${pp[floor+app]:-} GODEBUG=$gctrace "$tmp/floor" -app -addr "127.0.0.1:$faPort" -from "$ex" -accept "$ACCEPT" 2>"$tmp/floor+app.log" &
pids+=($!)
pid[floor+app]=$!
fa="http://127.0.0.1:$faPort/"
waitfor "$fa"
if [[ -n $LOOKUP ]]; then
	flkPort=$(freeport)
	while [[ $flkPort == "$oldPort" || $flkPort == "$exPort" || $flkPort == "$flPort" || $flkPort == "$faPort" ]]; do flkPort=$(freeport); done
	GINCACHE_PPROF=${pp[floor+lookup]:-} GODEBUG=$gctrace "$tmp/floor" -lookup -addr "127.0.0.1:$flkPort" -from "$ex" -accept "$ACCEPT" 2>"$tmp/floor+lookup.log" &
	pids+=($!)
	pid[floor+lookup]=$!
	flk="http://127.0.0.1:$flkPort/"
	waitfor "$flk"
	cases="${cases/floor+app/floor+app floor+lookup}"
fi
declare -A logs=([floor]="$tmp/floor.log" [floor+app]="$tmp/floor+app.log" [floor+lookup]="$tmp/floor+lookup.log" [example]="$tmp/example.log" [old]="$tmp/example-old.log")

echo "example: $(curl -fsD - -o /dev/null "${ae[@]}" "$ex" | grep -iE '^(x-cache|content-encoding)' | tr -d '\r' | paste -sd' ')," \
	"$(curl -fs "${ae[@]}" "$ex" | wc -c) bytes; floor: $(curl -fs "${ae[@]}" "$fl" | wc -c) bytes (Accept-Encoding: ${ACCEPT:-none})"
echo "code: $(git describe --always --dirty), $(go version | cut -d' ' -f3-); machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
load="$THREADS wrk thread(s)"
[[ -n $RATE ]] && load="bombardier at $RATE req/s"
echo "rounds: $ROUNDS of $DURATION, $load, $CONNS connections${PROFILE:+, CPU profiles in $PROFILE (servers built with -tags pprof)}"
echo "load before: $(uptime)"

# cputicks prints the CPU a process has used (user + system), in clock ticks:
# the server's CPU a request is that over a round divided by its requests.
cputicks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# gcstats prints the GC cycles a gctrace log holds and their CPU in ms (the
# sum of each line's "… ms cpu" phases: assist, background and idle marking
# included).
gcstats() {
	awk '/^gc [0-9]+ / {
		split($0, a, " ms cpu"); n = split(a[1], w, " "); p = w[n]
		gsub(/[+\/]/, " ", p); k = split(p, c, " ")
		for (i = 1; i <= k; i++) ms += c[i]
		cycles++
	} END { printf "%d %.3f\n", cycles, ms }' "$1"
}

# field prints a count from bombardier's JSON output ($out), e.g. req2xx.
field() { grep -o "\"$1\":[0-9]*" <<<"$out" | head -1 | cut -d: -f2; }

declare -A results cpus gcs
for r in $(seq "$ROUNDS"); do
	for c in $cases; do
		url=$fl
		[[ $c == floor+app ]] && url=$fa
		[[ $c == floor+lookup ]] && url=$flk
		[[ $c == example ]] && url=$ex
		[[ $c == old ]] && url=$old
		read -r g0 m0 < <(gcstats "${logs[$c]}")
		t0=$(cputicks "${pid[$c]}")
		prof=
		if [[ -n $PROFILE && -n ${pp[$c]:-} ]]; then
			curl -fsSo "$PROFILE/$c-$r.pprof" "http://${pp[$c]}/debug/pprof/profile?seconds=$((secs - 1))" &
			prof=$!
		fi
		if [[ -n $RATE ]]; then
			out=$("$bombardier" -c "$CONNS" -r "$RATE" -d "$DURATION" -p r -o json "${ae[@]}" "$url")
		else
			out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "${ae[@]}" "$url")
		fi
		if [[ -n $prof ]] && ! wait "$prof"; then
			echo "wrk.sh: the CPU profile of $c in round $r failed" >&2
			exit 1
		fi
		t1=$(cputicks "${pid[$c]}")
		sleep 0.1 # the last cycle's line
		read -r g1 m1 < <(gcstats "${logs[$c]}")
		if [[ -n $RATE ]]; then # bombardier's JSON: 2xx answers, and the mean rate
			n=$(field req2xx) || n=
			rps=$(grep -o '"rps":{"mean":[0-9.]*' <<<"$out" | cut -d: -f3) || rps=
			[[ -n $n && -n $rps ]] || { echo "wrk.sh: round $r $c: no req2xx or rps in bombardier's output" >&2; exit 1; }
			bad=$(($(field req1xx) + $(field req3xx) + $(field req4xx) + $(field req5xx) + $(field others)))
			((bad == 0)) || { echo "wrk.sh: round $r $c: $bad answers were not 2xx, or failed" >&2; exit 1; }
		else
			rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
			n=$(awk '/requests in/ {print $1}' <<<"$out")
		fi
		cpu=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$n" 'BEGIN { printf "%.1f", t / hz / n * 1e6 }')
		gcus=$(awk -v ms="$m1" -v m0="$m0" -v n="$n" 'BEGIN { printf "%.1f", (ms - m0) / n * 1000 }')
		per1000=$(awk -v g=$((g1 - g0)) -v n="$n" 'BEGIN { printf "%.2f", g / n * 1000 }')
		echo "round $r $c: $rps req/s, server CPU $cpu µs a request; GC $per1000 cycles per 1000 requests, $gcus µs a request"
		results[$c]+="$rps "
		[[ -n $prof ]] && echo "$c $r $n $DURATION $((secs - 1))" >>"$PROFILE/requests.txt"
		cpus[$c]+="$cpu "
		gcs[$c]+="$gcus "
	done
done
echo "load after: $(uptime)"

# The example's hits must still be hits after the run.
xc=$(curl -fsD - -o /dev/null "$ex" | grep -i '^x-cache' | tr -d '\r')
echo "example after the run: $xc"

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mf=$(echo "${results[floor]}" | median)
ma=$(echo "${results[floor+app]}" | median)
me=$(echo "${results[example]}" | median)
echo
echo "| case | req/s per round | median req/s | median server CPU µs a request | of it GC |"
echo "| --- | --- | ---: | ---: | ---: |"
row() { echo "| $1 | ${results[$2]}| $(echo "${results[$2]}" | median) | $(echo "${cpus[$2]}" | median) | $(echo "${gcs[$2]}" | median) |"; }
row "floor (cmd/floor)" floor
row "floor+app (cmd/floor -app)" floor+app
[[ -n $LOOKUP ]] && row "floor+lookup (cmd/floor -lookup)" floor+lookup
row "example / (gincache memstore hit)" example
if [[ -n $OLD ]]; then
	mo=$(echo "${results[old]}" | median)
	row "example@$OLD /" old
	awk -v e="$me" -v o="$mo" 'BEGIN { printf "\nexample / example@OLD = %.3f\n", e / o }'
fi
if [[ -n $RATE ]]; then # every server did the same work: compare the CPU it took
	awk -v e="$(echo "${cpus[example]}" | median)" -v f="$(echo "${cpus[floor]}" | median)" -v a="$(echo "${cpus[floor+app]}" | median)" 'BEGIN {
		printf "\nat %s req/s, server CPU a request: example - floor = %.1f µs, example - floor+app = %.1f µs, floor+app - floor = %.1f µs\n", ENVIRON["RATE"], e - f, e - a, a - f
	}'
	if [[ -n $LOOKUP ]]; then
		awk -v e="$(echo "${cpus[example]}" | median)" -v a="$(echo "${cpus[floor+app]}" | median)" -v l="$(echo "${cpus[floor+lookup]}" | median)" 'BEGIN {
			printf "floor+lookup - floor+app = %.1f µs, example - floor+lookup = %.1f µs\n", l - a, e - l
		}'
	fi
	exit 0
fi
awk -v e="$me" -v f="$mf" -v a="$ma" 'BEGIN {
	r = e / f
	printf "\nexample / floor = %.3f (%.1f%% of the floor); target: within 5%% (>= 0.95): %s\n", r, 100 * r, (r >= 0.95 ? "MET" : "NOT MET")
	printf "example / floor+app = %.3f (%.1f%%); floor+app / floor = %.3f\n", e / a, 100 * e / a, a / f
}'
if [[ -n $LOOKUP ]]; then
	awk -v e="$me" -v f="$mf" -v a="$ma" -v l="$(echo "${results[floor+lookup]}" | median)" 'BEGIN {
		printf "floor+lookup / floor = %.3f, / floor+app = %.3f; example / floor+lookup = %.3f\n", l / f, l / a, e / l
	}'
fi
