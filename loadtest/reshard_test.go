//go:build loadtest

package loadtest

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// reshardSlots is how many slots TestClusterReshard moves: over a third of
// a master's, so that many of the traffic's keys move while it runs.
const reshardSlots = 2000

// TestClusterReshard moves slots from one master to another while the
// traffic runs (redis-cli --cluster reshard: CLUSTER SETSLOT MIGRATING and
// IMPORTING, MIGRATE of the keys, SETSLOT NODE), so that the cluster
// clients meet ASK while a slot is half moved and MOVED once it is, and
// must follow both. Every response is checked as in the other tests, and
// hits must go on through the move.
func TestClusterReshard(t *testing.T) {
	fr := newFaultRun(t)
	c := startCluster(t)
	fr.start(c.dial)
	time.Sleep(*flagTopoBefore)
	from := c.master(t)
	var to *redisServer
	for _, n := range c.nodes {
		if n != from && strings.Contains(info(t, n.addr(), "replication"), "role:master") {
			to = n
			break
		}
	}
	before := movedAsk(t, c)
	start := fr.phase("resharding " + strconv.Itoa(reshardSlots) + " slots")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "redis-cli", "--cluster", "reshard", from.addr(),
		"--cluster-from", nodeID(t, from), "--cluster-to", nodeID(t, to),
		"--cluster-slots", strconv.Itoa(reshardSlots), "--cluster-yes", "--cluster-pipeline", "20").CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster reshard: %v\n%s", err, tail(out, 2000))
	}
	done := fr.phase("after the move")
	t.Logf("moved %d slots from %s to %s in %v; MOVED and ASK answered meanwhile (errorstats): %s",
		reshardSlots, from.addr(), to.addr(), (done - start).Round(time.Millisecond), diffMovedAsk(before, movedAsk(t, c)))
	time.Sleep(*flagTopoAfter)
	fr.finish([]string{"resharding " + strconv.Itoa(reshardSlots) + " slots"}, "after the move")
}

func nodeID(t *testing.T, n *redisServer) string {
	t.Helper()
	return ask(t, n.addr(), func(c *redis.Client) *redis.StringCmd { return c.ClusterMyID(context.Background()) })
}

// movedAsk sums the MOVED and ASK replies every node has sent.
func movedAsk(t *testing.T, c *clusterSetup) [2]int {
	t.Helper()
	var sum [2]int
	for _, n := range c.nodes {
		f := infoFields(info(t, n.addr(), "errorstats"))
		for i, k := range []string{"errorstat_MOVED", "errorstat_ASK"} {
			v, _ := strconv.Atoi(countOf(f[k]))
			sum[i] += v
		}
	}
	return sum
}

func diffMovedAsk(a, b [2]int) string {
	return "MOVED " + strconv.Itoa(b[0]-a[0]) + ", ASK " + strconv.Itoa(b[1]-a[1])
}

func tail(b []byte, n int) string { return string(b[max(0, len(b)-n):]) }
