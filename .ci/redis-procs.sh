# redis-procs.sh: what the throwaway-Redis scripts (redis-cluster.sh,
# redis-sentinel.sh) share, sourced by them: logging, telling our processes
# from anyone else's, stopping exactly what a start recorded, and making the
# directory of a new start. The sourcing script sets:
#
#   tag     the log prefix, e.g. redis-cluster
#   what    what a start makes, for messages, e.g. cluster
#   state   the state file naming the directory of the running start
#   marker  the file that marks a directory as one this script made
#   ports   the ports of every process, an array
#   again   how to stop a start that still runs, for the message

log() { printf '%s: %s\n' "$tag" "$*" >&2; }
die() { log "$*"; exit 1; }

# ours PID PORT: the process is alive and is the redis-server (or sentinel,
# which is redis-server too) that we started on PORT.
ours() {
	local args
	args=$(ps -o args= -p "$1" 2>/dev/null) || return 1
	case "$args" in *redis-s*":$2"*) return 0 ;; esac
	return 1
}

# stop kills the processes the recorded start left pidfiles for, if they are
# still ours, waits for them (KILL after 5 s), and removes the directory.
stop() {
	if [ ! -f "$state" ]; then
		log "no $what recorded in $state; nothing to stop"
		return 0
	fi
	local dir
	dir=$(cat "$state")
	if [ -n "$dir" ] && [ ! -e "$dir" ]; then
		# Removed by hand, or by a reboot's /tmp: nothing left to stop by
		# pidfile, and new_dir still refuses a port that is taken.
		log "$state names '$dir', which no longer exists; dropping the stale record"
		rm -f -- "$state"
		return 0
	fi
	if [ -z "$dir" ] || [ ! -f "$dir/$marker" ]; then
		die "$state names '$dir', which is not a directory this script made; not touching it"
	fi
	local p pid pids=()
	for p in "${ports[@]}"; do
		[ -f "$dir/$p.pid" ] || continue
		pid=$(cat "$dir/$p.pid")
		if ours "$pid" "$p"; then
			kill "$pid" && pids+=("$pid") && log "stopping redis-server :$p (pid $pid)"
		fi
	done
	for pid in "${pids[@]}"; do
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "pid $pid did not exit on TERM; killing it"
			kill -KILL "$pid" || true
		fi
	done
	rm -rf -- "$dir"
	rm -f -- "$state"
	log "stopped; removed $dir"
}

# new_dir refuses while a recorded start still runs or a port is taken,
# clears a stale record, then makes a new directory, marks and records it,
# and sets dir to it.
new_dir() {
	command -v redis-server >/dev/null || die "redis-server is not on PATH"
	command -v redis-cli >/dev/null || die "redis-cli is not on PATH"
	local p
	if [ -f "$state" ]; then
		local old
		old=$(cat "$state")
		for p in "${ports[@]}"; do
			if [ -f "$old/$p.pid" ] && ours "$(cat "$old/$p.pid")" "$p"; then
				die "a $what started by this script still runs (state $state); run: $again"
			fi
		done
		log "removing stale state $state"
		stop
	fi
	for p in "${ports[@]}"; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			die "port $p on 127.0.0.1 is already in use"
		fi
	done
	dir=$(mktemp -d "${TMPDIR:-/tmp}/gincache-$tag.XXXXXX")
	touch "$dir/$marker"
	echo "$dir" >"$state"
}

# wait_for WHAT CMD...: runs CMD until it succeeds, for up to 30 seconds.
wait_for() {
	local what=$1
	shift
	for _ in $(seq 300); do
		"$@" && return 0
		sleep 0.1
	done
	log "timed out waiting for $what"
	return 1
}
