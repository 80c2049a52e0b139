package gincache

import (
	"slices"
	"testing"
)

// TestNotModifiedField: the 304's switch names exactly notModifiedHeaders.
func TestNotModifiedField(t *testing.T) {
	for _, k := range notModifiedHeaders {
		if !notModifiedField(k) {
			t.Errorf("notModifiedField(%q) = false; want true, it is in notModifiedHeaders", k)
		}
	}
	for _, k := range append(slices.Clone(representationHeaders), "Last-Modified", "Date", "Age", "Set-Cookie", "X-Other", "etag") {
		if notModifiedField(k) {
			t.Errorf("notModifiedField(%q) = true; want false, it is not in notModifiedHeaders", k)
		}
	}
}
