//go:build pprof

package main

// Built with -tags pprof (bench/wrk.sh PROFILE=…), the example serves
// net/http/pprof on the address in GINCACHE_PPROF (internal/pprofhook).
import _ "github.com/gincache/gincache/internal/pprofhook"
