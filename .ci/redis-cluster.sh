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

tag=redis-cluster what=cluster again="$0 stop ${ports[*]}"
# shellcheck source=redis-procs.sh
. "$(dirname "$0")/redis-procs.sh"

start() {
	local dir
	new_dir
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

case "$cmd" in
start)
	[ ${#ports[@]} -eq $((3 * (replicas + 1))) ] || die "--replicas $replicas needs $((3 * (replicas + 1))) ports; got ${#ports[@]}"
	start
	;;
stop) stop ;;
*) die "usage: $0 start|stop [--replicas N] [--node-timeout MS] [PORT...]" ;;
esac
