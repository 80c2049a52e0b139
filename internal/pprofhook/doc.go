// Package pprofhook serves net/http/pprof on the address in GINCACHE_PPROF,
// on a listener of its own, in a binary built with -tags pprof: the example
// and the bench module's floor import it so that bench/wrk.sh PROFILE=… can
// take a CPU profile of the same servers it measures. Without the tag the
// package is empty, and a default build has no profiling endpoint at all.
package pprofhook
