package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/storetest"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/tiered"
	"github.com/redis/go-redis/v9"
)

// probeOrigin marks the messages tests publish to learn that a subscriber
// is listening; receivers skip them.
const probeOrigin = "probe"

// received is one invalidation a test subscriber got, and when.
type received struct {
	inv tiered.Invalidation
	at  time.Time
}

// chanSub is a tiered.Subscriber sending what it receives to ch and
// counting the news of its subscription.
type chanSub struct {
	ch                        chan received
	subscribed, lost, skipped atomic.Int64
}

func (c *chanSub) Receive(inv tiered.Invalidation) { c.ch <- received{inv, time.Now()} }
func (c *chanSub) Subscribed()                     { c.subscribed.Add(1) }
func (c *chanSub) Lost(error)                      { c.lost.Add(1) }
func (c *chanSub) Skipped()                        { c.skipped.Add(1) }

// subscribe runs bus.Subscribe until the returned stop is called (or the
// test ends), sending what it receives to the channel; stop checks that
// Subscribe returns promptly, with the context's error.
func subscribe(t *testing.T, bus *Bus) (<-chan received, func()) {
	t.Helper()
	ch, _, stop := subscribeSub(t, bus)
	return ch, stop
}

// subscribeSub is subscribe, returning the subscriber too.
func subscribeSub(t *testing.T, bus *Bus) (<-chan received, *chanSub, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sub := &chanSub{ch: make(chan received, 1000)}
	done := make(chan error, 1)
	go func() {
		done <- bus.Subscribe(ctx, sub)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Subscribe returned %v; want context.Canceled", err)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("Subscribe still running 5s after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return sub.ch, sub, stop
}

// awaitListening publishes probes on pub until ch has received one: from
// then on, the subscriber behind ch hears every message.
func awaitListening(t *testing.T, pub *Bus, ch <-chan received) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if err := pub.Publish(testCtx(t), tiered.Invalidation{Origin: probeOrigin}); err != nil && time.Now().After(deadline) {
			t.Fatalf("publishing a probe: %v", err)
		}
		select {
		case r := <-ch:
			if r.inv.Origin == probeOrigin {
				return
			}
			t.Fatalf("received %+v before any probe", r.inv)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the subscriber heard no probe within 5s")
		}
	}
}

// next returns the next invalidation on ch that is not a probe, failing
// after 2s.
func next(t *testing.T, ch <-chan received) received {
	t.Helper()
	timeout := time.After(2 * time.Second)
	for {
		select {
		case r := <-ch:
			if r.inv.Origin != probeOrigin {
				return r
			}
		case <-timeout:
			t.Fatal("no invalidation within 2s")
		}
	}
}

// TestBusDelivers: what one replica publishes, every subscriber receives
// as it was sent, keys that are not UTF-8 included.
func TestBusDelivers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		channel := uniquePrefix() + "invalidate"
		pub := NewBus(ownClient(t, b.client), channel)
		chA, _ := subscribe(t, NewBus(ownClient(t, b.client), channel))
		chB, _ := subscribe(t, NewBus(ownClient(t, b.client), channel))
		awaitListening(t, pub, chA)
		awaitListening(t, pub, chB)
		want := tiered.Invalidation{
			Keys:   []string{"example.com/a?x=1", "\xff\x00binary", ""},
			Tags:   []string{"path:example.com/a", "user:42"},
			Origin: "replica-1",
		}
		if err := pub.Publish(testCtx(t), want); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		for _, ch := range []<-chan received{chA, chB} {
			if got := next(t, ch).inv; !reflect.DeepEqual(got, want) {
				t.Errorf("received %+v; want %+v", got, want)
			}
		}
	})
}

// TestBusPropagationDelay measures, and logs, how long a message takes from
// Publish to the subscriber's handler. It asserts nothing about time.
func TestBusPropagationDelay(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		channel := uniquePrefix() + "invalidate"
		pub := NewBus(ownClient(t, b.client), channel)
		ch, _ := subscribe(t, NewBus(ownClient(t, b.client), channel))
		awaitListening(t, pub, ch)
		const n = 200
		delays := make([]time.Duration, n)
		for i := range delays {
			start := time.Now()
			if err := pub.Publish(testCtx(t), tiered.Invalidation{Keys: []string{"example.com/page"}, Origin: "a"}); err != nil {
				t.Fatal(err)
			}
			delays[i] = next(t, ch).at.Sub(start)
		}
		slices.Sort(delays)
		t.Logf("Publish to handler, %d messages: p50 %v, p90 %v, p99 %v, max %v",
			n, delays[n/2], delays[n*9/10], delays[n*99/100], delays[n-1])
	})
}

