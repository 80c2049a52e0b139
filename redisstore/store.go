package redisstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gincache/gincache"
	"github.com/redis/go-redis/v9"
)

// ErrUnavailable is returned, at once and without touching Redis, while the
// circuit breaker is open after repeated failures. The middleware treats it
// like any store fault: the handler renders the response.
var ErrUnavailable = errors.New("redisstore: redis unavailable (circuit breaker open)")

// Store is a gincache.Store on Redis. It is safe for concurrent use, keeps no
// state besides its breaker and counters, and starts no goroutines.
type Store struct {
	client  redis.UniversalClient
	base    string // prefix and keyVersion, the start of every Redis key
	timeout time.Duration
	hash    func(string) [sha256.Size]byte // names hashed keys; tests force collisions with it
	multi   bool                           // one DEL may name many keys: client is a single server
	// clientDeadlines: the client's timeouts bound gets, sets and locks
	clientDeadlines bool
	reuse           bool             // a hit's GET reuses a pooled command (reusesCommands)
	now             func() time.Time // scores index members with expiry times
	brk             *breaker
	log             *failureLog
	stats           counters
}

var (
	_ gincache.Store  = (*Store)(nil)
	_ gincache.Tagger = (*Store)(nil)
	_ gincache.Locker = (*Store)(nil)
)

// New returns a Store keeping entries in Redis through client, which may be a
// *redis.Client, a Sentinel failover client or a *redis.ClusterClient. The
// caller owns client and closes it; the store never does. New panics on a nil
// client or an invalid option.
func New(client redis.UniversalClient, opts ...Option) *Store {
	if client == nil {
		panic("redisstore: New: nil client")
	}
	c := defaultConfig()
	for _, o := range opts {
		o.apply(&c)
	}
	c.validate()
	_, multi := client.(*redis.Client)
	s := &Store{
		client:  client,
		base:    c.prefix + keyVersion,
		timeout: c.timeout,
		hash:    sha256Key,
		multi:   multi,
		reuse:   reusesCommands(client),
		now:     c.now,
		brk:     newBreaker(c.threshold, c.backoff, c.maxBackoff, c.now),
		log:     &failureLog{logger: c.logger, now: c.now},
	}
	if c.clientDeadlines {
		if err := boundedClient(client, c.timeout); err != nil {
			panic("redisstore: WithClientDeadlines: " + err.Error())
		}
		s.clientDeadlines = true
	}
	if !contextTimeouts(client) {
		s.log.warn("redisstore: the redis client has ContextTimeoutEnabled false, so a hung server holds each call for the client's ReadTimeout instead of the store's deadline")
	}
	return s
}

// contextTimeouts reports whether client applies context deadlines to its
// socket I/O, where that can be told.
func contextTimeouts(client redis.UniversalClient) bool {
	switch c := client.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		return c.Options().ContextTimeoutEnabled
	}
	return true
}

// Get returns the entry stored under key with one GET. Nothing stored, and a
// value that is not an entry for key, give gincache.ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) (*gincache.Entry, error) {
	var v string
	var foreign bool
	err := s.do(ctx, "get", func(ctx context.Context) error {
		var err error
		// The reply as a string, which gincache.DecodeEntry decodes
		// without copying anything out of it: the entry's strings and
		// body are views of the reply, a buffer go-redis made for it
		// alone (see DecodeEntry), which the entry then keeps.
		v, err = s.getString(ctx, key)
		if isWrongType(err) {
			// Not a string: someone else's value under our key. Redis
			// answered, so it is a miss, not a failure.
			foreign, err = true, redis.Nil
		}
		return err
	})
	if errors.Is(err, redis.Nil) {
		if foreign {
			s.stats.undecodable.Add(1)
		}
		return nil, gincache.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if len(key) > maxKeyLen || reserved(key) { // stored under the hashed key, framed
		var ok bool
		if v, ok = unframe(key, v); !ok {
			s.stats.undecodable.Add(1)
			return nil, gincache.ErrNotFound
		}
	}
	e, err := gincache.DecodeEntry(v)
	if err != nil {
		s.stats.undecodable.Add(1)
		return nil, gincache.ErrNotFound
	}
	return e, nil
}

// prepare readies e for storing under key: its Redis key, its value and
// the TTL in whole milliseconds. A TTL under a millisecond deletes what was
// stored under key instead, and returns no value.
func (s *Store) prepare(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration) (string, []byte, time.Duration, error) {
	rk, hashed := s.redisKey(key)
	ttl = ttl.Truncate(time.Millisecond)
	if ttl <= 0 {
		return rk, nil, 0, s.del(ctx, "set", []string{rk})
	}
	data, err := encode(key, e, hashed)
	return rk, data, ttl, err
}

