// Command ratios reads the raw output of the bench module's benchmarks
// (go test -bench -benchmem, any -count) and prints, as Markdown tables, the
// ratios issue 6 sets targets for, each computed from medians of the same
// run: a gincache case over its floor, with the verdict against the target.
//
//	go run ./cmd/ratios raw.txt
//
// A case missing from the input (real Redis skipped, say) is left out.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// sample holds every measurement of one benchmark, by unit.
type sample map[string][]float64

// procSuffix is the -GOMAXPROCS suffix go test appends to a name.
var procSuffix = regexp.MustCompile(`-\d+$`)

// parse reads benchmark result lines: name, iterations, then value-unit pairs.
func parse(r io.Reader) (map[string]sample, error) {
	out := map[string]sample{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		s := out[name]
		if s == nil {
			s = sample{}
			out[name] = s
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			s[f[i+1]] = append(s[f[i+1]], v)
		}
	}
	return out, sc.Err()
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// target is one issue-6 target: a case over its baseline, for each body
// size and run variant present.
type target struct {
	title     string
	cas, base string   // names without /body=…/run=…
	bodies    []string // body sizes the target is about
	maxRatio  float64  // 0: informative, no target
	maxAllocs float64  // -1: no allocation target
}

var (
	bothBodies = []string{"1KiB", "32KiB"}
	runs       = []string{"serial", "parallel"}
)

var targets = []target{
	{"memstore hit / memory floor (target ≤ 1.5×, ≤ 2 allocs/op)",
		"GincacheHit/store=memstore", "Floor/backend=memory", bothBodies, 1.5, 2},
	{"Redis hit / one-GET floor, real Redis (target ≤ 1.15×, ≤ 15 allocs/op)",
		"GincacheHit/store=redis", "Floor/backend=redis", bothBodies, 1.15, 15},
	{"Redis hit / one-GET floor, miniredis (same target; miniredis's own work is in both)",
		"GincacheHit/store=miniredis", "Floor/backend=miniredis", bothBodies, 1.15, 15},
	{"miss / bare handler, 32 KiB (target ≤ 1.3×)",
		"GincacheMiss/store=memstore", "Bare/store=none", []string{"32KiB"}, 1.3, -1},
	{"miss / bare handler, 1 KiB (no target: a cheap page, informative)",
		"GincacheMiss/store=memstore", "Bare/store=none", []string{"1KiB"}, 0, -1},
	{"304 from memstore / memory floor (informative)",
		"Gincache304/store=memstore", "Floor/backend=memory", bothBodies, 0, -1},
	{"peer (gin-cache) memory hit / memory floor",
		"PeerHit/store=memory", "Floor/backend=memory", bothBodies, 0, -1},
	{"peer (gin-cache) Redis hit / one-GET floor, real Redis",
		"PeerHit/store=redis", "Floor/backend=redis", bothBodies, 0, -1},
	{"peer (gin-cache) Redis hit / one-GET floor, miniredis",
		"PeerHit/store=miniredis", "Floor/backend=miniredis", bothBodies, 0, -1},
	{"gincache memstore hit / gin-cache memory hit",
		"GincacheHit/store=memstore", "PeerHit/store=memory", bothBodies, 0, -1},
	{"gincache Redis hit / gin-cache Redis hit, real Redis",
		"GincacheHit/store=redis", "PeerHit/store=redis", bothBodies, 0, -1},
}

func main() {
	var in io.Reader = os.Stdin
	if len(os.Args) > 1 {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "ratios:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	res, err := parse(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
	if len(res) == 0 {
		fmt.Fprintln(os.Stderr, "ratios: no benchmark lines in the input")
		os.Exit(1)
	}
	for _, t := range targets {
		printTarget(os.Stdout, t, res)
	}
}

func printTarget(w io.Writer, t target, res map[string]sample) {
	var rows []string
	for _, body := range t.bodies {
		for _, run := range runs {
			suffix := "/body=" + body + "/run=" + run
			c, b := res[t.cas+suffix], res[t.base+suffix]
			if c == nil || b == nil {
				continue
			}
			cn, bn := median(c["ns/op"]), median(b["ns/op"])
			ca, ba := median(c["allocs/op"]), median(b["allocs/op"])
			ratio := cn / bn
			verdict := "—"
			if t.maxRatio > 0 {
				verdict = "MET"
				if ratio > t.maxRatio || (t.maxAllocs >= 0 && ca > t.maxAllocs) {
					verdict = "NOT MET"
				}
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %.2f× | %s | %s | %s | %s |",
				body, run, ns(cn), ns(bn), ratio, num(ca), num(ba),
				bytesPerOp(median(c["B/op"])), verdict))
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\n#### %s\n\n`%s` over `%s`\n\n", t.title, t.cas, t.base)
	fmt.Fprintln(w, "| body | run | ns/op | baseline ns/op | ratio | allocs/op | baseline allocs/op | B/op | verdict |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	for _, r := range rows {
		fmt.Fprintln(w, r)
	}
}

func ns(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func bytesPerOp(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }
