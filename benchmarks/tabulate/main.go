// Command tabulate turns the output of the benchmarks of this module into
// the tables of its README: every time as a ratio to a baseline measured in
// the same run, since the machines the figures come from are shared and
// noisy. Feed it the output of
//
//	go test -run XXX -bench 'BenchmarkDecide$|BenchmarkDense$' -benchmem -count 5
//
// on standard input. For BenchmarkDecide/<case>/<implementation> it prints,
// per case, each implementation's median ns/op as a multiple of the
// hand-written Go ("go") and of the tuned cel-go, and then each warden
// implementation (warden, and warden-into for Engine.DecideInto) against
// its peers; for BenchmarkDense/<rules>/<implementation>, each
// implementation at each size as a multiple of itself at the smallest.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// sample is one line of benchmark output.
type sample struct {
	ns            float64
	bytes, allocs string
}

// series holds the samples of one benchmark, in the order first seen.
type series struct {
	names   []string
	samples map[string][]sample
}

func (s *series) add(name string, x sample) {
	if _, ok := s.samples[name]; !ok {
		s.names = append(s.names, name)
	}
	s.samples[name] = append(s.samples[name], x)
}

// parse reads benchmark lines: name, iterations, then value-unit pairs.
func parse(r io.Reader) (*series, error) {
	s := &series{samples: map[string][]sample{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		var x sample
		for i := 2; i+1 < len(f); i += 2 {
			switch f[i+1] {
			case "ns/op":
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", f[0], err)
				}
				x.ns = v
			case "B/op":
				x.bytes = f[i]
			case "allocs/op":
				x.allocs = f[i]
			}
		}
		s.add(name, x)
	}
	return s, sc.Err()
}

func median(xs []sample) float64 {
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = x.ns
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func spread(xs []sample, base float64) (lo, hi float64) {
	lo, hi = xs[0].ns, xs[0].ns
	for _, x := range xs {
		lo, hi = min(lo, x.ns), max(hi, x.ns)
	}
	return lo / base, hi / base
}

// ratio writes a ratio with two significant digits, as the README does.
func ratio(r float64) string {
	switch {
	case r >= 10:
		return strconv.FormatFloat(r, 'f', 0, 64)
	case r >= 1:
		return strconv.FormatFloat(r, 'f', 1, 64)
	}
	return strconv.FormatFloat(r, 'f', 2, 64)
}

// group splits Benchmark<Kind>/<case>/<impl> into the case and the
// implementation, for one kind.
func group(s *series, kind string) (cases []string, impls map[string][]string) {
	impls = map[string][]string{}
	for _, n := range s.names {
		rest, ok := strings.CutPrefix(n, "Benchmark"+kind+"/")
		if !ok {
			continue
		}
		c, impl, ok := strings.Cut(rest, "/")
		if !ok {
			continue
		}
		if _, seen := impls[c]; !seen {
			cases = append(cases, c)
		}
		impls[c] = append(impls[c], impl)
	}
	return cases, impls
}

func decideTable(w io.Writer, s *series) {
	cases, impls := group(s, "Decide")
	if len(cases) == 0 {
		return
	}
	at := func(c, impl string) []sample { return s.samples["BenchmarkDecide/"+c+"/"+impl] }
	fmt.Fprintln(w, "| case | implementation | ×go (range) | ×cel-go-tuned | ns/op | B/op | allocs/op |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: |")
	for _, c := range cases {
		g, tuned := at(c, "go"), at(c, "cel-go-tuned")
		if len(g) == 0 || len(tuned) == 0 {
			continue
		}
		mg, mt := median(g), median(tuned)
		for _, impl := range impls[c] {
			xs := at(c, impl)
			m := median(xs)
			lo, hi := spread(xs, mg)
			last := xs[len(xs)-1]
			fmt.Fprintf(w, "| %s | %s | %s (%s–%s) | %s | %.0f | %s | %s |\n", c, impl, ratio(m/mg), ratio(lo), ratio(hi), ratio(m/mt), m, last.bytes, last.allocs)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| case | warden | tuned cel-go ÷ warden | OPA ÷ warden | cedar ÷ warden | warden ÷ hand-written Go | warden allocs/op |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: |")
	for _, c := range cases {
		for _, impl := range impls[c] {
			if impl != "warden" && !strings.HasPrefix(impl, "warden-") {
				continue
			}
			wd := at(c, impl)
			mw := median(wd)
			of := func(peer string) string {
				if xs := at(c, peer); len(xs) > 0 {
					return ratio(median(xs) / mw)
				}
				return "–"
			}
			g := "–"
			if xs := at(c, "go"); len(xs) > 0 {
				g = ratio(mw / median(xs))
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", c, impl, of("cel-go-tuned"), of("opa"), of("cedar"), g, wd[len(wd)-1].allocs)
		}
	}
	fmt.Fprintln(w)
}

func denseTable(w io.Writer, s *series) {
	sizes, impls := group(s, "Dense")
	if len(sizes) == 0 {
		return
	}
	at := func(n, impl string) []sample { return s.samples["BenchmarkDense/"+n+"/"+impl] }
	fmt.Fprintf(w, "| rules | implementation | ×(same implementation, %s rules) (range) | ns/op | B/op | allocs/op |\n", sizes[0])
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: |")
	for _, n := range sizes {
		for _, impl := range impls[n] {
			base := at(sizes[0], impl)
			if len(base) == 0 {
				continue
			}
			xs := at(n, impl)
			mb, m := median(base), median(xs)
			lo, hi := spread(xs, mb)
			last := xs[len(xs)-1]
			fmt.Fprintf(w, "| %s | %s | %s (%s–%s) | %.0f | %s | %s |\n", n, impl, ratio(m/mb), ratio(lo), ratio(hi), m, last.bytes, last.allocs)
		}
	}
	fmt.Fprintln(w)
}

func main() {
	s, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tabulate:", err)
		os.Exit(1)
	}
	if len(s.names) == 0 {
		fmt.Fprintln(os.Stderr, "tabulate: no benchmark lines on standard input")
		os.Exit(1)
	}
	decideTable(os.Stdout, s)
	denseTable(os.Stdout, s)
}
