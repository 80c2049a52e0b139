#!/usr/bin/env bash
# A throwaway Redis Cluster on loopback, for the redisstore tests: three
# masters, and with --replicas N as many replicas of each.
#
#   eval "$(.ci/redis-cluster.sh start [PORT...])"   # default ports 7001 7002 7003
#   go test ./redisstore/                             # uses GINCACHE_REDIS_CLUSTER
#   .ci/redis-cluster.sh stop [PORT...]               # same ports as start
#
#   eval "$(.ci/redis-cluster.sh start --replicas 1 7201 7202 7203 7204 7205 7206)"
#   .ci/redis-cluster.sh stop 7201 7202 7203 7204 7205 7206
#
# --replicas N needs 3*(N+1) ports (without ports: 7001 up); redis-cli
# --cluster create makes the first three masters and the rest their
# replicas. --node-timeout MS sets cluster-node-timeout (Redis's default is
# 15 s), for a test that kills a master and waits for its replica to be
# promoted.
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
replicas=0
node_timeout=
while [ $# -gt 0 ]; do
	case "$1" in
	--replicas) replicas=$2; shift 2 ;;
	--node-timeout) node_timeout=$2; shift 2 ;;
	*) break ;;
	esac
done
ports=("$@")
if [ ${#ports[@]} -eq 0 ]; then
	for i in $(seq 0 $((3 * (replicas + 1) - 1))); do ports+=($((7001 + i))); done
fi

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

	local extra=()
	[ -z "$node_timeout" ] || extra=(--cluster-node-timeout "$node_timeout")
	for p in "${ports[@]}"; do
		redis-server "${extra[@]}" --cluster-enabled yes --port "$p" --bind 127.0.0.1 --save '' --appendonly no \
			--cluster-config-file "nodes-$p.conf" --dir "$dir" --daemonize yes \
			--pidfile "$dir/$p.pid" --logfile "$dir/$p.log"
	done
	for p in "${ports[@]}"; do
		wait_for "redis-server :$p to answer PING" \
			sh -c "[ -f '$dir/$p.pid' ] && [ \"\$(redis-cli -h 127.0.0.1 -p $p ping 2>/dev/null)\" = PONG ]"
	done

	local nodes=() addrs
	for p in "${ports[@]}"; do nodes+=("127.0.0.1:$p"); done
	redis-cli --cluster create "${nodes[@]}" --cluster-replicas "$replicas" --cluster-yes >&2
	for p in "${ports[@]}"; do
		wait_for "cluster_state:ok on :$p" \
			sh -c "redis-cli -h 127.0.0.1 -p $p cluster info 2>/dev/null | tr -d '\r' | grep -qx cluster_state:ok"
	done
	if [ "$replicas" -gt 0 ]; then
		for p in "${ports[@]}"; do
			wait_for "every replica (:$p if it is one) to sync with its master" \
				sh -c "redis-cli -h 127.0.0.1 -p $p info replication 2>/dev/null | tr -d '\r' | grep -qx -e role:master -e master_link_status:up"
		done
	fi
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
start)
	[ ${#ports[@]} -eq $((3 * (replicas + 1))) ] || die "--replicas $replicas needs $((3 * (replicas + 1))) ports; got ${#ports[@]}"
	start
	;;
stop) stop ;;
*) die "usage: $0 start|stop [--replicas N] [--node-timeout MS] [PORT...]" ;;
esac
