package tiered_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
	"github.com/gincache/gincache/tiered"
)

// A page another replica stored in the shared store is read from it once,
// then served from this replica's memory — the same entry, not a copy.
// (In production the remote store is a redisstore; see the package
// documentation.)
func Example() {
	ctx := context.Background()
	local, shared := memstore.New(), memstore.New()
	store := tiered.New(local, shared, tiered.WithLocalTTL(2*time.Second))
	defer store.Close()

	page := &gincache.Entry{Status: 200, Body: []byte("hello")}
	if err := shared.Set(ctx, "example.com/hello", page, time.Minute); err != nil { // rendered elsewhere
		fmt.Println(err)
		return
	}
	_, err := local.Get(ctx, "example.com/hello")
	fmt.Println("in memory before:", !errors.Is(err, gincache.ErrNotFound))

	e, _ := store.Get(ctx, "example.com/hello") // from the shared store
	fmt.Println(e.Status, string(e.Body))

	copied, _ := local.Get(ctx, "example.com/hello")
	fmt.Println("in memory after:", copied == e)

	if err := store.Delete(ctx, "example.com/hello"); err != nil { // both tiers, and the bus if any
		fmt.Println(err)
		return
	}
	_, err = store.Get(ctx, "example.com/hello")
	fmt.Println(errors.Is(err, gincache.ErrNotFound))
	// Output:
	// in memory before: false
	// 200 hello
	// in memory after: true
	// true
}
