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
