// Package bench holds gincache's benchmarks against the floor (the least a
// Gin handler can do to send the same bytes) and against
// github.com/chenyahui/gin-cache, the most popular peer. It is its own module
// so the library never depends on the peer; its go.mod points at the working
// tree of gincache with a replace directive.
//
//	./run.sh   # Go benchmarks, medians with benchstat and the issue-6 ratios
//	./wrk.sh   # whole-stack req/s of the example server against a floor server
//
// BENCHMARKS.md at the repository root records the figures.
package bench
