//go:build loadtest

package loadtest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The ports the topologies take: a Sentinel setup's master, its replica and
// three sentinels from sentinelPort (6410 6411 26390 26391 26392 by
// default), the cluster's six nodes from clusterPort (7201-7206; each also
// listens on port+10000 for the cluster bus, which rules out the ephemeral
// ports freePort hands out). Fixed and flagged, so that they keep clear of
// the ranges other work on a shared machine uses.
var (
	flagSentinelPort = flag.Int("topo.sentinelport", 26390, "first of the three sentinels' ports; the master and replica take 6410 and 6411")
	flagClusterPort  = flag.Int("topo.clusterport", 7201, "first of the six cluster nodes' ports")
	flagClusterState = flag.Duration("topo.clusterreload", time.Second,
		"the cluster clients' ClusterStateReloadInterval; 0 is go-redis's default, 60s, under which a dead master's slots stay unserved for up to a minute")
)

// masterName is the name the sentinels know the master by.
const masterName = "mymaster"

// Failure detection is short so that a failover fits a CI run: a sentinel
// deems the master down after downAfter without an answer, a cluster node
// another after nodeTimeout. Both are well over the stalls a shared 2-core
// machine shows, so that no failover starts on its own.
const (
	downAfter   = 1000 * time.Millisecond
	nodeTimeout = 2000 * time.Millisecond
)

// clientTimeouts are the socket timeouts of every topology's clients: long
// on purpose, so that the store's own deadline is what cuts a call.
const clientTimeouts = 10 * time.Second

// redisOn returns a redis-server on port, not yet started, whose end is
// registered in cleanup.
func redisOn(t *testing.T, port int, dir string, args ...string) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not on PATH; the load test needs a real one (apt-get install redis-server)")
	}
	if ping(fmt.Sprintf("127.0.0.1:%d", port)) == nil {
		t.Fatalf("port %d on 127.0.0.1 is taken; move the topology with -topo.sentinelport or -topo.clusterport", port)
	}
	s := &redisServer{t: t, bin: bin, port: port, dir: dir, args: args}
	t.Cleanup(s.kill)
	return s
}

// sentinelSetup is one master, one replica and three sentinels that watch
// them, each a process the test owns.
type sentinelSetup struct {
	master, replica *redisServer
	sentinels       []*redisServer
}

// startSentinel starts the setup and waits until every sentinel knows the
// replica and the two other sentinels, so that a failover can be agreed on.
func startSentinel(t *testing.T) *sentinelSetup {
	t.Helper()
	dir := t.TempDir()
	s := &sentinelSetup{master: redisOn(t, 6410, dir)}
	s.master.start()
	s.replica = redisOn(t, 6411, dir, "--replicaof", "127.0.0.1", "6410")
	s.replica.start()
	waitFor(t, "the replica to sync", func() bool {
		return strings.Contains(info(t, s.replica.addr(), "replication"), "master_link_status:up")
	})
	for i := range 3 {
		port := *flagSentinelPort + i
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", port))
		text := fmt.Sprintf("sentinel monitor %s 127.0.0.1 6410 2\nsentinel down-after-milliseconds %s %d\n"+
			"sentinel failover-timeout %s 3000\nsentinel parallel-syncs %s 1\n",
			masterName, masterName, downAfter.Milliseconds(), masterName, masterName)
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		sn := redisOn(t, port, dir, "--sentinel")
		sn.conf = conf
		sn.start()
		s.sentinels = append(s.sentinels, sn)
	}
	for _, sn := range s.sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: sn.addr()})
		waitFor(t, "sentinel "+sn.addr()+" to know the replica and the other sentinels", func() bool {
			m, err := c.Master(context.Background(), masterName).Result()
			return err == nil && m["num-slaves"] == "1" && m["num-other-sentinels"] == "2"
		})
		c.Close()
	}
	return s
}

func (s *sentinelSetup) addrs() []string {
	var a []string
	for _, sn := range s.sentinels {
		a = append(a, sn.addr())
	}
	return a
}

// dial is a replica's client: go-redis's failover client, which asks the
// sentinels for the master and follows their +switch-master.
func (s *sentinelSetup) dial() redis.UniversalClient {
	return redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:            masterName,
		SentinelAddrs:         s.addrs(),
		ContextTimeoutEnabled: true,
		DialTimeout:           clientTimeouts,
		ReadTimeout:           clientTimeouts,
		WriteTimeout:          clientTimeouts,
	})
}

// waitPromoted waits until every sentinel names the replica as the master
// and the replica says it is one.
func (s *sentinelSetup) waitPromoted(t *testing.T) {
	t.Helper()
	want := s.replica.addr()
	for _, sn := range s.sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: sn.addr()})
		waitFor(t, "sentinel "+sn.addr()+" to name "+want+" the master", func() bool {
			a, err := c.GetMasterAddrByName(context.Background(), masterName).Result()
			return err == nil && len(a) == 2 && a[0]+":"+a[1] == want
		})
		c.Close()
	}
	waitFor(t, want+" to be a master", func() bool {
		return strings.Contains(info(t, want, "replication"), "role:master")
	})
}

