// Package storeflag opens the store a command's -redis flag names, for the
// example commands: the in-memory store when the flag is empty, otherwise
// one Redis server, a Redis Cluster, or a master found through Redis
// Sentinel.
package storeflag

import (
	"fmt"
	"strings"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/redisstore"
	"github.com/redis/go-redis/v9"
)

// Usage is the -redis flag's help text.
const Usage = "Redis URL (redis://host:port/db), cluster address list (host:port,host:port,…), " +
	"or Sentinel URL (redis://sentinel:port?master_name=NAME&addr=sentinel2:port…); empty: in-memory store"

// clusterReload is how often a cluster client reloads the slot map. go-redis
// reloads it at once on MOVED or ASK, but not when calls to a master that
// died end in the store's deadline; its default of 60 s would leave that
// master's slots failing for up to a minute after a replica took them over
// (loadtest TestClusterFailover).
const clusterReload = time.Second

// Open returns the store spec asks for: memstore when it is empty; the
// master a Sentinel setup names for a URL with a master_name= parameter
// (go-redis's own failover URL, redis.ParseFailoverURL: the host and every
// addr= are sentinels); a Redis Cluster for a comma-separated address list
// or another URL with addr= parameters; otherwise one Redis server parsed by
// redis.ParseURL. The name says which, for a start-up line.
func Open(spec string) (store gincache.Store, name string, err error) {
	if spec == "" {
		return memstore.New(), "memstore (in process)", nil
	}
	var client redis.UniversalClient
	switch {
	case strings.Contains(spec, ",") && !strings.Contains(spec, "://"):
		client = redis.NewClusterClient(&redis.ClusterOptions{
			Addrs:                      strings.Split(spec, ","),
			ContextTimeoutEnabled:      true,
			ClusterStateReloadInterval: clusterReload,
		})
	case strings.Contains(spec, "master_name="):
		opt, err := redis.ParseFailoverURL(spec)
		if err != nil {
			return nil, "", fmt.Errorf("-redis %q: %w", spec, err)
		}
		opt.ContextTimeoutEnabled = true
		client = redis.NewFailoverClient(opt)
		return redisstore.New(client), "redis sentinel " + spec, nil
	case strings.Contains(spec, "addr="):
		opt, err := redis.ParseClusterURL(spec)
		if err != nil {
			return nil, "", fmt.Errorf("-redis %q: %w", spec, err)
		}
		opt.ContextTimeoutEnabled = true
		if opt.ClusterStateReloadInterval == 0 {
			opt.ClusterStateReloadInterval = clusterReload
		}
		client = redis.NewClusterClient(opt)
	default:
		opt, err := redis.ParseURL(spec)
		if err != nil {
			return nil, "", fmt.Errorf("-redis %q: %w", spec, err)
		}
		// Without it go-redis ignores the store's per-call deadline on
		// socket I/O, and a hung Redis would hold requests for seconds.
		opt.ContextTimeoutEnabled = true
		client = redis.NewClient(opt)
	}
	return redisstore.New(client), "redis " + spec, nil
}
