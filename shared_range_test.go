package gincache

import (
	"net/http"
	"slices"
	"testing"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		name  string
		spec  string
		want  []byteRange
		valid bool
	}{
		{name: "RFC 9110 §14.1.2 first-last", spec: "bytes=0-4", want: []byteRange{{0, 4}}, valid: true},
		{name: "RFC 9110 §14.1.2 open-ended", spec: "bytes=5-", want: []byteRange{{5, 9}}, valid: true},
		{name: "RFC 9110 §14.1.2 suffix", spec: "bytes=-3", want: []byteRange{{7, 9}}, valid: true},
		{name: "RFC 9110 §14.1.2 a suffix longer than the body is all of it", spec: "bytes=-30", want: []byteRange{{0, 9}}, valid: true},
		{name: "RFC 9110 §14.1.2 last-pos past the end is clamped", spec: "bytes=8-100", want: []byteRange{{8, 9}}, valid: true},
		{name: "RFC 9110 §14.1 the unit is case-insensitive", spec: "Bytes=0-0", want: []byteRange{{0, 0}}, valid: true},
		{name: "RFC 9110 §14.1.1 several, with whitespace", spec: "bytes=0-1 , 4-5,", want: []byteRange{{0, 1}, {4, 5}}, valid: true},
		{name: "RFC 9110 §14.1.1 first-pos at the end is unsatisfiable", spec: "bytes=10-", valid: true},
		{name: "RFC 9110 §14.1.1 a zero suffix is unsatisfiable", spec: "bytes=-0", valid: true},
		{name: "RFC 9110 §14.1.1 the satisfiable ones are kept", spec: "bytes=20-30, 0-0", want: []byteRange{{0, 0}}, valid: true},
		{name: "RFC 9110 §14.1.1 last before first is invalid", spec: "bytes=5-4"},
		{name: "RFC 9110 §14.2 another unit is ignored", spec: "items=0-4"},
		{name: "RFC 9110 §14.1.1 not a number", spec: "bytes=a-4"},
		{name: "RFC 9110 §14.1.1 no dash", spec: "bytes=4"},
		{name: "RFC 9110 §14.1.1 an empty set", spec: "bytes="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, valid := parseRange(tt.spec, 10)
			if !slices.Equal(got, tt.want) || valid != tt.valid {
				t.Errorf("parseRange(%q, 10) = %v, %v; want %v, %v", tt.spec, got, valid, tt.want, tt.valid)
			}
		})
	}
}

func TestIfRangeMatches(t *testing.T) {
	lm, date := "Sun, 01 Mar 2026 11:00:00 GMT", "Sun, 01 Mar 2026 12:00:00 GMT"
	e := &Entry{ETag: `"v1"`, Header: http.Header{"Last-Modified": {lm}, "Date": {date}}}
	weakE := &Entry{ETag: `W/"v1"`, Header: http.Header{"Last-Modified": {lm}, "Date": {lm}}}
	tests := []struct {
		name    string
		e       *Entry
		ifRange string // "" for none
		want    bool
	}{
		{name: "none", e: e, want: true},
		{name: "RFC 9110 §13.1.5 the same strong entity-tag", e: e, ifRange: `"v1"`, want: true},
		{name: "RFC 9110 §13.1.5 another entity-tag", e: e, ifRange: `"v2"`},
		{name: "RFC 9110 §13.1.5 a weak entity-tag never matches", e: e, ifRange: `W/"v1"`},
		{name: "RFC 9110 §13.1.5 a weak stored entity-tag never matches", e: weakE, ifRange: `W/"v1"`},
		{name: "RFC 9110 §13.1.5 the Last-Modified date", e: e, ifRange: lm, want: true},
		{name: "RFC 9110 §13.1.5 another date", e: e, ifRange: date},
		{name: "RFC 9110 §8.8.2.2 a Last-Modified equal to Date is weak", e: weakE, ifRange: lm},
		{name: "RFC 9110 §5.6.7 not an HTTP-date", e: e, ifRange: "Sun, 01 Mar 2026 11:00:00 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.ifRange != "" {
				h.Set("If-Range", tt.ifRange)
			}
			if got := ifRangeMatches(h, tt.e); got != tt.want {
				t.Errorf("ifRangeMatches(%q) = %v; want %v", tt.ifRange, got, tt.want)
			}
		})
	}
}
