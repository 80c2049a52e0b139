//go:build pprof

package main

// Built with -tags pprof (bench/wrk.sh PROFILE=…), the example serves
// net/http/pprof on the address in GINCACHE_PPROF, beside the application
// and on its own listener, so that a CPU profile under load can be taken of
// the same binary the whole-stack benchmark measures. The default build has
// no profiling endpoint at all.

import (
	"log"
	"net/http"
	_ "net/http/pprof" // registers on http.DefaultServeMux, which only this listener serves
	"os"
)

func init() {
	if addr := os.Getenv("GINCACHE_PPROF"); addr != "" {
		go func() { log.Print(http.ListenAndServe(addr, nil)) }()
	}
}