// TestBusSurvivesRestart: a subscription outlives a Redis restart; the
// messages published once Redis is back are delivered.
func TestBusSurvivesRestart(t *testing.T) {
	mr, rdb := newMiniredis(t)
	channel := uniquePrefix() + "invalidate"
	pub := NewBus(rdb, channel)
	sub := NewBus(ownClient(t, rdb), channel)
	sub.health = 200 * time.Millisecond
	ch, _ := subscribe(t, sub)
	awaitListening(t, pub, ch)

	mr.Close()
	if err := pub.Publish(testCtx(t), tiered.Invalidation{Origin: "lost"}); err == nil {
		t.Fatal("Publish with Redis down: nil error")
	}
	if err := mr.Restart(); err != nil {
		t.Fatalf("restarting miniredis: %v", err)
	}
	start := time.Now()
	awaitListening(t, pub, ch)
	t.Logf("subscribed again %v after the restart", time.Since(start))
	want := tiered.Invalidation{Tags: []string{"after"}, Origin: "a"}
	if err := pub.Publish(testCtx(t), want); err != nil {
		t.Fatalf("Publish after the restart: %v", err)
	}
	if got := next(t, ch).inv; !reflect.DeepEqual(got, want) {
		t.Errorf("received %+v; want %+v", got, want)
	}
}

// freezingProxy forwards TCP connections to a server until freeze is
// called; from then on the connections it had stop carrying anything, in
// either direction, without being closed — a peer gone without a reset —
// while new ones work.
type freezingProxy struct {
	ln     net.Listener
	mu     sync.Mutex
	frozen []*atomic.Bool // one per connection accepted so far
	conns  []net.Conn     // both ends of each, closed in cleanup
}

func newFreezingProxy(t *testing.T, target string) *freezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{ln: ln}
	var conns sync.WaitGroup
	var accepting sync.WaitGroup
	accepting.Add(1)
	t.Cleanup(func() {
		ln.Close()
		accepting.Wait()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		conns.Wait()
	})
	go func() {
		defer accepting.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			frozen := new(atomic.Bool)
			p.mu.Lock()
			p.frozen = append(p.frozen, frozen)
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			pipe := func(dst, src net.Conn) {
				defer conns.Done()
				defer dst.Close()
				buf := make([]byte, 4096)
				for {
					n, err := src.Read(buf)
					if err != nil {
						return
					}
					if !frozen.Load() {
						if _, err := dst.Write(buf[:n]); err != nil {
							return
						}
					}
				}
			}
			conns.Add(2)
			go pipe(s, c)
			go pipe(c, s)
		}
	}()
	return p
}

func (p *freezingProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.frozen {
		f.Store(true)
	}
}

