#!/usr/bin/env bash
# perreq.sh turns the CPU profiles bench/wrk.sh takes (PROFILE=DIR) into
# server CPU a request, by frame: a frame's cumulative CPU over the profile,
# divided by the requests served while it ran, median over the rounds, for
# each server side by side.
#
#   PROFILE=/tmp/prof ROUNDS=3 DURATION=10s bench/wrk.sh
#   bench/perreq.sh /tmp/prof                      # the default frames
#   bench/perreq.sh /tmp/prof 'gincache\.|otter'   # frames matching a regexp
#
# A profile covers one second less than its round (it starts with wrk and
# must end before the round does), so the requests it saw are taken as the
# round's times that share. Samples are 10 ms apart: a frame below ~0.05 µs
# a request is within the sampling's noise at 10 s rounds.
set -euo pipefail
dir=${1:?usage: perreq.sh PROFILE_DIR [FRAME_REGEXP]}
re=${2:-'^(total|net/http\.\(\*conn\)\.serve|net/http\.\(\*conn\)\.readRequest|net/http\.\(\*response\)\.finishRequest|net/http\.Header\.Clone|github\.com/gin-gonic/gin\.\(\*Engine\)\.ServeHTTP|github\.com/gincache/gincache\.\(\*route\)\.(handle|replayWith|begin)|github\.com/gincache/gincache\.fixedMode\.lookup|main\.main\.func1|runtime\.gcBgMarkWorker|runtime\.mallocgc|internal/poll\.\(\*FD\)\.(Read|Write))( \(inline\))?$'}
[[ -s $dir/requests.txt ]] || { echo "perreq.sh: no $dir/requests.txt (run bench/wrk.sh with PROFILE=$dir)" >&2; exit 1; }

rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
while read -r c r n duration psecs; do
	bin=$dir/floor
	[[ $c == example ]] && bin=$dir/example
	secs=${duration%s}
	# requests the profile saw: the round's, times the share of it profiled
	seen=$(awk -v n="$n" -v p="$psecs" -v s="$secs" 'BEGIN { print n * p / s }')
	go tool pprof -top -cum -nodecount=100000 "$bin" "$dir/$c-$r.pprof" 2>/dev/null | awk -v c="$c" -v seen="$seen" '
		function sec(v) { if (v ~ /ms$/) { sub(/ms$/, "", v); return v / 1000 } if (v ~ /us$/) { sub(/us$/, "", v); return v / 1e6 } sub(/s$/, "", v); return v }
		/Total samples/ { for (i = 1; i <= NF; i++) if ($i == "=") t = $(i + 1); printf "%s\ttotal\t%.3f\n", c, sec(t) / seen * 1e6 }
		$6 != "" && $1 ~ /[0-9]/ { name = $6; for (i = 7; i <= NF; i++) name = name " " $i; printf "%s\t%s\t%.3f\n", c, name, sec($4) / seen * 1e6 }' >>"$rows"
done <"$dir/requests.txt"

cases=$(cut -d' ' -f1 "$dir/requests.txt" | awk '!seen[$0]++' | tr '\n' ' ')
printf "| frame (µs a request, median of rounds) |"
for c in $cases; do printf " %s |" "$c"; done
printf "\n| --- |"
for c in $cases; do printf " ---: |"; done
echo
RE=$re awk -F'\t' '$2 ~ ENVIRON["RE"]' "$rows" | cut -f2 | awk '!seen[$0]++' | while IFS= read -r f; do
	printf "| %s |" "$f"
	for c in $cases; do
		m=$(awk -F'\t' -v c="$c" -v f="$f" '$1 == c && $2 == f { print $3 }' "$rows" | sort -g |
			awk '{ a[NR] = $1 } END { if (NR == 0) print "–"; else printf "%.2f", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }')
		printf " %s |" "$m"
	done
	echo
done
