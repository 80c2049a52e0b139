// Package e2e drives a real headless Chromium against the example server on
// loopback and reads the server's own request log to prove what the browser
// did: which requests it sent, with which validators and Cache-Control, and
// which it answered from its own cache without asking.
//
// gzip_test.go needs no browser: it puts gin-contrib/gzip inside and
// outside a cached route, with the cache's compression on and off, and
// checks what a client that does not decompress receives.
//
// It is a module of its own so that chromedp never reaches the library's
// go.mod. It needs Chromium at /usr/bin/chromium (or $GINCACHE_CHROMIUM) and
// the Go toolchain, which builds ../example. .ci/browser.sh installs Chromium
// and runs it:
//
//	cd e2e && go test -count=1 -v ./...
package e2e
