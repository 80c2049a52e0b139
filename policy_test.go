package gincache

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// RFC 9111 §5.2.2: each field gives its directive, in whole seconds,
// comma-separated with one space and no leading separator.
func TestPolicyCacheControl(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
		want string
	}{
		{name: "zero", p: Policy{}, want: "private, max-age=0"},
		// The first seed's cached(cacheable=False): nothing downstream keeps it.
		{name: "seed cacheable=False", p: Policy{NoStore: true}, want: "no-store"},
		// The seed's must_revalidate=True sends no-cache: keep, revalidate on every use.
		{name: "seed must_revalidate", p: Policy{NoCache: true}, want: "private, no-cache, max-age=0"},
		// The seed's client_only=False: shared caches may keep it.
		{name: "seed client_only=False", p: Policy{Public: true}, want: "public, max-age=0"},
		// @cached(True, must_revalidate=True, client_only=False, client_timeout=120)
		{name: "seed index view", p: Policy{Public: true, NoCache: true, MaxAge: 120 * time.Second}, want: "public, no-cache, max-age=120"},
		{name: "MaxAge 0", p: Policy{Public: true, MaxAge: 0}, want: "public, max-age=0"},
		{name: "MaxAge", p: Policy{MaxAge: time.Hour}, want: "private, max-age=3600"},
		{name: "MustRevalidate", p: Policy{MustRevalidate: true, MaxAge: time.Minute}, want: "private, must-revalidate, max-age=60"},
		{name: "NoCache and MustRevalidate", p: Policy{NoCache: true, MustRevalidate: true}, want: "private, no-cache, must-revalidate, max-age=0"},
		{name: "SharedMaxAge", p: Policy{Public: true, MaxAge: time.Minute, SharedMaxAge: 10 * time.Minute}, want: "public, max-age=60, s-maxage=600"},
		{name: "Immutable", p: Policy{Public: true, MaxAge: 365 * 24 * time.Hour, Immutable: true}, want: "public, max-age=31536000, immutable"},
		{name: "StaleWhileRevalidate", p: Policy{MaxAge: time.Minute, StaleWhileRevalidate: 30 * time.Second}, want: "private, max-age=60, stale-while-revalidate=30"},
		{name: "StaleIfError", p: Policy{MaxAge: time.Minute, StaleIfError: 24 * time.Hour}, want: "private, max-age=60, stale-if-error=86400"},
		{
			name: "every directive",
			p: Policy{
				Public: true, NoCache: true, MustRevalidate: true, MaxAge: time.Minute, SharedMaxAge: 2 * time.Minute,
				Immutable: true, StaleWhileRevalidate: 30 * time.Second, StaleIfError: 10 * time.Minute,
			},
			want: "public, no-cache, must-revalidate, max-age=60, s-maxage=120, immutable, stale-while-revalidate=30, stale-if-error=600",
		},
		{
			name: "server-side fields send nothing",
			p: Policy{
				Public: true, ServerTTL: time.Hour, Vary: []string{"Accept-Language"},
				Key: func(*gin.Context) string { return "k" }, IgnoreRequestNoCache: true,
			},
			want: "public, max-age=0",
		},
		{name: "NoStore with ServerTTL", p: Policy{NoStore: true, ServerTTL: time.Minute}, want: "no-store"},
		{name: "NoStore wins over the rest", p: Policy{NoStore: true, Public: true, MaxAge: time.Minute, Immutable: true}, want: "no-store"},
		{name: "durations in whole seconds", p: Policy{MaxAge: 90 * time.Minute}, want: "private, max-age=5400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.CacheControl(); got != tt.want {
				t.Errorf("%+v.CacheControl() = %q; want %q", tt.p, got, tt.want)
			}
		})
	}
}

// directiveSyntax is one directive as CacheControl writes it.
var directiveSyntax = regexp.MustCompile(`^(public|private|no-cache|must-revalidate|immutable|` +
	`(max-age|s-maxage|stale-while-revalidate|stale-if-error)=(0|[1-9][0-9]*))$`)

