package memstore

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gincache/gincache"
)

func TestEntryTags(t *testing.T) {
	s := New()
	ctx := context.Background()
	e := &gincache.Entry{Status: 200, Body: []byte("x")}
	if err := s.SetTagged(ctx, "tagged", e, time.Minute, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "plain", e, time.Minute); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key  string
		want []string
		err  error
	}{
		{"tagged", []string{"a", "b"}, nil},
		{"plain", []string{}, nil},
		{"missing", nil, gincache.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, err := s.EntryTags(ctx, tt.key)
			if !errors.Is(err, tt.err) || !slices.Equal(got, tt.want) {
				t.Errorf("EntryTags(%q) = %q, %v; want %q, %v", tt.key, got, err, tt.want, tt.err)
			}
		})
	}
	got, _ := s.EntryTags(ctx, "tagged")
	got[0] = "changed"
	if again, _ := s.EntryTags(ctx, "tagged"); again[0] != "a" {
		t.Errorf("EntryTags returned the store's own slice: a change reached it (%q)", again)
	}
}