// clusterSetup is three masters and a replica of each, each a process the
// test owns.
type clusterSetup struct {
	nodes []*redisServer
}

// startCluster starts six nodes and makes them a cluster with
// redis-cli --cluster create --cluster-replicas 1.
func startCluster(t *testing.T) *clusterSetup {
	t.Helper()
	dir := t.TempDir()
	c := &clusterSetup{}
	var addrs []string
	for i := range 6 {
		port := *flagClusterPort + i
		n := redisOn(t, port, dir, "--cluster-enabled", "yes",
			"--cluster-config-file", fmt.Sprintf("nodes-%d.conf", port),
			"--cluster-node-timeout", strconv.FormatInt(nodeTimeout.Milliseconds(), 10))
		n.start()
		c.nodes = append(c.nodes, n)
		addrs = append(addrs, n.addr())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, addrs...)
	out, err := exec.CommandContext(ctx, "redis-cli", append(args, "--cluster-replicas", "1", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, n := range c.nodes {
		waitFor(t, n.addr()+" to say cluster_state:ok", func() bool {
			return strings.Contains(clusterInfo(t, n.addr()), "cluster_state:ok")
		})
		waitFor(t, n.addr()+" to be a master or a replica in sync", func() bool {
			r := info(t, n.addr(), "replication")
			return strings.Contains(r, "role:master") || strings.Contains(r, "master_link_status:up")
		})
	}
	return c
}

func (c *clusterSetup) addrs() []string {
	var a []string
	for _, n := range c.nodes {
		a = append(a, n.addr())
	}
	return a
}

// dial is a replica's client: go-redis's cluster client, seeded with every
// node. It reloads the slot map at once on MOVED, ASK or READONLY, but not
// when a call to a dead master runs out of the store's deadline (go-redis
// v9.23 retries a refused dial five times, 100ms apart, longer than the
// deadline): then only ClusterStateReloadInterval does, hence the short
// one (-topo.clusterreload).
func (c *clusterSetup) dial() redis.UniversalClient {
	return redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                      c.addrs(),
		ClusterStateReloadInterval: *flagClusterState,
		ContextTimeoutEnabled:      true,
		DialTimeout:                clientTimeouts,
		ReadTimeout:                clientTimeouts,
		WriteTimeout:               clientTimeouts,
	})
}

// master returns a node that is a master and has a replica.
func (c *clusterSetup) master(t *testing.T) *redisServer {
	t.Helper()
	for _, n := range c.nodes {
		r := info(t, n.addr(), "replication")
		if strings.Contains(r, "role:master") && strings.Contains(r, "connected_slaves:1") {
			return n
		}
	}
	t.Fatal("no master with a replica in the cluster")
	return nil
}

// waitPromoted waits until every surviving node reports cluster_state:ok
// with dead marked as failed, that is, once dead's replica took its slots.
func (c *clusterSetup) waitPromoted(t *testing.T, dead *redisServer) {
	t.Helper()
	for _, n := range c.nodes {
		if n == dead {
			continue
		}
		waitFor(t, n.addr()+" to fail "+dead.addr()+" over", func() bool {
			nodes := clusterNodes(t, n.addr())
			failed := false
			for line := range strings.Lines(nodes) {
				f := strings.Fields(line)
				if len(f) > 2 && strings.HasPrefix(f[1], dead.addr()+"@") && strings.Contains(f[2], "fail") {
					failed = true
				}
			}
			return failed && strings.Contains(clusterInfo(t, n.addr()), "cluster_state:ok")
		})
	}
}

// info, clusterInfo and clusterNodes ask one server, on a client of their own.
func info(t *testing.T, addr, section string) string {
	return ask(t, addr, func(c *redis.Client) *redis.StringCmd { return c.Info(context.Background(), section) })
}

func clusterInfo(t *testing.T, addr string) string {
	return ask(t, addr, func(c *redis.Client) *redis.StringCmd { return c.ClusterInfo(context.Background()) })
}

func clusterNodes(t *testing.T, addr string) string {
	return ask(t, addr, func(c *redis.Client) *redis.StringCmd { return c.ClusterNodes(context.Background()) })
}

func ask(t *testing.T, addr string, f func(*redis.Client) *redis.StringCmd) string {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: 2 * time.Second, MaxRetries: -1})
	defer c.Close()
	s, _ := f(c).Result() // a failure reads as "", which no caller waits for
	return strings.ReplaceAll(s, "\r", "")
}

// waitFor polls cond every 50ms for up to 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
