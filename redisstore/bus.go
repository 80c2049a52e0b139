package redisstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gincache/gincache/tiered"
	"github.com/redis/go-redis/v9"
)

// Bus is a tiered.Bus over Redis pub/sub: Publish is one PUBLISH on a
// channel, and Subscribe holds one SUBSCRIBE connection to it, so every
// replica's tiered.Store hears of the others' stores and purges within a
// round trip. It is safe for concurrent use and keeps no state besides its
// configuration; the caller owns the client and closes it.
//
// On a Redis Cluster, PUBLISH reaches the subscribers connected to any node
// (the cluster forwards it to every node). Pub/sub delivers at most once: a
// message published while a subscriber is reconnecting is lost to it, and
// tiered's local TTL then bounds its staleness. Subscribe reports every
// such gap to its tiered.Subscriber, so the Store's Stats show it.
type Bus struct {
	client  redis.UniversalClient
	channel string
	health  time.Duration // silence after which the connection is pinged, then replaced
}

var _ tiered.Bus = (*Bus)(nil)

// Default timing of a subscription.
const (
	// busHealthInterval is how long a subscription may hear nothing before
	// it sends a PING; with no answer after as long again, the connection
	// is taken for dead (a peer gone without a reset) and replaced.
	busHealthInterval = 3 * time.Second
	// busRetryMin and busRetryMax bound the wait between attempts to
	// subscribe while Redis is unreachable, doubling after each failure.
	busRetryMin = 10 * time.Millisecond
	busRetryMax = time.Second
)

// NewBus returns a Bus publishing and subscribing on channel through
// client, which may be any redis.UniversalClient. Every replica of one
// application must use the same channel, and applications sharing a Redis
// different ones (e.g. the store's prefix and "invalidate"). It panics on a
// nil client or an empty channel.
func NewBus(client redis.UniversalClient, channel string) *Bus {
	if client == nil {
		panic("redisstore: NewBus: nil client")
	}
	if channel == "" {
		panic("redisstore: NewBus: empty channel")
	}
	return &Bus{client: client, channel: channel, health: busHealthInterval}
}

// Publish sends inv to every subscriber of the channel with one PUBLISH.
func (b *Bus) Publish(ctx context.Context, inv tiered.Invalidation) error {
	if err := b.client.Publish(ctx, b.channel, encodeInvalidation(inv)).Err(); err != nil {
		return fmt.Errorf("redisstore: publish: %w", err)
	}
	return nil
}

// Subscribe delivers each invalidation published on the channel to sub, one
// at a time, until ctx is done; then it returns ctx.Err(). When the
// connection breaks (Redis restarts, fails over, kills the client, a
// network fault, a peer that stops answering PINGs) it tells sub.Lost and
// subscribes again, waiting between failed attempts, for as long as ctx
// lasts; each confirmation from Redis is a sub.Subscribed, so one that
// arrives again on a connection go-redis replaced by itself is one too. A
// message that does not decode — published by something else, or by a
// future version — is skipped and reported to sub.Skipped.
func (b *Bus) Subscribe(ctx context.Context, sub tiered.Subscriber) error {
	wait := busRetryMin
	for {
		subscribed, err := b.session(ctx, sub)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if subscribed {
			sub.Lost(err)
			wait = busRetryMin // it worked: Redis is back, try again at once
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, busRetryMax)
	}
}

// session is one SUBSCRIBE connection, delivering its messages to sub until
// it fails or ctx is done. subscribed reports whether Redis confirmed the
// subscription.
func (b *Bus) session(ctx context.Context, sub tiered.Subscriber) (subscribed bool, err error) {
	ps := b.client.Subscribe(ctx, b.channel)
	defer ps.Close()
	// Close is what interrupts a blocked read when ctx ends.
	stop := context.AfterFunc(ctx, func() { ps.Close() })
	defer stop()
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, b.health)
		if ctx.Err() != nil {
			return subscribed, ctx.Err()
		}
		if err != nil {
			if !isTimeout(err) || pinged {
				return subscribed, err
			}
			// Quiet for a while: a PING proves the connection alive
			// (its answer is a message like any other) by the next
			// timeout, or it is replaced.
			if err := ps.Ping(ctx); err != nil {
				return subscribed, err
			}
			pinged = true
			continue
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == b.channel {
				// Again on the same session: go-redis reconnected
				// and resubscribed on its own; sub learns of the gap
				// from the second confirmation.
				subscribed = true
				sub.Subscribed()
			}
		case *redis.Message:
			if inv, ok := decodeInvalidation(m.Payload); ok {
				sub.Receive(inv)
			} else {
				sub.Skipped()
			}
		}
	}
}

// isTimeout reports whether err is a read that timed out, the connection
// still usable.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// busVersion starts every message; a message of another version is skipped.
const busVersion = 1

// encodeInvalidation lays inv out as the version byte, then the origin, the
// keys and the tags, each string a uvarint length and its bytes, each list a
// uvarint count first. Keys and tags are bytes, not text: no encoding
// changes them.
func encodeInvalidation(inv tiered.Invalidation) []byte {
	n := 1 + binary.MaxVarintLen64*(3+len(inv.Keys)+len(inv.Tags)) + len(inv.Origin)
	for _, k := range inv.Keys {
		n += len(k)
	}
	for _, t := range inv.Tags {
		n += len(t)
	}
	b := make([]byte, 0, n)
	b = append(b, busVersion)
	b = appendString(b, inv.Origin)
	for _, list := range [][]string{inv.Keys, inv.Tags} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = appendString(b, s)
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeInvalidation reads what encodeInvalidation wrote; ok is false for
// anything else, including trailing bytes.
func decodeInvalidation(p string) (inv tiered.Invalidation, ok bool) {
	if len(p) == 0 || p[0] != busVersion {
		return inv, false
	}
	d := busDecoder{p: p[1:]}
	inv.Origin = d.string()
	inv.Keys = d.list()
	inv.Tags = d.list()
	if d.bad || len(d.p) > 0 {
		return tiered.Invalidation{}, false
	}
	return inv, true
}

// busDecoder reads a message; bad is set, and stays set, at the first
// malformed field.
type busDecoder struct {
	p   string
	bad bool
}

func (d *busDecoder) uvarint() uint64 {
	if d.bad {
		return 0
	}
	var buf [binary.MaxVarintLen64]byte
	n := copy(buf[:], d.p)
	v, w := binary.Uvarint(buf[:n])
	if w <= 0 {
		d.bad = true
		return 0
	}
	d.p = d.p[w:]
	return v
}

func (d *busDecoder) string() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.p)) {
		d.bad = true
		return ""
	}
	s := d.p[:n]
	d.p = d.p[n:]
	return s
}

// list reads a count and as many strings. The count is checked against the
// bytes left (each string takes one at least), so a forged count cannot
// make it allocate more than the message's size.
func (d *busDecoder) list() []string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.p)) {
		d.bad = true
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.string()
	}
	return out
}
