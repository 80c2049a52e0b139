//go:build loadtest

package loadtest

import (
	"testing"
	"time"
)

// TestSentinelFailover kills the master of a Sentinel setup under traffic
// and lets the sentinels promote its replica: requests must fail open while
// no master answers, and hits come back from the promoted replica, which
// holds what was replicated before the kill.
func TestSentinelFailover(t *testing.T) {
	fr := newFaultRun(t)
	s := startSentinel(t)
	fr.start(s.dial)
	time.Sleep(*flagTopoBefore)
	killed := fr.phase("master killed, no master")
	s.master.kill()
	s.waitPromoted(t)
	promoted := fr.phase("after promotion")
	t.Logf("the sentinels promoted %s %v after the kill", s.replica.addr(), (promoted - killed).Round(time.Millisecond))
	time.Sleep(*flagTopoAfter)
	fr.finish([]string{"master killed, no master"}, "after promotion")
}

// TestClusterFailover kills one of three cluster masters under traffic and
// lets the cluster promote its replica: a third of the slots has no master
// until then, and the cluster client must find the new one.
func TestClusterFailover(t *testing.T) {
	fr := newFaultRun(t)
	c := startCluster(t)
	fr.start(c.dial)
	time.Sleep(*flagTopoBefore)
	dead := c.master(t)
	killed := fr.phase("master killed, slots without a master")
	dead.kill()
	c.waitPromoted(t, dead)
	promoted := fr.phase("after promotion")
	t.Logf("the cluster failed %s over %v after the kill", dead.addr(), (promoted - killed).Round(time.Millisecond))
	time.Sleep(*flagTopoAfter)
	fr.finish([]string{"master killed, slots without a master"}, "after promotion")
}
