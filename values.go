package gincache

import (
	"strconv"
	"sync/atomic"
)

// Header values for small numbers, made once each: a hit sets Age and
// Cache-Status on every response, and formatting them each time would cost
// two allocations a hit. The tables fill on demand, so a process holds only
// the values it has used; numbers past them (more than two hours) are
// formatted as needed.
const smallValues = 8192

var ageValues, hitValues [smallValues]atomic.Pointer[[]string]

// cached returns the table's value for n, making it with format once.
func cached(table *[smallValues]atomic.Pointer[[]string], n int64, format func(int64) string) []string {
	if n < 0 || n >= smallValues {
		return []string{format(n)}
	}
	if v := table[n].Load(); v != nil {
		return *v
	}
	v := []string{format(n)}
	table[n].Store(&v)
	return v
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

// ageValue is the Age header value for age seconds. The slice is shared:
// its capacity is its length, so an append by later middleware copies.
func ageValue(age int64) []string { return cached(&ageValues, age, formatInt) }

// hitValue is the Cache-Status value of a fresh hit with ttl seconds left.
func hitValue(ttl int64) []string { return cached(&hitValues, ttl, hitStatus) }
