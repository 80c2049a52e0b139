package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gincache/gincache"
	"github.com/gincache/gincache/memstore"
)

func Example() {
	ctx := context.Background()
	store := memstore.New(memstore.WithMaxBytes(32 << 20))

	page := &gincache.Entry{
		Status: 200,
		Header: map[string][]string{"Content-Type": {"text/plain; charset=utf-8"}},
		Body:   []byte("hello"),
	}
	if err := store.Set(ctx, "example.com/hello", page, time.Minute); err != nil {
		fmt.Println("set:", err)
		return
	}

	e, err := store.Get(ctx, "example.com/hello")
	fmt.Println(e.Status, string(e.Body), e == page, err)

	_, err = store.Get(ctx, "example.com/missing")
	fmt.Println(errors.Is(err, gincache.ErrNotFound))
	// Output:
	// 200 hello true <nil>
	// true
}

// Entries stored with tags are purged together; the tags leave the store's
// index with their entries, whether purged, replaced, evicted or expired.
func ExampleStore_PurgeTags() {
	ctx := context.Background()
	store := memstore.New()
	page := &gincache.Entry{Status: 200, Body: []byte("<h1>Item 42</h1>")}
	_ = store.SetTagged(ctx, "example.com/items/42", page, time.Minute, []string{"item:42"})
	_ = store.SetTagged(ctx, "example.com/items", page, time.Minute, []string{"item:42", "item:7"})
	_ = store.SetTagged(ctx, "example.com/items/7", page, time.Minute, []string{"item:7"})

	_ = store.PurgeTags(ctx, "item:42")
	for _, k := range []string{"example.com/items/42", "example.com/items", "example.com/items/7"} {
		_, err := store.Get(ctx, k)
		fmt.Println(k, err == nil)
	}
	// Output:
	// example.com/items/42 false
	// example.com/items false
	// example.com/items/7 true
}
