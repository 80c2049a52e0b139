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
# a request is within the sampling's noise at 10 s rounds. A frame with no
# sample in a round counts as 0 there; the table says in how many rounds of
# each server it had samples when that is not all of them.
set -euo pipefail
dir=${1:?usage: perreq.sh PROFILE_DIR [FRAME_REGEXP]}
re=${2:-'^(total|net/http\.\(\*conn\)\.serve|net/http\.\(\*conn\)\.readRequest|net/http\.\(\*response\)\.finishRequest|net/http\.Header\.Clone|github\.com/gin-gonic/gin\.\(\*Engine\)\.ServeHTTP|github\.com/gincache/gincache\.\(\*route\)\.(handle|replayWith|begin)|github\.com/gincache/gincache\.fixedMode\.lookup|main\.main\.func1|runtime\.gcBgMarkWorker|runtime\.mallocgc|internal/poll\.\(\*FD\)\.(Read|Write))( \(inline\))?$'}
[[ -s $dir/requests.txt ]] || { echo "perreq.sh: no $dir/requests.txt (run bench/wrk.sh with PROFILE=$dir)" >&2; exit 1; }

rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
while read -r c r n duration psecs; do
	secs=${duration%s}
	# requests the profile saw: the round's, times the share of it profiled
	seen=$(awk -v n="$n" -v p="$psecs" -v s="$secs" 'BEGIN { print n * p / s }')
	go tool pprof -top -cum -nodecount=1000000 -nodefraction=0 -edgefraction=0 "$dir/$c-$r.pprof" </dev/null |
		awk -v c="$c" -v seen="$seen" '
		function sec(v) {
			if (v ~ /ms$/) { sub(/ms$/, "", v); return v / 1e3 }
			if (v ~ /us$/) { sub(/us$/, "", v); return v / 1e6 }
			if (v ~ /ns$/) { sub(/ns$/, "", v); return v / 1e9 }
			sub(/s$/, "", v); return v
		}
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
		rounds=$(awk -v c="$c" '$1 == c' "$dir/requests.txt" | wc -l)
		m=$(awk -F'\t' -v c="$c" -v f="$f" '$1 == c && $2 == f { print $3 }' "$rows" | sort -g |
			awk -v rounds="$rounds" '{ a[NR] = $1 } END {
				if (NR == 0) { print "–"; exit }
				for (i = NR; i >= 1; i--) a[i + rounds - NR] = a[i] # the rounds without a sample are the lowest: 0
				for (i = 1; i <= rounds - NR; i++) a[i] = 0
				m = rounds % 2 ? a[(rounds + 1) / 2] : (a[rounds / 2] + a[rounds / 2 + 1]) / 2
				printf "%.2f%s", m, (NR < rounds ? " (" NR "/" rounds " rounds)" : "") }')
		printf " %s |" "$m"
	done
	echo
done
