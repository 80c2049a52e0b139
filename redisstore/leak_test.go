package redisstore

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/internal/leaktest"
	"github.com/redis/go-redis/v9"
)

// The cross-user leak matrix of internal/leaktest and a key-poisoning set,
// on Redis: miniredis always, the real Redis and Cluster when their
// variables are set. A's and B's requests go to two replicas sharing one
// Redis, so what B could be served is what Redis holds, and a coalesced B
// waits on A's render across replicas, under the Redis render lock.

// leakReplica is one replica: its own engine, Cache and Store on client,
// sharing prefix, with h at GET /page and GET /. wait is its coalesce
// timeout, which is also the life of the render lock it takes.
func leakReplica(t *testing.T, client redis.UniversalClient, prefix string, p gincache.Policy, h gin.HandlerFunc,
	runs *atomic.Int64, wait time.Duration, obs gincache.Observer) (*gin.Engine, *Store) {
	t.Helper()
	gin.SetMode(gin.TestMode)
	store := New(client, WithPrefix(prefix), WithTimeout(5*time.Second))
	cache := gincache.New(store, gincache.WithCoalesceTimeout(wait), gincache.WithObserver(obs))
	r := gin.New()
	counted := func(c *gin.Context) {
		runs.Add(1)
		h(c)
	}
	r.GET("/page", cache.Handler(p), counted)
	r.GET("/", cache.Handler(p), counted)
	return r, store
}

// leakEntries returns the Redis keys of the entries stored under prefix:
// neither tag indexes nor render locks.
func leakEntries(t *testing.T, c redis.UniversalClient, prefix string) []string {
	t.Helper()
	base := prefix + keyVersion
	var mu sync.Mutex
	var keys []string
	scan := func(ctx context.Context, node *redis.Client) error {
		iter := node.Scan(ctx, 0, base+"*", 1000).Iterator()
		for iter.Next(ctx) {
			k := strings.TrimPrefix(iter.Val(), base)
			if !strings.HasPrefix(k, tagSpace) && !strings.HasPrefix(k, lockSpace) {
				mu.Lock()
				keys = append(keys, iter.Val())
				mu.Unlock()
			}
		}
		return iter.Err()
	}
	var err error
	switch c := c.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(testCtx(t), scan)
	case *redis.Client:
		err = scan(testCtx(t), c)
	default:
		t.Fatalf("cannot scan a %T", c)
	}
	if err != nil {
		t.Fatalf("SCAN %s*: %v", base, err)
	}
	return keys
}

// TestLeakMatrix: user A's personalised page is never served to user B from
// Redis, on another replica, unless the policy makes the page shared;
// neither after A's render nor while B waits on it across replicas
// (RFC 9111 §3, no Set-Cookie stored, RFC 9111 §3.5, RFC 9111 §4.1, waiters never get an unstorable response). A's render is held under the Redis
// lock until B has tried the lock (and so polls Redis for A's entry) or has
// been answered without it.
func TestLeakMatrix(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		leaktest.Run(t, leaktest.Harness{Start: func(t *testing.T, row leaktest.Row, h gin.HandlerFunc) leaktest.Setup {
			_, prefix := b.store(t) // reserves a prefix and cleans it up
			// A's lock outlives the test's hold. B waits long enough for a
			// shared render; for one that stores nothing it polls Redis in
			// vain, so its wait is kept short.
			bWait := 300 * time.Millisecond
			if row.Shared {
				bWait = 10 * time.Second
			}
			runs := new(atomic.Int64)
			locks := &lockWatcher{}
			ra, store := leakReplica(t, b.client, prefix, row.Policy, h, runs, 10*time.Second, nil)
			rb, _ := leakReplica(t, ownClient(t, b.client), prefix, row.Policy, h, runs, bWait, locks)
			return leaktest.Setup{
				A: ra, B: rb,
				Runs:    runs.Load,
				Waiting: func() bool { return locks.tries.Load() > 0 },
				Stored: func(t *testing.T) (int, []string) {
					keys := leakEntries(t, b.client, prefix)
					return len(keys), keys
				},
				Get: func(t *testing.T, key string) (*gincache.Entry, error) { return store.Get(testCtx(t), key) },
			}
		}})
	})
}

