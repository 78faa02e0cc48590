// Command ratios turns the output of the benchmarks (go test -bench, any
// -count) into a Markdown table: per benchmark, the median of each
// implementation and its ratio to sync's (or to the native channel's),
// and the medians of extra metrics such as peak-MB:
//
//	cd bench/locks && go test -c -o /tmp/locks.test . &&
//	  /tmp/locks.test -test.run '^$' -test.bench . -test.count 6 | tee /tmp/locks.txt
//	go run ./cmd/ratios /tmp/locks.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	base := flag.String("base", "sync,native", "the implementations ratios are taken to, in order of preference")
	flag.Parse()
	var in io.Reader = os.Stdin
	if flag.NArg() > 0 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "ratios:", err)
			os.Exit(2)
		}
		defer f.Close()
		in = f
	}
	t, err := read(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(2)
	}
	t.write(os.Stdout, strings.Split(*base, ","))
}

// A table holds the samples of each benchmark, implementation and unit.
type table struct {
	benches []string // in order of first appearance
	impls   []string
	samples map[key][]float64
	units   []string
}

type key struct{ bench, impl, unit string }

// read parses benchmark lines such as
//
//	BenchmarkScale/impl=gridlock-2  1  9135538018 ns/op  335.2 after-MB
func read(r io.Reader) (*table, error) {
	t := &table{samples: make(map[key][]float64)}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		bench, impl, ok := strings.Cut(name, "/impl=")
		if !ok {
			continue
		}
		if !slices.Contains(t.benches, bench) {
			t.benches = append(t.benches, bench)
		}
		if !slices.Contains(t.impls, impl) {
			t.impls = append(t.impls, impl)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %q: value %q: %v", sc.Text(), f[i], err)
			}
			unit := f[i+1]
			if unit == "B/op" || unit == "allocs/op" {
				continue
			}
			if !slices.Contains(t.units, unit) {
				t.units = append(t.units, unit)
			}
			k := key{bench, impl, unit}
			t.samples[k] = append(t.samples[k], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(t.benches) == 0 {
		return nil, fmt.Errorf("no benchmark lines with /impl= in the input")
	}
	return t, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// write prints one row per benchmark and unit measured.
func (t *table) write(w io.Writer, bases []string) {
	fmt.Fprintf(w, "| benchmark | unit | %s |\n", strings.Join(t.impls, " | "))
	fmt.Fprintf(w, "|---|---|%s\n", strings.Repeat("---|", len(t.impls)))
	for _, b := range t.benches {
		for _, u := range t.units {
			base := 0.0
			for _, bi := range bases {
				if xs := t.samples[key{b, bi, u}]; len(xs) > 0 {
					base = median(xs)
					break
				}
			}
			var cells []string
			any := false
			for _, impl := range t.impls {
				xs := t.samples[key{b, impl, u}]
				if len(xs) == 0 {
					cells = append(cells, "")
					continue
				}
				any = true
				m := median(xs)
				c := format(m, u)
				if base > 0 && m != base {
					c += fmt.Sprintf(" (%.2gx)", m/base)
				}
				cells = append(cells, c)
			}
			if any {
				fmt.Fprintf(w, "| %s | %s | %s |\n", b, u, strings.Join(cells, " | "))
			}
		}
	}
}

func format(v float64, unit string) string {
	if unit == "ns/op" {
		switch {
		case v >= 1e9:
			return fmt.Sprintf("%.3g s", v/1e9)
		case v >= 1e6:
			return fmt.Sprintf("%.3g ms", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.3g µs", v/1e3)
		}
		return fmt.Sprintf("%.3g ns", v)
	}
	return fmt.Sprintf("%.4g", v)
}
