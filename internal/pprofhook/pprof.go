//go:build pprof

package pprofhook

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