// TestPoisonKeys: on Redis, no attacker's request plants a response under
// another request's key (the key is the whole URL, RFC 9111 §4.1): odd hosts, header values
// with NUL, quotes or CR LF in a Vary key, and hosts that imitate the
// store's own namespaces ("l:" locks, "t:" tag indexes, "h:" hashed keys),
// which would otherwise name the victim's render lock or tag index.
func TestPoisonKeys(t *testing.T) {
	reflect := func(c *gin.Context) {
		c.String(http.StatusOK, "host=%q tenant=%q query=%q", c.Request.Host, c.Request.Header["X-Tenant"], c.Request.URL.RawQuery)
	}
	varied := leaktest.Shell
	varied.Vary = []string{"X-Tenant", "Accept-Language"}
	long := strings.Repeat("a", 300)
	tests := []struct {
		name        string
		policy      gincache.Policy
		evil, clean []string // the header pairs; "Host" defaults to example.com
		evilTarget  string   // default /page
		cleanTarget string
	}{
		{name: "another host", evil: []string{"Host", "evil.example"}},
		{name: "slash and question mark in the host", evil: []string{"Host", "example.com/page?q="}, cleanTarget: "/page?q=/page"},
		{name: "%2F and %3F in the host", evil: []string{"Host", "example.com%2Fpage%3Fq="}, cleanTarget: "/page?q=/page"},
		{name: "CR LF in the host", evil: []string{"Host", "example.com\r\nX-Evil: 1"}},
		{name: "NUL in the host", evil: []string{"Host", "example.com\x00.evil"}},
		{name: "Kelvin sign folds to k", evil: []string{"Host", "\u212a.example"}, clean: []string{"Host", "k.example"}},
		{name: "a host imitating the lock namespace", evil: []string{"Host", "l:example.com"}},
		{name: "a host imitating the tag namespace", evil: []string{"Host", "t:path:example.com"}},
		{name: "a host imitating the hashed namespace", evil: []string{"Host", "h:example.com"}},
		{name: "?utm=x cannot plant under /", evilTarget: "/?utm=%3Cscript%3E", cleanTarget: "/"},
		{name: "long keys, hashed, differing at the end", evilTarget: "/page?q=" + long + "evil", cleanTarget: "/page?q=" + long + "good"},
		{
			name: "a Vary value imitating the next field", policy: varied,
			evil:  []string{"X-Tenant", "acme\"\x00Accept-Language=\"en"},
			clean: []string{"X-Tenant", "acme", "Accept-Language", "en"},
		},
		{
			name: "CR LF in a Vary value", policy: varied,
			evil:  []string{"X-Tenant", "acme\r\nAccept-Language: en"},
			clean: []string{"X-Tenant", "acme", "Accept-Language", "en"},
		},
		{
			name: "empty is not absent in a Vary value", policy: varied,
			evil:  []string{"X-Tenant", "", "Accept-Language", "en"},
			clean: []string{"Accept-Language", "en"},
		},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := tt.policy
				if p.ServerTTL == 0 {
					p = leaktest.Shell
				}
				evil := append([]string{"Host", "example.com"}, tt.evil...)
				clean := append([]string{"Host", "example.com"}, tt.clean...)
				evilTarget, cleanTarget := cmp.Or(tt.evilTarget, "/page"), cmp.Or(tt.cleanTarget, "/page")
				_, prefix := b.store(t)
				var runs atomic.Int64
				r, store := leakReplica(t, b.client, prefix, p, reflect, &runs, 5*time.Second, nil)

				if w := leaktest.Do(r, evilTarget, evil...); w.Code != http.StatusOK {
					t.Fatalf("attacker: %d; want 200", w.Code)
				}
				// Nothing under the Redis keys the victim reads or locks, nor
				// in the index of its path's tag unless the attacker's
				// request has the same host and path (one path tag covers
				// every query, by design). Only for keys without a Vary
				// suffix, which the test can compute.
				cleanReq, evilReq := leaktest.Request(cleanTarget, clean), leaktest.Request(evilTarget, evil)
				if len(p.Vary) == 0 {
					rk, _ := store.redisKey(gincache.Key(cleanReq))
					keys := []string{rk, store.lockKey(gincache.Key(cleanReq))}
					cleanPath := gincache.Key(leaktest.Request(cleanReq.URL.EscapedPath(), clean))
					if evilPath := gincache.Key(leaktest.Request(evilReq.URL.EscapedPath(), evil)); evilPath != cleanPath {
						keys = append(keys, store.tagKey("path:"+cleanPath))
					}
					for _, k := range keys {
						if n, err := b.client.Exists(testCtx(t), k).Result(); err != nil || n != 0 {
							t.Errorf("after the attacker's request, EXISTS %q = %d, %v; want 0", k, n, err)
						}
					}
				}
				want := fmt.Sprintf("host=%q tenant=%q query=%q", cleanReq.Host, cleanReq.Header["X-Tenant"], cleanReq.URL.RawQuery)
				for i, wantX := range []string{"MISS", "HIT from Server"} {
					w := leaktest.Do(r, cleanTarget, clean...)
					if w.Code != http.StatusOK || w.Body.String() != want || w.Header().Get("X-Cache") != wantX {
						t.Errorf("victim request %d: %d %q %q; want 200 %q %q", i+1, w.Code, w.Header().Get("X-Cache"), w.Body, wantX, want)
					}
				}
				if got := runs.Load(); got != 2 {
					t.Errorf("handler ran %d times; want 2 (the attacker's and the victim's)", got)
				}
				if got := leakEntries(t, b.client, prefix); len(got) != 2 {
					t.Errorf("Redis holds %d entries %q; want 2", len(got), got)
				}
				if len(p.Vary) == 0 {
					if got, err := store.Get(testCtx(t), gincache.Key(cleanReq)); err != nil || string(got.Body) != want {
						t.Errorf("Redis under the victim's key: %v; want the victim's render", err)
					}
				}
			})
		}
	})
}