// RFC 9111 §5.2.2: every combination of the client fields gives a
// well-formed list with exactly the directives set.
func TestPolicyCacheControlCombinations(t *testing.T) {
	const fields = 8
	for bits := range 1 << fields {
		on := func(i int) bool { return bits&(1<<i) != 0 }
		dur := func(i int, d time.Duration) time.Duration {
			if on(i) {
				return d
			}
			return 0
		}
		p := Policy{
			NoCache: on(0), MustRevalidate: on(1), Public: on(2), MaxAge: dur(3, time.Minute),
			SharedMaxAge: dur(4, 2*time.Minute), Immutable: on(5),
			StaleWhileRevalidate: dur(6, 3*time.Minute), StaleIfError: dur(7, 4*time.Minute),
		}
		cc := p.CacheControl()
		name := fmt.Sprintf("%08b", bits)
		if strings.HasPrefix(cc, ",") || strings.HasPrefix(cc, " ") || strings.HasSuffix(cc, ",") || strings.HasSuffix(cc, " ") {
			t.Errorf("%s: CacheControl() = %q; want no leading or trailing separator", name, cc)
		}
		got := make(map[string]bool)
		for _, d := range strings.Split(cc, ", ") {
			if !directiveSyntax.MatchString(d) {
				t.Errorf("%s: CacheControl() = %q holds %q; want directives separated by \", \"", name, cc, d)
			}
			n, _, _ := strings.Cut(d, "=")
			if got[n] {
				t.Errorf("%s: CacheControl() = %q repeats %s; want each once", name, cc, n)
			}
			got[n] = true
		}
		want := map[string]bool{
			"public": p.Public, "private": !p.Public, "no-cache": p.NoCache, "must-revalidate": p.MustRevalidate,
			"max-age": true, "s-maxage": on(4), "immutable": p.Immutable,
			"stale-while-revalidate": on(6), "stale-if-error": on(7),
		}
		for n, w := range want {
			if got[n] != w {
				t.Errorf("%s: CacheControl() = %q: got %s %v; want %v", name, cc, n, got[n], w)
			}
		}

		p.NoStore = true
		if cc := p.CacheControl(); cc != "no-store" {
			t.Errorf("%s with NoStore: CacheControl() = %q; want %q", name, cc, "no-store")
		}
	}
}

// invalidPolicies are the invalid policies and the field names their error
// must mention; Handler panics on each with the same message.
var invalidPolicies = []struct {
	name  string
	p     Policy
	names []string
}{
	{name: "negative MaxAge", p: Policy{MaxAge: -time.Second}, names: []string{"MaxAge"}},
	{name: "negative SharedMaxAge", p: Policy{Public: true, SharedMaxAge: -time.Second}, names: []string{"SharedMaxAge"}},
	{name: "negative StaleWhileRevalidate", p: Policy{StaleWhileRevalidate: -time.Second}, names: []string{"StaleWhileRevalidate"}},
	{name: "negative StaleIfError", p: Policy{StaleIfError: -time.Second}, names: []string{"StaleIfError"}},
	{name: "negative ServerTTL", p: Policy{Public: true, ServerTTL: -time.Second}, names: []string{"ServerTTL"}},
	{name: "fractional MaxAge", p: Policy{MaxAge: 1500 * time.Millisecond}, names: []string{"MaxAge", "whole seconds"}},
	{name: "sub-second MaxAge", p: Policy{MaxAge: time.Nanosecond}, names: []string{"MaxAge"}},
	{name: "fractional SharedMaxAge", p: Policy{Public: true, SharedMaxAge: 500 * time.Millisecond}, names: []string{"SharedMaxAge"}},
	{name: "fractional StaleWhileRevalidate", p: Policy{StaleWhileRevalidate: 1001 * time.Millisecond}, names: []string{"StaleWhileRevalidate"}},
	{name: "fractional StaleIfError", p: Policy{StaleIfError: time.Minute + time.Microsecond}, names: []string{"StaleIfError"}},
	{name: "NoStore with NoCache", p: Policy{NoStore: true, NoCache: true}, names: []string{"NoStore"}},
	{name: "NoStore with MustRevalidate", p: Policy{NoStore: true, MustRevalidate: true}, names: []string{"NoStore"}},
	{name: "NoStore with Public", p: Policy{NoStore: true, Public: true}, names: []string{"NoStore"}},
	{name: "NoStore with MaxAge", p: Policy{NoStore: true, MaxAge: time.Minute}, names: []string{"NoStore"}},
	{name: "NoStore with SharedMaxAge", p: Policy{NoStore: true, SharedMaxAge: time.Minute}, names: []string{"NoStore"}},
	{name: "NoStore with Immutable", p: Policy{NoStore: true, Immutable: true}, names: []string{"NoStore"}},
	{name: "NoStore with StaleWhileRevalidate", p: Policy{NoStore: true, StaleWhileRevalidate: time.Minute}, names: []string{"NoStore"}},
	{name: "NoStore with StaleIfError", p: Policy{NoStore: true, StaleIfError: time.Minute}, names: []string{"NoStore"}},
	{name: "Immutable without MaxAge", p: Policy{Public: true, Immutable: true}, names: []string{"Immutable", "MaxAge"}},
	{name: "SharedMaxAge without Public", p: Policy{MaxAge: time.Minute, SharedMaxAge: time.Minute}, names: []string{"SharedMaxAge", "Public"}},
	{name: "private ServerTTL without Key", p: Policy{MaxAge: time.Minute, ServerTTL: time.Minute}, names: []string{"Key", "Public"}},
	{name: "Vary star", p: Policy{Vary: []string{"*"}}, names: []string{"Vary", `"*"`}},
	{name: "Vary empty name", p: Policy{Vary: []string{""}}, names: []string{"Vary"}},
	{name: "Vary name with space", p: Policy{Vary: []string{"Accept Language"}}, names: []string{"Vary", "Accept Language"}},
	{name: "Vary name with colon", p: Policy{Vary: []string{"Accept:"}}, names: []string{"Vary"}},
	{name: "Vary list in one name", p: Policy{Vary: []string{"Accept, Accept-Language"}}, names: []string{"Vary"}},
	{name: "Vary name with NUL", p: Policy{Vary: []string{"X\x00"}}, names: []string{"Vary"}},
	{name: "Vary non-ASCII name", p: Policy{Vary: []string{"Accept-Ländern"}}, names: []string{"Vary"}},
	{name: "Vary bad name among good", p: Policy{Vary: []string{"Accept", "(x)"}}, names: []string{"Vary", "(x)"}},
	{
		name:  "several mistakes",
		p:     Policy{NoStore: true, Immutable: true, MaxAge: -time.Second, Vary: []string{"*"}},
		names: []string{"NoStore", "Immutable", "MaxAge", "Vary"},
	},
}

