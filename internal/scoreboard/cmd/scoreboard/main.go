// Command scoreboard runs gridlock test on the kernel corpus and prints
// what it found in each kernel against what the kernel expects, as a
// Markdown table with totals. Run it from the repository's root:
//
//	go run ./internal/scoreboard/cmd/scoreboard [-wait 2s] [-v] [-explore] [pattern]
//
// With -explore, it also runs gridlock explore at its default settings on
// each kernel and adds the explore column.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gridlock-go/gridlock/internal/scoreboard"
)

func main() {
	wait := flag.Duration("wait", 2*time.Second, "gridlock test's hang threshold")
	verbose := flag.Bool("v", false, "show gridlock test's output")
	explore := flag.Bool("explore", false, "also run gridlock explore on each kernel (the explore column)")
	flag.Parse()
	root, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scoreboard:", err)
		os.Exit(1)
	}
	o := scoreboard.Options{Root: root, Wait: *wait, Pattern: flag.Arg(0), Explore: *explore}
	if *verbose {
		o.Stderr = os.Stderr
	}
	b, err := scoreboard.Run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scoreboard:", err)
		os.Exit(1)
	}
	b.WriteMarkdown(os.Stdout)
	if t := b.Totals(); t.CorrectSilent < t.Correct || *explore && t.ExploreSilent < t.Correct {
		os.Exit(1)
	}
}
