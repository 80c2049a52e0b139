package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gincache/gincache"
	"github.com/gincache/gincache/redisstore"
	"github.com/redis/go-redis/v9"
)

// A store on Redis: here an in-process miniredis, so the example runs
// anywhere; in production the address of a Redis every replica shares.
func Example() {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
	defer rdb.Close() // the caller owns the client

	store := redisstore.New(rdb, redisstore.WithPrefix("shop:"))
	ctx := context.Background()

	page := &gincache.Entry{Status: http.StatusOK, Body: []byte("<h1>Shop</h1>"), ETag: `"e1"`}
	if err := store.Set(ctx, "example.com/", page, time.Minute); err != nil {
		panic(err)
	}
	got, err := store.Get(ctx, "example.com/")
	fmt.Println(got.Status, string(got.Body), got.ETag, err)

	_, err = store.Get(ctx, "example.com/cart")
	fmt.Println(errors.Is(err, gincache.ErrNotFound))

	fmt.Println(mr.Keys(), mr.TTL("shop:v1:example.com/"))
	// Output:
	// 200 <h1>Shop</h1> "e1" <nil>
	// true
	// [shop:v1:example.com/] 1m0s
}

// A Redis Cluster, or Sentinel, needs nothing else: New takes any
// redis.UniversalClient.
func ExampleNew_cluster() {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 strings.Split("127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003", ","),
		IsClusterMode:         true,
		ContextTimeoutEnabled: true,
	})
	defer rdb.Close()
	store := redisstore.New(rdb, redisstore.WithTimeout(50*time.Millisecond))
	_ = gincache.Store(store)
}

// While Redis is down the breaker skips it; Stats tells how often.
func ExampleStore_Stats() {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
	defer rdb.Close()
	store := redisstore.New(rdb, redisstore.WithBreaker(2, time.Minute, time.Hour),
		redisstore.WithLogger(slog.New(slog.DiscardHandler)))

	mr.SetError("ERR out of order")
	for range 3 {
		_, err := store.Get(context.Background(), "example.com/")
		fmt.Println(err)
	}
	fmt.Printf("%+v\n", store.Stats())
	// Output:
	// redisstore: get: ERR out of order
	// redisstore: get: ERR out of order
	// redisstore: redis unavailable (circuit breaker open)
	// {Errors:2 BreakerOpens:1 Skipped:1 Undecodable:0}
}

// Tags index entries so that one purge drops every page showing a record.
// Each tag's index is a Redis set that expires with its longest-lived entry.
func ExampleStore_PurgeTags() {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
	defer rdb.Close()
	store := redisstore.New(rdb, redisstore.WithPrefix("shop:"))
	ctx := context.Background()

	page := &gincache.Entry{Status: http.StatusOK, Body: []byte("<h1>Item 42</h1>")}
	_ = store.SetTagged(ctx, "example.com/items/42", page, time.Minute, []string{"item:42"})
	_ = store.SetTagged(ctx, "example.com/items", page, 5*time.Minute, []string{"item:42", "item:7"})
	fmt.Println(mr.ZMembers("shop:v1:t:t:item:42")) // by expiry
	fmt.Println(mr.TTL("shop:v1:t:t:item:42"))      // the longest entry's, and 5s

	if err := store.PurgeTags(ctx, "item:42"); err != nil {
		panic(err)
	}
	_, err = store.Get(ctx, "example.com/items")
	fmt.Println(errors.Is(err, gincache.ErrNotFound), mr.Exists("shop:v1:t:t:item:42"))
	// Output:
	// [shop:v1:example.com/items/42 shop:v1:example.com/items] <nil>
	// 5m5s
	// true false
}

// A lock lets one replica render a missing page while the others wait for
// it; only the token's holder releases it, and it expires if the holder dies.
func ExampleStore_TryLock() {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
	defer rdb.Close()
	store := redisstore.New(rdb)
	ctx := context.Background()

	token, ok, err := store.TryLock(ctx, "example.com/report", 5*time.Second)
	fmt.Println(len(token), ok, err)
	_, ok, _ = store.TryLock(ctx, "example.com/report", 5*time.Second)
	fmt.Println("second replica:", ok)

	_ = store.Unlock(ctx, "example.com/report", token)
	_, ok, _ = store.TryLock(ctx, "example.com/report", 5*time.Second)
	fmt.Println("after Unlock:", ok)
	// Output:
	// 32 true <nil>
	// second replica: false
	// after Unlock: true
}
