package redisstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gincache/gincache"
	"github.com/redis/go-redis/v9"
)

// WithClientDeadlines takes only a client whose own timeouts bound a call
// to the store's timeout, and panics at New otherwise.
func TestWithClientDeadlines(t *testing.T) {
	mr := miniredis.RunT(t)
	bounded := func(o *redis.Options) *redis.Options {
		o.Addr, o.ContextTimeoutEnabled = mr.Addr(), true
		return o
	}
	tests := []struct {
		name  string
		opts  *redis.Options
		panic string
	}{
		{"bounded", bounded(&redis.Options{ReadTimeout: 100 * time.Millisecond, WriteTimeout: 50 * time.Millisecond, MaxRetries: -1}), ""},
		{"go-redis defaults", bounded(&redis.Options{}), "must be set and at most"},
		{"read timeout above the store's", bounded(&redis.Options{ReadTimeout: time.Second, WriteTimeout: 50 * time.Millisecond, MaxRetries: -1}), "at most the store's timeout 100ms"},
		{"retries", bounded(&redis.Options{ReadTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond}), "retries 3 times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := redis.NewClient(tt.opts)
			defer client.Close()
			defer func() {
				v := recover()
				switch {
				case tt.panic == "" && v != nil:
					t.Fatalf("New panicked: %v", v)
				case tt.panic != "" && (v == nil || !strings.Contains(v.(string), tt.panic)):
					t.Fatalf("New: panic %v; want one saying %q", v, tt.panic)
				}
			}()
			s := New(client, WithClientDeadlines())
			ctx := context.Background()
			e := &gincache.Entry{Status: 200, Body: []byte("x"), StoredAt: time.Unix(1, 0)}
			if err := s.Set(ctx, "k", e, time.Minute); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, "k")
			if err != nil || string(got.Body) != "x" {
				t.Fatalf("Get = %v, %v; want the entry", got, err)
			}
			// A store that fails is still seen as failing: the breaker counts it.
			mr.SetError("boom")
			defer mr.SetError("")
			if _, err := s.Get(ctx, "k"); err == nil {
				t.Fatal("Get on a failing server: nil error")
			}
			if st := s.Stats(); st.Errors != 1 {
				t.Errorf("Stats().Errors = %d; want 1", st.Errors)
			}
		})
	}
}