// checkPolicyError fails unless every line of msg starts with "gincache: "
// and msg names each of names.
func checkPolicyError(t *testing.T, msg string, names []string) {
	t.Helper()
	for _, line := range strings.Split(msg, "\n") {
		if !strings.HasPrefix(line, "gincache: ") {
			t.Errorf("error line %q: want the prefix %q", line, "gincache: ")
		}
	}
	for _, n := range names {
		if !strings.Contains(msg, n) {
			t.Errorf("error %q: want it to name %s", msg, n)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, tt := range invalidPolicies {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if err == nil {
				t.Fatalf("%+v.Validate() = nil; want an error naming %q", tt.p, tt.names)
			}
			checkPolicyError(t, err.Error(), tt.names)
		})
	}

	key := func(c *gin.Context) string { return c.GetString("user") + Key(c.Request) }
	valid := []struct {
		name string
		p    Policy
	}{
		{name: "zero", p: Policy{}},
		{name: "NoStore", p: Policy{NoStore: true}},
		{name: "NoStore stored with a Key", p: Policy{NoStore: true, ServerTTL: time.Minute, Key: key}},
		{name: "public stored", p: Policy{Public: true, ServerTTL: time.Minute}},
		{name: "private stored with a Key", p: Policy{MaxAge: time.Minute, ServerTTL: time.Minute, Key: key}},
		{name: "fractional ServerTTL", p: Policy{Public: true, ServerTTL: 1500 * time.Millisecond}},
		{name: "Immutable with MaxAge", p: Policy{Public: true, MaxAge: time.Hour, Immutable: true}},
		{name: "SharedMaxAge with Public", p: Policy{Public: true, SharedMaxAge: time.Hour}},
		{name: "Vary names", p: Policy{Vary: []string{"Accept-Language", "accept-encoding", "X-Custom_Header!#$%&'*+.^`|~"}}},
		{name: "Vary duplicates", p: Policy{Vary: []string{"Accept", "accept"}}},
		{
			name: "everything",
			p: Policy{
				Public: true, NoCache: true, MustRevalidate: true, MaxAge: time.Minute, SharedMaxAge: 2 * time.Minute,
				Immutable: true, StaleWhileRevalidate: 30 * time.Second, StaleIfError: time.Hour,
				ServerTTL: 5 * time.Minute, Vary: []string{"Accept-Language"}, Key: key, IgnoreRequestNoCache: true,
			},
		},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Validate(); err != nil {
				t.Errorf("%+v.Validate() = %q; want nil", tt.p, err)
			}
		})
	}
}