// Set stores e under key with one SET carrying the TTL, truncated to whole
// milliseconds. A TTL under a millisecond stores nothing and deletes what was
// stored under key, so no stale entry outlives the call.
func (s *Store) Set(ctx context.Context, key string, e *gincache.Entry, ttl time.Duration) error {
	rk, data, ttl, err := s.prepare(ctx, key, e, ttl)
	if err != nil || data == nil {
		return err
	}
	return s.do(ctx, "set", func(ctx context.Context) error {
		return s.client.Set(ctx, rk, data, ttl).Err()
	})
}

// encode returns the value stored for e under key, framed when the Redis
// key is the hashed form.
func encode(key string, e *gincache.Entry, hashed bool) ([]byte, error) {
	data, err := e.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("redisstore: set: %w", err)
	}
	if hashed {
		data = frame(key, data)
	}
	return data, nil
}

// Delete removes the entries under keys with one DEL or, on a cluster, one
// DEL per key in a pipeline. Missing keys are not an error.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	rks := make([]string, len(keys))
	for i, k := range keys {
		rks[i], _ = s.redisKey(k)
	}
	return s.del(ctx, "delete", rks)
}

func (s *Store) del(ctx context.Context, op string, rks []string) error {
	return s.do(ctx, op, func(ctx context.Context) error {
		if len(rks) == 1 || s.multi {
			return s.client.Del(ctx, rks...).Err()
		}
		// Keys of a cluster live in different slots: one DEL each, which the
		// pipeline sends to each node in one round trip.
		_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range rks {
				p.Del(ctx, k)
			}
			return nil
		})
		return err
	})
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats { return s.stats.snapshot() }

// do runs one call to Redis under the breaker and the store's deadline, and
// accounts for its outcome. It returns fn's error, redis.Nil as it is and
// others wrapped, or ErrUnavailable when the breaker refused the call.
func (s *Store) do(ctx context.Context, op string, fn func(context.Context) error) error {
	if s.clientDeadlines {
		return s.doWithin(ctx, op, 0, fn)
	}
	return s.doWithin(ctx, op, s.timeout, fn)
}

// doWithin is do with a deadline of d instead of the store's; 0: none of
// ours (the client's timeouts bound the call, WithClientDeadlines).
func (s *Store) doWithin(ctx context.Context, op string, d time.Duration, fn func(context.Context) error) error {
	ok, probe := s.brk.allow()
	if !ok {
		s.stats.skipped.Add(1)
		return ErrUnavailable
	}
	var err error
	if d > 0 {
		cctx, cancel := context.WithTimeout(ctx, d)
		err = fn(cctx)
		cancel()
	} else {
		err = fn(ctx)
	}
	switch {
	case err == nil || errors.Is(err, redis.Nil):
		if s.brk.succeed(probe) {
			s.log.recovered(ctx)
		}
		return err
	case errors.Is(ctx.Err(), context.Canceled):
		// The caller went away; that says nothing about Redis.
		s.brk.release(probe)
	default:
		s.stats.errors.Add(1)
		opened, wait := s.brk.fail(probe)
		if opened {
			s.stats.opens.Add(1)
		}
		s.log.failure(ctx, op, err, opened, wait)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// isWrongType reports whether err is Redis refusing a string command on a
// key holding another type.
func isWrongType(err error) bool {
	if err == nil {
		return false
	}
	var re redis.Error
	return errors.As(err, &re) && strings.HasPrefix(re.Error(), "WRONGTYPE")
}

// boundedClient reports why client's own timeouts do not bound a call to d,
// or nil when they do (WithClientDeadlines).
func boundedClient(client redis.UniversalClient, d time.Duration) error {
	var read, write time.Duration
	var retries int
	switch c := client.(type) {
	case *redis.Client:
		o := c.Options()
		read, write, retries = o.ReadTimeout, o.WriteTimeout, o.MaxRetries
	case *redis.ClusterClient:
		o := c.Options()
		read, write, retries = o.ReadTimeout, o.WriteTimeout, o.MaxRetries
	case *redis.Ring:
		o := c.Options()
		read, write, retries = o.ReadTimeout, o.WriteTimeout, o.MaxRetries
	default:
		return fmt.Errorf("cannot read the timeouts of a %T", client)
	}
	switch {
	case read <= 0 || read > d || write <= 0 || write > d:
		return fmt.Errorf("the client's ReadTimeout %v and WriteTimeout %v must be set and at most the store's timeout %v", read, write, d)
	case retries > 0: // go-redis keeps -1 as 0, and 0 (its default) as 3
		return fmt.Errorf("the client retries %d times; set MaxRetries to -1, so a call is never retried past the timeout", retries)
	}
	return nil
}