// TestBusSilentServer: when the subscription's connection goes silent
// without breaking, the PING check notices within two health intervals and
// subscribes again on a new connection; without it, the subscriber would
// wait forever.
func TestBusSilentServer(t *testing.T) {
	mr, rdb := newMiniredis(t)
	proxy := newFreezingProxy(t, mr.Addr())
	subClient := redis.NewClient(&redis.Options{Addr: proxy.ln.Addr().String(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { subClient.Close() })
	channel := uniquePrefix() + "invalidate"
	pub := NewBus(rdb, channel)
	sub := NewBus(subClient, channel)
	sub.health = 50 * time.Millisecond
	ch, _ := subscribe(t, sub)
	awaitListening(t, pub, ch)

	proxy.freeze()
	start := time.Now()
	awaitListening(t, pub, ch)
	t.Logf("subscribed again %v after the connection went silent (health interval %v)", time.Since(start), sub.health)
}

// TestBusSkipsForeignMessages: what is not an invalidation of this version
// is skipped, and the subscription goes on.
func TestBusSkipsForeignMessages(t *testing.T) {
	_, rdb := newMiniredis(t)
	channel := uniquePrefix() + "invalidate"
	pub := NewBus(rdb, channel)
	ch, _ := subscribe(t, NewBus(ownClient(t, rdb), channel))
	awaitListening(t, pub, ch)
	for _, raw := range []string{"", "hello", "\x02future", string(encodeInvalidation(tiered.Invalidation{Origin: "a"})) + "x"} {
		if err := rdb.Publish(testCtx(t), channel, raw).Err(); err != nil {
			t.Fatal(err)
		}
	}
	want := tiered.Invalidation{Keys: []string{"k"}, Origin: "a"}
	if err := pub.Publish(testCtx(t), want); err != nil {
		t.Fatal(err)
	}
	if got := next(t, ch).inv; !reflect.DeepEqual(got, want) {
		t.Errorf("received %+v; want %+v (and nothing before it)", got, want)
	}
}

// TestBusSubscribeStops: Subscribe returns when its context ends, whether
// Redis is up or unreachable, and leaves no goroutine behind.
func TestBusSubscribeStops(t *testing.T) {
	mr, rdb := newMiniredis(t)
	channel := uniquePrefix() + "invalidate"
	// A pooled connection and go-redis's own goroutines exist before.
	if err := rdb.Ping(testCtx(t)).Err(); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	ch, stop := subscribe(t, NewBus(rdb, channel))
	awaitListening(t, NewBus(rdb, channel), ch)
	stop()
	_, stopDown := subscribe(t, NewBus(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), channel))
	time.Sleep(30 * time.Millisecond) // a few failed attempts
	stopDown()
	mr.Close()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines; want at most %d, as before the subscriptions", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBusMessage(t *testing.T) {
	for _, inv := range []tiered.Invalidation{
		{},
		{Origin: "a"},
		{Keys: []string{"example.com/a"}, Origin: "0123456789abcdef"},
		{Tags: []string{"path:example.com/a", "user:42"}},
		{Keys: []string{"", "\xff\xfe", strings.Repeat("k", 300)}, Tags: []string{"\x00"}, Origin: "é"},
	} {
		p := encodeInvalidation(inv)
		got, ok := decodeInvalidation(string(p))
		if !ok || !reflect.DeepEqual(got, inv) {
			t.Errorf("decode(encode(%+v)) = %+v, %v; want it back", inv, got, ok)
		}
	}
	valid := string(encodeInvalidation(tiered.Invalidation{Keys: []string{"k"}, Tags: []string{"t"}, Origin: "o"}))
	for _, tt := range []struct{ name, p string }{
		{"empty", ""},
		{"version", "\x02" + valid[1:]},
		{"truncated", valid[:len(valid)-1]},
		{"trailing", valid + "\x00"},
		{"longString", "\x01\x05ab"},
		{"hugeCount", "\x01\x00\xff\xff\xff\xff\x0f"},
		{"badVarint", "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"},
	} {
		if got, ok := decodeInvalidation(tt.p); ok {
			t.Errorf("%s: decode(%q) = %+v, true; want false", tt.name, tt.p, got)
		}
	}
}

// FuzzBusMessage: no message makes the decoder panic; one it accepts
// survives encoding again; and an invalidation made from the input — an
// origin, then keys, and tags marked by a leading '#', separated by NUL —
// decodes from its encoding to itself, so no invalidation is lost or widened
// on its way to another replica.
func FuzzBusMessage(f *testing.F) {
	f.Add(string(encodeInvalidation(tiered.Invalidation{Keys: []string{"k"}, Tags: []string{"t"}, Origin: "o"})))
	f.Add(string(encodeInvalidation(tiered.Invalidation{})))
	f.Add("\x01\x80\x00\x00\x00")
	f.Add("replica-1\x00a.com/p?q=1\x00#tag\x00\x00#")
	f.Fuzz(func(t *testing.T, p string) {
		if inv, ok := decodeInvalidation(p); ok {
			again, ok := decodeInvalidation(string(encodeInvalidation(inv)))
			if !ok || !reflect.DeepEqual(again, inv) {
				t.Fatalf("%q decodes to %+v, which does not survive encoding: %+v, %v", p, inv, again, ok)
			}
		}

		fields := strings.Split(p, "\x00")
		inv := tiered.Invalidation{Origin: fields[0]}
		for _, s := range fields[1:] {
			if tag, ok := strings.CutPrefix(s, "#"); ok {
				inv.Tags = append(inv.Tags, tag)
			} else {
				inv.Keys = append(inv.Keys, s)
			}
		}
		got, ok := decodeInvalidation(string(encodeInvalidation(inv)))
		if !ok || !reflect.DeepEqual(got, inv) {
			t.Fatalf("decode(encode(%+v)) = %+v, %v; want it back, true", inv, got, ok)
		}
	})
}

// The conformance suites on a tiered store: a memstore in front of this
// store, on every backend. On miniredis both clocks move together.
func TestTieredConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		var clock *fakeClock
		h := storetest.Harness{
			New: func(t *testing.T) gincache.Store {
				clock = newFakeClock()
				remote, _ := b.store(t)
				s := tiered.New(memstore.New(memstore.WithClock(clock.Now)), remote)
				t.Cleanup(s.Close)
				return s
			},
		}
		if b.advance != nil {
			h.Advance = func(t *testing.T, d time.Duration) {
				clock.Advance(d)
				b.advance(t, d)
			}
		}
		t.Run("Store", func(t *testing.T) { storetest.Run(t, h) })
		t.Run("Tagger", func(t *testing.T) { storetest.RunTagger(t, h) })
		t.Run("Locker", func(t *testing.T) { storetest.RunLocker(t, h) })
	})
}