// The seed's default, cached(cacheable=False, server_timeout=5*60): stored on
// the server, no-store to clients.
func TestPolicyValidateAdviceIsActionable(t *testing.T) {
	p := Policy{NoStore: true, ServerTTL: 5 * time.Minute}
	err := p.Validate()
	if err == nil || !strings.Contains(err.Error(), "set Public") {
		return
	}
	p.Public = true
	if err := p.Validate(); err != nil {
		t.Errorf("Validate advised Public, then with Public: got %q; want nil", err)
	}
}

// Handler panics with "the same message" as Validate, so it must not change
// from one call to the next.
func TestPolicyValidateDeterministic(t *testing.T) {
	p := Policy{Public: true, MaxAge: -time.Second, SharedMaxAge: -time.Second, StaleWhileRevalidate: -time.Second, StaleIfError: -time.Second}
	first := p.Validate().Error()
	for range 50 {
		if got := p.Validate().Error(); got != first {
			t.Fatalf("Validate() twice: got %q then %q; want the same", first, got)
		}
	}
}

// policyTestStore is the least Store: it keeps nothing. (memstore imports
// this package, so an internal test cannot use it.)
type policyTestStore struct{}

func (policyTestStore) Get(context.Context, string) (*Entry, error)              { return nil, ErrNotFound }
func (policyTestStore) Set(context.Context, string, *Entry, time.Duration) error { return nil }
func (policyTestStore) Delete(context.Context, ...string) error                  { return nil }

var _ Store = policyTestStore{}

// panicMessage runs f and returns what it panicked with, as a string.
func panicMessage(t *testing.T, f func()) (msg string, panicked bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			msg, panicked = fmt.Sprint(r), true
		}
	}()
	f()
	return "", false
}

// House rule 5: a contradictory policy panics at registration, with the
// Validate message.
func TestCacheHandlerPanics(t *testing.T) {
	c := New(policyTestStore{})
	for _, tt := range invalidPolicies {
		t.Run(tt.name, func(t *testing.T) {
			msg, panicked := panicMessage(t, func() { c.Handler(tt.p) })
			if !panicked {
				t.Fatalf("Handler(%+v): got no panic; want one naming %q", tt.p, tt.names)
			}
			checkPolicyError(t, msg, tt.names)
			if err := tt.p.Validate(); msg != err.Error() {
				t.Errorf("Handler panic: got %q; want Validate's %q", msg, err)
			}
		})
	}
	t.Run("valid policy", func(t *testing.T) {
		if msg, panicked := panicMessage(t, func() { c.Handler(Policy{Public: true, ServerTTL: time.Minute}) }); panicked {
			t.Errorf("Handler(valid policy): got panic %q; want none", msg)
		}
	})
}

func TestCacheConstructionPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want string // what the "gincache: " panic names, "" for no panic
	}{
		{name: "New nil store", f: func() { New(nil) }, want: "nil Store"},
		{name: "New store", f: func() { New(policyTestStore{}) }},
		{name: "WithStatuses 206", f: func() { WithStatuses(206) }, want: "WithStatuses: status 206"}, // RFC 9110 §14
		{name: "WithStatuses 304", f: func() { WithStatuses(304) }, want: "WithStatuses: status 304"},
		{name: "WithStatuses 99", f: func() { WithStatuses(99) }, want: "WithStatuses: status 99"},
		{name: "WithStatuses 100", f: func() { WithStatuses(100) }, want: "WithStatuses: status 100"},
		{name: "WithStatuses 600", f: func() { WithStatuses(600) }, want: "WithStatuses: status 600"},
		{name: "WithStatuses bad among good", f: func() { WithStatuses(200, 404, 304) }, want: "WithStatuses: status 304"},
		{name: "WithStatuses 200 404 410 301", f: func() { WithStatuses(200, 404, 410, 301) }},
		{name: "WithStatuses none", f: func() { WithStatuses() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, panicked := panicMessage(t, tt.f)
			switch {
			case tt.want == "" && panicked:
				t.Errorf("got panic %q; want none", msg)
			case tt.want != "" && (!strings.HasPrefix(msg, "gincache: ") || !strings.Contains(msg, tt.want)):
				t.Errorf("got panic %q (panicked %v); want \"gincache: …%s…\"", msg, panicked, tt.want)
			}
		})
	}
}
