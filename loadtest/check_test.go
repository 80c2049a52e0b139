//go:build loadtest

package loadtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// body is what the item handler renders for key (path and query): the key,
// who rendered it and how many renders that replica had done, then filler
// derived from the key alone, so that a body cut short, spliced, or
// rendered for another key fails checkBody.
func body(key, replica string, render int64) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "key=%s\nreplica=%s\nrender=%d\n", key, replica, render)
	b.WriteString(filler(key))
	return b.Bytes()
}

// filler is about 800 bytes that only key produces.
func filler(key string) string {
	sum := sha256.Sum256([]byte(key))
	return strings.Repeat(hex.EncodeToString(sum[:])+"\n", 12)
}

// checkBody reports why b is not a body that body(key, …) rendered.
func checkBody(key string, b []byte) error {
	s := string(b)
	k, s, _ := strings.Cut(s, "\n")
	rp, s, _ := strings.Cut(s, "\n")
	n, rest, _ := strings.Cut(s, "\n")
	switch {
	case k != "key="+key:
		return fmt.Errorf("body of %q", strings.TrimPrefix(k, "key="))
	case len(rp) != len("replica=a") || !strings.HasPrefix(rp, "replica=") || !strings.Contains(replicaNames, rp[len(rp)-1:]):
		return fmt.Errorf("second line %q; want replica=X, X one of %s", rp, replicaNames)
	case !strings.HasPrefix(n, "render="):
		return fmt.Errorf("third line %q; want render=N", n)
	case rest != filler(key):
		return fmt.Errorf("filler of %d bytes differs from the key's (%d bytes)", len(rest), len(filler(key)))
	}
	return nil
}

// updatedBody is what a POST answers for key.
func updatedBody(key string) []byte { return []byte("key=" + key + "\nupdated\n") }

// checker verifies every response against its request, from many
// goroutines, and keeps the validators it saw for conditional requests.
type checker struct {
	mu       sync.Mutex
	problems int      // guarded by mu
	first    []string // the first few problems, guarded by mu

	etagKey  sync.Map // ETag -> the key whose body carried it
	lastETag sync.Map // key -> the last ETag seen for it

	// noETagHistory skips etagKey, which grows with every render, and keeps
	// lastETag only for the keys in conditional (the ones the traffic sends
	// If-None-Match for): the soak measures the heap, and the history would
	// hide a leak or fake one.
	noETagHistory bool
	conditional   map[string]bool
}

// maxShown is how many problems the report spells out.
const maxShown = 10

func (c *checker) fail(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems++
	if len(c.first) < maxShown {
		c.first = append(c.first, fmt.Sprintf(format, args...))
	}
}

// etag returns the last ETag seen on a 200 for key, or "".
func (c *checker) etag(key string) string {
	if v, ok := c.lastETag.Load(key); ok {
		return v.(string)
	}
	return ""
}

// response checks one response to method key (sent with If-None-Match
// inm, or "") whose body was b.
func (c *checker) response(method, key, inm string, resp *http.Response, b []byte) {
	what := method + " " + key
	switch {
	case resp.StatusCode >= 500:
		c.fail("%s: status %d (%s); the handlers never fail, so the cache did", what, resp.StatusCode, resp.Header.Get("Cache-Status"))
	case method == http.MethodPost && resp.StatusCode == http.StatusOK:
		if !bytes.Equal(b, updatedBody(key)) {
			c.fail("%s: body %.80q; want %q", what, b, updatedBody(key))
		}
	case resp.StatusCode == http.StatusOK:
		if err := checkBody(key, b); err != nil {
			c.fail("%s (%s, X-Cache %q): %v", what, resp.Header.Get("Cache-Status"), resp.Header.Get("X-Cache"), err)
			return
		}
		etag := resp.Header.Get("ETag")
		if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 2 { // RFC 9110 §8.8.3
			c.fail("%s: ETag %q; want a quoted strong tag", what, etag)
			return
		}
		if !c.noETagHistory {
			if prev, loaded := c.etagKey.LoadOrStore(etag, key); loaded && prev != key {
				c.fail("%s: ETag %s was first seen on %s", what, etag, prev)
			}
		}
		if !c.noETagHistory || c.conditional[key] {
			c.lastETag.Store(key, etag)
		}
	case resp.StatusCode == http.StatusNotModified:
		etag := resp.Header.Get("ETag")
		switch {
		case inm == "":
			c.fail("%s: 304 to a request without a validator", what)
		case len(b) != 0:
			c.fail("%s: 304 with a %d-byte body", what, len(b)) // RFC 9110 §15.4.5
		case strings.TrimPrefix(etag, "W/") != strings.TrimPrefix(inm, "W/"): // RFC 9110 §8.8.3.2, RFC 9110 §15.4.5
			c.fail("%s: 304 with ETag %q to If-None-Match %q", what, etag, inm)
		}
	default:
		c.fail("%s: unexpected status %d (%s)", what, resp.StatusCode, resp.Header.Get("Cache-Status"))
	}
}

// report returns the number of problems and the first few.
func (c *checker) report() (int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.problems, c.first
}
