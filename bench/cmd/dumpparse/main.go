// Command dumpparse reads a goroutine dump with gridlock or panicparse, so
// that /usr/bin/time can measure each one's CPU time and peak memory:
//
//	go run ./cmd/dumpparse -gen 100000 > /tmp/100k.txt
//	/usr/bin/time -v go run ./cmd/dumpparse -parser gridlock /tmp/100k.txt
//
// (build it first to leave the compiler out of the measure).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gridlock-go/gridlock/bench/dump"
	gdump "github.com/gridlock-go/gridlock/dump"
	"github.com/maruel/panicparse/v2/stack"
)

func main() {
	parser := flag.String("parser", "gridlock", "gridlock, gridlock-parse, panicparse (default grouping) or panicparse-aggressive")
	gen := flag.Int("gen", 0, "write a generated dump of this many goroutines to standard output instead")
	flag.Parse()
	if *gen > 0 {
		os.Stdout.Write(dump.Generate(*gen))
		return
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer f.Close()
	switch *parser {
	case "gridlock", "gridlock-parse":
		d, err := gdump.Parse(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if *parser == "gridlock-parse" {
			fmt.Printf("%d goroutines, %d stacks\n", len(d.Goroutines), len(d.Stacks))
			return
		}
		a := gdump.Analyze(d)
		fmt.Printf("%d goroutines, %d buckets, verdict %q\n", d.Total(), len(a.Buckets), a.Verdict())
	case "panicparse", "panicparse-aggressive":
		s, _, err := stack.ScanSnapshot(bufio.NewReader(f), io.Discard, &stack.Opts{})
		if err != nil && err != io.EOF {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		sim := stack.AnyPointer
		if *parser == "panicparse-aggressive" {
			sim = stack.AnyValue
		}
		a := s.Aggregate(sim)
		fmt.Printf("%d goroutines, %d buckets\n", len(s.Goroutines), len(a.Buckets))
	default:
		fmt.Fprintln(os.Stderr, "unknown parser", *parser)
		os.Exit(2)
	}
}
