#!/usr/bin/env bash
# A throwaway three-node Redis Cluster on loopback, for the redisstore tests.
#
#   eval "$(.ci/redis-cluster.sh start [PORT...])"   # default ports 7001 7002 7003
#   go test ./redisstore/                             # uses GINCACHE_REDIS_CLUSTER
#   .ci/redis-cluster.sh stop [PORT...]               # same ports as start
#
# start runs one redis-server per port (cluster mode, no persistence, bound to
# 127.0.0.1) in a new temporary directory, creates the cluster, waits until
# every node reports cluster_state:ok, and prints the export line; everything
# else goes to stderr. stop kills exactly the processes start recorded in its
# pidfiles, and removes the temporary directory. The directory is found
# through a state file named after the first port, so stop needs no variable.
set -euo pipefail

cmd=${1:-}
[ $# -gt 0 ] && shift
ports=("$@")
[ ${#ports[@]} -gt 0 ] || ports=(7001 7002 7003)

state="${TMPDIR:-/tmp}/gincache-redis-cluster-${ports[0]}.dir"
marker=".gincache-redis-cluster"

log() { printf 'redis-cluster: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# ours PID PORT: the process is alive and is the redis-server we started on PORT.
ours() {
	local args
	args=$(ps -o args= -p "$1" 2>/dev/null) || return 1
	case "$args" in *redis-server*":$2"*) return 0 ;; esac
	return 1
}

stop() {
	if [ ! -f "$state" ]; then
		log "no cluster recorded in $state; nothing to stop"
		return 0
	fi
	local dir
	dir=$(cat "$state")
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

start() {
	command -v redis-server >/dev/null || die "redis-server is not on PATH"
	command -v redis-cli >/dev/null || die "redis-cli is not on PATH"
	if [ -f "$state" ]; then
		local old p
		old=$(cat "$state")
		for p in "${ports[@]}"; do
			if [ -f "$old/$p.pid" ] && ours "$(cat "$old/$p.pid")" "$p"; then
				die "a cluster started by this script still runs (state $state); run: $0 stop ${ports[*]}"
			fi
		done
		log "removing stale state $state"
		stop
	fi
	local p
	for p in "${ports[@]}"; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			die "port $p on 127.0.0.1 is already in use"
		fi
	done

	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/gincache-redis-cluster.XXXXXX")
	touch "$dir/$marker"
	echo "$dir" >"$state"
	trap 'log "start failed; cleaning up"; stop' ERR

	for p in "${ports[@]}"; do
		redis-server --cluster-enabled yes --port "$p" --bind 127.0.0.1 --save '' --appendonly no \
			--cluster-config-file "nodes-$p.conf" --dir "$dir" --daemonize yes \
			--pidfile "$dir/$p.pid" --logfile "$dir/$p.log"
	done
	for p in "${ports[@]}"; do
		wait_for "redis-server :$p to answer PING" \
			sh -c "[ -f '$dir/$p.pid' ] && [ \"\$(redis-cli -h 127.0.0.1 -p $p ping 2>/dev/null)\" = PONG ]"
	done

	local nodes=() addrs
	for p in "${ports[@]}"; do nodes+=("127.0.0.1:$p"); done
	redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >&2
	for p in "${ports[@]}"; do
		wait_for "cluster_state:ok on :$p" \
			sh -c "redis-cli -h 127.0.0.1 -p $p cluster info 2>/dev/null | tr -d '\r' | grep -qx cluster_state:ok"
	done
	trap - ERR

	addrs=$(IFS=,; echo "${nodes[*]}")
	log "cluster up in $dir"
	echo "export GINCACHE_REDIS_CLUSTER=$addrs"
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

case "$cmd" in
start) start ;;
stop) stop ;;
*) die "usage: $0 start|stop [PORT...]" ;;
esac
