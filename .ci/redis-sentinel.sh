#!/usr/bin/env bash
# A throwaway Redis Sentinel setup on loopback, for the redisstore tests and
# the example: one master, one replica, three sentinels that watch them.
#
#   eval "$(.ci/redis-sentinel.sh start)"   # master :6400, replica :6401, sentinels :26381-26383
#   go test ./redisstore/                    # uses GINCACHE_REDIS_SENTINEL
#   .ci/redis-sentinel.sh stop
#
# The ports can be moved with GINCACHE_SENTINEL_PORTS ("MASTER REPLICA S1 S2
# S3"); the sentinels' default keeps clear of 26379, where Debian's
# redis-sentinel service listens once its package is installed. start runs
# every process (no persistence, bound to 127.0.0.1) in a new temporary
# directory, waits until the replica is in sync and each sentinel knows the
# replica and the two other sentinels, and prints the export line: a
# go-redis failover URL (redis.ParseFailoverURL), which the example's -redis
# flag also takes. Everything else goes to stderr. The sentinels notice a
# dead master after a second and fail over within three
# (down-after-milliseconds, failover-timeout), so tests of a failover are
# short. stop kills exactly the processes start recorded in its pidfiles and
# removes the directory, found through a state file named after the
# master's port.
set -euo pipefail

cmd=${1:-}
read -r -a ports <<<"${GINCACHE_SENTINEL_PORTS:-6400 6401 26381 26382 26383}"
[ ${#ports[@]} -eq 5 ] || { echo "redis-sentinel: GINCACHE_SENTINEL_PORTS needs 5 ports" >&2; exit 1; }
master=${ports[0]} replica=${ports[1]} sentinels=("${ports[@]:2}")
name=mymaster

state="${TMPDIR:-/tmp}/gincache-redis-sentinel-$master.dir"
marker=".gincache-redis-sentinel"

tag=redis-sentinel what=setup again="$0 stop"
# shellcheck source=redis-procs.sh
. "$(dirname "$0")/redis-procs.sh"

start() {
	local dir
	new_dir
	trap 'log "start failed; cleaning up"; stop' ERR

	local common=(--bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize yes)
	redis-server --port "$master" "${common[@]}" --pidfile "$dir/$master.pid" --logfile "$dir/$master.log"
	redis-server --port "$replica" "${common[@]}" --pidfile "$dir/$replica.pid" --logfile "$dir/$replica.log" \
		--replicaof 127.0.0.1 "$master"
	wait_for "the replica :$replica to sync" \
		sh -c "redis-cli -h 127.0.0.1 -p $replica info replication 2>/dev/null | tr -d '\r' | grep -qx master_link_status:up"

	# A sentinel rewrites its configuration file, so each has its own.
	for p in "${sentinels[@]}"; do
		cat >"$dir/sentinel-$p.conf" <<-CONF
			port $p
			bind 127.0.0.1
			dir $dir
			sentinel monitor $name 127.0.0.1 $master 2
			sentinel down-after-milliseconds $name 1000
			sentinel failover-timeout $name 3000
			sentinel parallel-syncs $name 1
		CONF
		redis-server "$dir/sentinel-$p.conf" --sentinel --daemonize yes \
			--pidfile "$dir/$p.pid" --logfile "$dir/$p.log"
	done
	for p in "${sentinels[@]}"; do
		wait_for "sentinel :$p to see the replica and the other sentinels" \
			sh -c "redis-cli -h 127.0.0.1 -p $p sentinel master $name 2>/dev/null | tr -d '\r' |
				awk 'prev==\"num-slaves\"{s=\$0} prev==\"num-other-sentinels\"{o=\$0} {prev=\$0} END{exit !(s>=1 && o>=2)}'"
	done
	trap - ERR

	local url="redis://127.0.0.1:${sentinels[0]}?master_name=$name"
	for p in "${sentinels[@]:1}"; do url+="&addr=127.0.0.1:$p"; done
	log "master :$master, replica :$replica, sentinels :${sentinels[*]} up in $dir"
	echo "export GINCACHE_REDIS_SENTINEL='$url'"
}

case "$cmd" in
start) start ;;
stop) stop ;;
*) die "usage: $0 start|stop" ;;
esac
