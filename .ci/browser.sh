#!/usr/bin/env bash
# The real-browser test (issue 7): headless Chromium against the example
# server on loopback, proving from the server's request log what the browser
# sent and what it took from its own cache. See e2e/doc.go.
#
#   bash .ci/browser.sh
#
# Installs Debian's chromium when /usr/bin/chromium is missing (or uses
# $GINCACHE_CHROMIUM), then vets and runs the e2e module, which has its own
# go.mod so chromedp never reaches the library's. The tests build ./example,
# start it and Chromium themselves, and stop exactly those processes.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

step() { printf '\n=== %s\n' "$*"; }

step "chromium"
if [ -z "${GINCACHE_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
"${GINCACHE_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null || true

cd e2e
step "e2e: go vet"
go vet ./...

step "e2e: browser tests"
go test -count=1 -v -timeout 4m ./...
