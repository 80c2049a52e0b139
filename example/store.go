package main

import (
	"fmt"
	"strings"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/redisstore"
	"github.com/redis/go-redis/v9"
)

// openStore returns the store the -redis flag asks for: memstore when it is
// empty; a Redis Cluster for a comma-separated address list or a URL with
// addr= parameters; otherwise one Redis server (or Sentinel-less URL) parsed
// by redis.ParseURL.
func openStore(spec string) (gincache.Store, string, error) {
	if spec == "" {
		return memstore.New(), "memstore (in process)", nil
	}
	var client redis.UniversalClient
	switch {
	case strings.Contains(spec, ",") && !strings.Contains(spec, "://"):
		client = redis.NewClusterClient(&redis.ClusterOptions{
			Addrs:                 strings.Split(spec, ","),
			ContextTimeoutEnabled: true,
		})
	case strings.Contains(spec, "addr="):
		opt, err := redis.ParseClusterURL(spec)
		if err != nil {
			return nil, "", fmt.Errorf("-redis %q: %w", spec, err)
		}
		opt.ContextTimeoutEnabled = true
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