// tierRemote is this package's Store, counting its Gets: a replica's read
// from Redis.
type tierRemote struct {
	*Store
	gets atomic.Int64
}

func (r *tierRemote) Get(ctx context.Context, key string) (*gincache.Entry, error) {
	r.gets.Add(1)
	return r.Store.Get(ctx, key)
}

// tierReplica is one instance of an application running tiered: its own
// engine, Cache, local memstore and Redis connections, sharing only Redis.
type tierReplica struct {
	r      *gin.Engine
	cache  *gincache.Cache
	store  *tiered.Store
	remote *tierRemote
}

func newTierReplica(t *testing.T, client redis.UniversalClient, prefix, channel string, runs *atomic.Int64) tierReplica {
	t.Helper()
	gin.SetMode(gin.TestMode)
	remote := &tierRemote{Store: New(client, WithPrefix(prefix), WithTimeout(5*time.Second))}
	// A long local TTL: only the bus can drop a copy within the test.
	store := tiered.New(memstore.New(), remote, tiered.WithLocalTTL(time.Hour), tiered.WithBus(NewBus(client, channel)))
	t.Cleanup(store.Close)
	cache := gincache.New(store)
	r := gin.New()
	r.Use(cache.InvalidateOnWrite())
	r.GET("/items/:id", cache.Handler(gincache.Policy{Public: true, NoCache: true, ServerTTL: time.Hour}), func(c *gin.Context) {
		runs.Add(1)
		gincache.Tag(c, "item:"+c.Param("id"))
		c.String(http.StatusOK, "item %s", c.Param("id"))
	})
	r.POST("/items/:id", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	return tierReplica{r: r, cache: cache, store: store, remote: remote}
}

func (rp tierReplica) do(method, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	rp.r.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

// awaitApplied publishes probes until s has applied one.
func awaitApplied(t *testing.T, pub *Bus, s *tiered.Store) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Applied == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the replica heard no probe within 5s")
		}
		if err := pub.Publish(testCtx(t), tiered.Invalidation{Keys: []string{"probe"}, Origin: probeOrigin}); err != nil {
			t.Logf("publishing a probe: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTieredTwoEngines: two replicas with a two-tier store on one Redis. A
// page rendered on A is announced to B, and then a hit on B, first from
// Redis, then from B's memory;
// a purge by tag, a purge by key and a POST on A each reach B's memory
// through the bus, so B's next request is a miss. The time each took is
// logged.
func TestTieredTwoEngines(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		_, prefix := b.store(t) // reserves a prefix and cleans it up
		channel := prefix + "invalidate"
		var runs atomic.Int64
		a := newTierReplica(t, ownClient(t, b.client), prefix, channel, &runs)
		bb := newTierReplica(t, ownClient(t, b.client), prefix, channel, &runs)
		probe := NewBus(b.client, channel)
		awaitApplied(t, probe, a.store)
		awaitApplied(t, probe, bb.store)

		tests := []struct {
			name       string
			id         string
			invalidate func(t *testing.T) error
		}{
			{"purgeTags", "1", func(t *testing.T) error { return a.cache.PurgeTags(testCtx(t), "item:1") }},
			{"purgeKey", "2", func(t *testing.T) error {
				return a.cache.Purge(testCtx(t), gincache.Key(httptest.NewRequest(http.MethodGet, "/items/2", nil)))
			}},
			{"post", "3", func(*testing.T) error {
				if w := a.do(http.MethodPost, "/items/3"); w.Code != http.StatusNoContent {
					return errors.New("POST: status " + w.Result().Status)
				}
				return nil
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				path := "/items/" + tt.id
				expect := func(rp tierReplica, name, xCache string, renders int64) {
					t.Helper()
					before := runs.Load()
					w := rp.do(http.MethodGet, path)
					if w.Code != http.StatusOK || w.Header().Get("X-Cache") != xCache || w.Body.String() != "item "+tt.id {
						t.Fatalf("%s GET %s: %d, X-Cache %q, body %q; want 200, %q, %q", name, path, w.Code, w.Header().Get("X-Cache"), w.Body, xCache, "item "+tt.id)
					}
					if got := runs.Load() - before; got != renders {
						t.Fatalf("%s GET %s: the handler ran %d times; want %d", name, path, got, renders)
					}
				}
				heard := bb.store.Stats().Applied
				expect(a, "A", "MISS", 1)
				// A's render is announced; B drops its copy of the
				// page (it has none yet) when the message arrives.
				awaitCond(t, "B heard A's store", func() bool { return bb.store.Stats().Applied > heard })
				gets := bb.remote.gets.Load()
				expect(bb, "B", "HIT from Server", 0)
				if got := bb.remote.gets.Load() - gets; got != 1 {
					t.Fatalf("B's first hit read Redis %d times; want 1", got)
				}
				expect(bb, "B", "HIT from Server", 0)
				if got := bb.remote.gets.Load() - gets; got != 1 {
					t.Fatalf("B's second hit read Redis %d times in all; want 1 (served from B's memory)", got)
				}

				applied := bb.store.Stats().Applied
				start := time.Now()
				if err := tt.invalidate(t); err != nil {
					t.Fatalf("invalidate on A: %v", err)
				}
				returned := time.Now()
				deadline := start.Add(2 * time.Second)
				for bb.store.Stats().Applied == applied {
					if time.Now().After(deadline) {
						t.Fatal("B did not apply A's invalidation within 2s")
					}
					runtime.Gosched()
				}
				seen := time.Now()
				t.Logf("B applied A's invalidation %v after A's call began (the call took %v; %v after it returned)",
					seen.Sub(start), returned.Sub(start), max(seen.Sub(returned), 0))
				expect(bb, "B", "MISS", 1)
			})
		}
	})
}

// awaitCond polls cond until it holds, failing the test after 5s.
func awaitCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// stampLocal is a replica's local memstore, stamping each Delete: the moment
// a replica dropped a copy.
type stampLocal struct {
	*memstore.Store
	drops chan time.Time
}

func (l *stampLocal) Delete(ctx context.Context, keys ...string) error {
	err := l.Store.Delete(ctx, keys...)
	select {
	case l.drops <- time.Now():
	default:
	}
	return err
}

// coherentReplica is one replica of a coherent fleet: a tiered store over
// a client and a memstore of its own, with a long local TTL so that only
// the bus can drop a copy within a test.
type coherentReplica struct {
	store   *tiered.Store
	local   *stampLocal
	client  redis.UniversalClient
	channel string
}

const fleetLocalTTL = time.Hour

// newCoherentFleet starts n replicas on b, each with its own client, named
// name so a test can find their connections, and waits until all have
// subscribed.
func newCoherentFleet(t *testing.T, b backend, n int, name string) []coherentReplica {
	t.Helper()
	_, prefix := b.store(t) // reserves a prefix and cleans it up
	channel := prefix + "invalidate"
	fleet := make([]coherentReplica, n)
	for i := range fleet {
		var client redis.UniversalClient
		if c, ok := b.client.(*redis.Client); ok && name != "" {
			// Options of its own: c.Options() is c's, shared.
			client = redis.NewClient(&redis.Options{Addr: c.Options().Addr, ClientName: name, ContextTimeoutEnabled: true})
			t.Cleanup(func() { client.Close() })
		} else {
			client = ownClient(t, b.client)
		}
		local := &stampLocal{Store: memstore.New(), drops: make(chan time.Time, 16)}
		s := tiered.New(local, New(client, WithPrefix(prefix), WithTimeout(5*time.Second)),
			tiered.WithLocalTTL(fleetLocalTTL), tiered.WithBus(NewBus(client, channel)))
		t.Cleanup(s.Close)
		fleet[i] = coherentReplica{store: s, local: local, client: client, channel: channel}
	}
	for i, r := range fleet {
		awaitCond(t, fmt.Sprintf("replica %d subscribed", i), func() bool { return r.store.Stats().Subscribed })
	}
	return fleet
}

// TestTieredStoreReachesReplicas: two and four replicas, each with its own
// memstore and go-redis client, over one Redis. Every replica holds a local
// copy of a page; one stores a new entry for it; every other replica's next
// Get returns the new entry once the announcement arrives, and the writer
// keeps its own copy (the very entry it stored).
func TestTieredStoreReachesReplicas(t *testing.T) {
	const key = "example.com/page"
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, n := range []int{2, 4} {
			t.Run(fmt.Sprintf("replicas=%d", n), func(t *testing.T) {
				fleet := newCoherentFleet(t, b, n, "")
				for round := range n {
					writer := fleet[round%n]
					want := storetest.Sample(fmt.Sprintf("v%d", round))
					heard := make([]uint64, n)
					for i, r := range fleet {
						if _, err := r.store.Get(testCtx(t), key); err != nil && round > 0 {
							t.Fatalf("replica %d: Get: %v", i, err)
						}
						heard[i] = r.store.Stats().Applied
					}
					if err := writer.store.SetTagged(testCtx(t), key, want, time.Hour, []string{"page"}); err != nil {
						t.Fatal(err)
					}
					for i, r := range fleet {
						if r.store == writer.store {
							continue
						}
						awaitCond(t, fmt.Sprintf("replica %d applied replica %d's store", i, round%n), func() bool {
							return r.store.Stats().Applied > heard[i]
						})
						got, err := r.store.Get(testCtx(t), key)
						if err != nil || string(got.Body) != string(want.Body) {
							t.Fatalf("round %d: replica %d: Get = %v, %v; want the new entry %q", round, i, got, err, want.Body)
						}
					}
					if got, err := writer.local.Get(testCtx(t), key); err != nil || got != want {
						t.Fatalf("round %d: the writer's local copy = %v, %v; want the entry it stored", round, got, err)
					}
				}
			})
		}
	})
}

// killPubSub breaks the pub/sub connections of the clients named name: a
// miniredis restart, or CLIENT KILL of exactly those connections on a real
// Redis (not CLIENT KILL TYPE pubsub, which would break other tests' too).
func killPubSub(t *testing.T, b backend, mr *miniredis.Miniredis, name string) {
	t.Helper()
	if mr != nil {
		mr.Close()
		if err := mr.Restart(); err != nil {
			t.Fatalf("restarting miniredis: %v", err)
		}
		return
	}
	c := b.client.(*redis.Client)
	list, err := c.ClientList(testCtx(t)).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for line := range strings.Lines(list) {
		fields := map[string]string{}
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			fields[k] = v
		}
		if fields["name"] == name && fields["sub"] != "0" {
			if err := c.Do(testCtx(t), "client", "kill", "id", fields["id"]).Err(); err != nil {
				t.Fatalf("CLIENT KILL ID %s: %v", fields["id"], err)
			}
			killed++
		}
	}
	if killed == 0 {
		t.Fatalf("no pub/sub connection named %q to kill", name)
	}
}

// TestTieredCoherenceAfterPubSubKill: when the replicas' pub/sub
// connections are killed (CLIENT KILL on Redis 7, a restart of miniredis),
// the bus subscribes again on its own; each replica's Stats then counts the
// loss and the resubscription and says it is not coherent until the local
// TTL has passed — the bound for what it may have missed — while new stores
// are announced again.
func TestTieredCoherenceAfterPubSubKill(t *testing.T) {
	const key = "example.com/page"
	for _, kind := range []string{"miniredis", "redis"} {
		t.Run(kind, func(t *testing.T) {
			var b backend
			var mr *miniredis.Miniredis
			if kind == "miniredis" {
				var rdb *redis.Client
				mr, rdb = newMiniredis(t)
				b = backend{client: rdb, advance: func(_ *testing.T, d time.Duration) { mr.FastForward(d) }}
			} else {
				b = backend{client: realRedis(t)}
			}
			name := strings.ReplaceAll(uniquePrefix(), ":", "-")
			fleet := newCoherentFleet(t, b, 2, name)
			a, bb := fleet[0], fleet[1]
			for _, r := range fleet {
				if st := r.store.Stats(); !st.Coherent || st.Resubscriptions != 0 {
					t.Fatalf("before the kill: %+v; want coherent, no resubscription", st)
				}
			}
			killed := time.Now()
			killPubSub(t, b, mr, name)
			for i, r := range fleet {
				awaitCond(t, fmt.Sprintf("replica %d resubscribed", i), func() bool {
					st := r.store.Stats()
					return st.Subscribed && st.Resubscriptions >= 1
				})
				st := r.store.Stats()
				if st.SubscriptionsLost < 1 || st.Coherent || st.CoherentFrom.Before(killed.Add(fleetLocalTTL)) {
					t.Errorf("replica %d after the kill: lost %d, coherent %v, coherent from %v after the kill; want lost ≥ 1, not coherent until the local TTL (%v) after it",
						i, st.SubscriptionsLost, st.Coherent, st.CoherentFrom.Sub(killed), fleetLocalTTL)
				}
				t.Logf("replica %d resubscribed: %+v", i, st)
			}
			// The bus works again: a store on B reaches A.
			mustSetTagged := func(r coherentReplica, body string) {
				t.Helper()
				if err := r.store.SetTagged(testCtx(t), key, storetest.Sample(body), time.Hour, nil); err != nil {
					t.Fatal(err)
				}
			}
			mustSetTagged(a, "v1")
			if _, err := bb.store.Get(testCtx(t), key); err != nil {
				t.Fatal(err)
			}
			heard := a.store.Stats().Applied
			mustSetTagged(bb, "v2")
			awaitCond(t, "A applied B's store", func() bool { return a.store.Stats().Applied > heard })
			if got, err := a.store.Get(testCtx(t), key); err != nil || string(got.Body) != "v2" {
				t.Fatalf("A: Get = %v, %v; want v2", got, err)
			}
		})
	}
}

