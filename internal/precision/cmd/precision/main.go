// Command precision runs the real-world precision corpus: real modules'
// own test suites, fetched from the module proxy, run plainly with go test
// and under gridlock test (built from this checkout), and prints per suite
// both results and the findings, those the corpus lists as known to be true
// and the unexpected others. Run it from the repository's root:
//
//	go run ./internal/precision/cmd/precision [-only mod,...] [-j 1] [-timeout 5m] [-maxmem 6144] [-md] [-keep] [-v]
//
// The corpus is internal/precision/corpus.txt (see package precision for
// its format). The exit status is 1 if any suite passes plainly and fails
// under gridlock test, if there is any unexpected finding or if a module
// or suite could not be run, 2 for a bad command line or corpus, else 0.
// It needs the network (the module proxy) and takes minutes per module;
// it is not part of go test.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gridlock-go/gridlock/internal/precision"
)

func main() {
	os.Exit(run())
}

func run() int {
	corpus := flag.String("corpus", filepath.FromSlash("internal/precision/corpus.txt"), "the corpus file")
	only := flag.String("only", "", "run only these modules: comma-separated paths, path@version or last path elements")
	jobs := flag.Int("j", 1, "modules run at once")
	timeout := flag.Duration("timeout", 5*time.Minute, "go test -timeout of modules whose corpus entry names none")
	md := flag.Bool("md", false, "print the results as a Markdown table with the findings (for docs/precision.md)")
	keep := flag.Bool("keep", false, "keep the scratch directories (module copies, logs, findings)")
	scratch := flag.String("scratch", "", "directory for the module copies (default: a new temporary directory)")
	bin := flag.String("gridlock", "", "gridlock binary to use (default: built from this checkout)")
	wait := flag.Duration("wait", 0, "gridlock test's -wait (default: gridlock's own)")
	maxMem := flag.Int64("maxmem", 6<<10, "MB of memory a suite's processes may use together before they are killed (Linux); 0 for no limit")
	limit := flag.Int("limit", 10, "unexpected sites shown per suite; 0 for all")
	verbose := flag.Bool("v", false, "print progress on standard error")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: precision [flags]\n\nRun from the gridlock repository's root.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 || *jobs < 1 {
		flag.Usage()
		return 2
	}
	root, err := os.Getwd()
	if err != nil {
		return fail(err)
	}
	f, err := os.Open(*corpus)
	if err != nil {
		return fail(err)
	}
	mods, err := precision.Parse(f, *corpus)
	f.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "precision:", err)
		return 2
	}
	if *only != "" {
		mods, err = selectModules(mods, strings.Split(*only, ","))
		if err != nil {
			fmt.Fprintln(os.Stderr, "precision:", err)
			return 2
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r := &precision.ExecRunner{Gridlock: *bin, Source: root, MaxMemory: *maxMem << 20}
	if *wait > 0 {
		r.Flags = []string{"-wait", wait.String()}
	}
	if r.Gridlock == "" {
		temp, err := os.MkdirTemp("", "gridlock-precision-bin-")
		if err != nil {
			return fail(err)
		}
		defer os.RemoveAll(temp)
		r.Gridlock = filepath.Join(temp, "gridlock")
		if runtime.GOOS == "windows" {
			r.Gridlock += ".exe"
		}
		build := exec.CommandContext(ctx, "go", "build", "-o", r.Gridlock, "./cmd/gridlock")
		if out, err := build.CombinedOutput(); err != nil {
			return fail(fmt.Errorf("building gridlock (run from the repository's root): %v\n%s", err, out))
		}
	}
	o := precision.Options{
		Modules: mods,
		Runner:  r,
		Scratch: *scratch,
		Keep:    *keep,
		Jobs:    *jobs,
		Timeout: *timeout,
	}
	if *verbose {
		o.Progress = os.Stderr
	}
	if !*md {
		o.Done = func(r *precision.Result) {
			precision.WriteText(os.Stdout, r, *limit)
			if r.Dir != "" {
				fmt.Printf("  kept %s\n", r.Dir)
			}
			fmt.Println()
		}
	}
	start := time.Now()
	results, err := precision.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "precision:", err)
	}
	if *md {
		fmt.Printf("Run on %s with %s, %s/%s, -j %d, in %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), goVersion(), runtime.GOOS, runtime.GOARCH, *jobs, time.Since(start).Round(time.Second))
		precision.WriteMarkdown(os.Stdout, results, *limit)
	} else {
		fmt.Println(precision.Total(results))
	}
	if err != nil {
		return 1
	}
	for _, r := range results {
		if r == nil || r.Failed() {
			return 1
		}
	}
	return 0
}

// selectModules returns the modules named, in the corpus's order.
func selectModules(mods []*precision.Module, names []string) ([]*precision.Module, error) {
	var out []*precision.Module
	for _, n := range names {
		found := false
		for _, m := range mods {
			if n == m.Path || n == m.String() || strings.HasSuffix(m.Path, "/"+n) {
				found = true
				out = append(out, m)
			}
		}
		if !found {
			return nil, fmt.Errorf("-only: no module %q in the corpus", n)
		}
	}
	return out, nil
}

// goVersion returns the go command's version, as go version prints it.
func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "precision:", err)
	return 1
}
