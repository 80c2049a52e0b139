package redisstore

import "sync/atomic"

// Stats counts what a Store did since New. Read it with Store.Stats; the
// zero Stats means nothing went wrong.
type Stats struct {
	// Errors counts calls that failed: Redis unreachable, slower than the
	// deadline, or answering with an error. Misses and calls whose caller
	// cancelled its context are not errors.
	Errors uint64
	// BreakerOpens counts the times the circuit breaker opened, including
	// each reopening after a failed probe.
	BreakerOpens uint64
	// Skipped counts calls answered with ErrUnavailable, without touching
	// Redis, while the breaker was open.
	Skipped uint64
	// Undecodable counts values under the store's keys that were not an
	// entry for the key read (corrupt, truncated, foreign, from another
	// format version, or a hash collision), each served as a miss.
	Undecodable uint64
}

// counters are the live, atomically updated form of Stats.
type counters struct {
	errors, opens, skipped, undecodable atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Errors:       c.errors.Load(),
		BreakerOpens: c.opens.Load(),
		Skipped:      c.skipped.Load(),
		Undecodable:  c.undecodable.Load(),
	}
}