// TestTieredSkipsMalformed: what is published on the channel that is not an
// invalidation is dropped and counted, and the replica goes on.
func TestTieredSkipsMalformed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		r := newCoherentFleet(t, b, 1, "")[0]
		for _, raw := range []string{"", "hello", "\x02future", "\x01\xff"} {
			if err := b.client.Publish(testCtx(t), r.channel, raw).Err(); err != nil {
				t.Fatal(err)
			}
		}
		awaitCond(t, "4 skipped", func() bool { return r.store.Stats().Skipped == 4 })
		if got := r.store.Stats().Applied; got != 0 {
			t.Errorf("Applied = %d; want 0", got)
		}
	})
}

// percentiles formats the p50, p90, p99 and max of ds, which it sorts.
func percentiles(ds []time.Duration) string {
	slices.Sort(ds)
	n := len(ds)
	return fmt.Sprintf("p50 %v, p90 %v, p99 %v, max %v", ds[n/2], ds[n*9/10], ds[n*99/100], ds[n-1])
}

// TestTieredStorePropagation measures, and logs, how long a store on one of
// four replicas takes to drop the other three's local copies: from the
// start of the writer's SetTagged (which includes the remote write), from
// its return (what a client of another replica could race), and until the
// last of the three. It asserts nothing about time.
func TestTieredStorePropagation(t *testing.T) {
	const key, rounds, n = "example.com/page", 400, 4
	forEachBackend(t, func(t *testing.T, b backend) {
		fleet := newCoherentFleet(t, b, n, "")
		var fromStart, fromReturn, last []time.Duration
		for round := range rounds {
			writer := round % n
			for i, r := range fleet {
				if i != writer {
					_, _ = r.store.Get(testCtx(t), key) // a local copy (none in round 0)
					for len(r.local.drops) > 0 {
						<-r.local.drops
					}
				}
			}
			start := time.Now()
			if err := fleet[writer].store.SetTagged(testCtx(t), key, storetest.Sample(fmt.Sprint(round)), time.Hour, []string{"page"}); err != nil {
				t.Fatal(err)
			}
			returned := time.Now()
			var slowest time.Duration
			for i, r := range fleet {
				if i == writer {
					continue
				}
				select {
				case at := <-r.local.drops:
					fromStart = append(fromStart, at.Sub(start))
					fromReturn = append(fromReturn, max(at.Sub(returned), 0))
					slowest = max(slowest, at.Sub(start))
				case <-time.After(2 * time.Second):
					t.Fatalf("round %d: replica %d did not drop its copy within 2s", round, i)
				}
			}
			last = append(last, slowest)
		}
		t.Logf("%d stores on %d replicas, per receiving replica, drop after the SetTagged began: %s", rounds, n, percentiles(fromStart))
		t.Logf("per receiving replica, drop after the SetTagged returned: %s", percentiles(fromReturn))
		t.Logf("the last of the %d receivers, after the SetTagged began: %s", n-1, percentiles(last))
	})
}

// TestTieredFloodBounded: a flood of invalidations is applied as it arrives,
// one at a time on the subscription's goroutine — nothing queues on the
// receiving side, what has not been read waits in the socket and in Redis's
// output buffer for the client, which Redis bounds (client-output-buffer-
// limit pubsub) — so the heap does not grow with the number of messages.
func TestTieredFloodBounded(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		messages := 50_000
		if b.advance != nil {
			messages = 20_000 // miniredis, slower under -race
		}
		r := newCoherentFleet(t, b, 1, "")[0]
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // one: a testCtx each would live until the test ends
		defer cancel()
		for from := 0; from < messages; from += 1000 {
			if _, err := b.client.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i := from; i < from+1000; i++ {
					p.Publish(ctx, r.channel, encodeInvalidation(tiered.Invalidation{Keys: []string{fmt.Sprint("flood/", i)}, Origin: "elsewhere"}))
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(60 * time.Second)
		for r.store.Stats().Applied < uint64(messages) {
			if time.Now().After(deadline) {
				t.Fatalf("applied %d of %d messages within 60s", r.store.Stats().Applied, messages)
			}
			time.Sleep(time.Millisecond)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		t.Logf("%d messages applied in %v; heap %+d KiB", messages, time.Since(start), grew>>10)
		if grew > 8<<20 {
			t.Errorf("the heap grew by %d KiB over %d messages; want under 8 MiB", grew>>10, messages)
		}
	})
}

// TestTieredTagPurgeDropsOnlyTagged: B copies two pages A stored with
// different tags from Redis; A purges one tag; B drops only the copy that
// carried it — the tags came with the entries — and serves the other from
// its memory still.
func TestTieredTagPurgeDropsOnlyTagged(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		fleet := newCoherentFleet(t, b, 2, "")
		a, bb := fleet[0], fleet[1]
		pages := map[string]string{"example.com/user/1": "user:1", "example.com/user/2": "user:2"}
		for key, tag := range pages {
			heard := bb.store.Stats().Applied
			if err := a.store.SetTagged(testCtx(t), key, storetest.Sample(key), time.Hour, []string{tag}); err != nil {
				t.Fatal(err)
			}
			awaitCond(t, "B heard A's store", func() bool { return bb.store.Stats().Applied > heard })
			if _, err := bb.store.Get(testCtx(t), key); err != nil {
				t.Fatal(err)
			}
			if _, err := bb.local.Get(testCtx(t), key); err != nil {
				t.Fatalf("B's local copy of %s: %v", key, err)
			}
		}
		heard := bb.store.Stats().Applied
		if err := a.store.PurgeTags(testCtx(t), "user:1"); err != nil {
			t.Fatal(err)
		}
		awaitCond(t, "B applied the purge", func() bool { return bb.store.Stats().Applied > heard })
		if _, err := bb.local.Get(testCtx(t), "example.com/user/1"); !errors.Is(err, gincache.ErrNotFound) {
			t.Errorf("B's copy of the purged page: %v; want dropped", err)
		}
		if e, err := bb.local.Get(testCtx(t), "example.com/user/2"); err != nil || string(e.Body) != "example.com/user/2" {
			t.Errorf("B's copy of the other page: %v, %v; want kept", e, err)
		}
		if e, err := bb.local.Get(testCtx(t), "example.com/user/2"); err == nil {
			if _, ok := e.Header[" Tiered-Tags"]; ok {
				t.Errorf("B's copy still carries the tags field: %v", e.Header)
			}
		}
	})
}
