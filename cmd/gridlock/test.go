package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/gridlock-go/gridlock/internal/sched"
)

var testCmd = &command{
	name:  "test",
	usage: "[flags] [packages] [-- go test flags]",
	short: "run packages' tests with deadlock detection, without editing them",
	long: `
Test runs the tests of the named packages (default ".") as go test does,
with deadlock detection on, and changes no file of yours: the packages'
files, their tests and the other packages of your module that they import
are compiled from an overlay (go help build, -overlay) in which they import
github.com/gridlock-go/gridlock/sync instead of sync, and in which their
channel operations, select statements and go statements call gridlock's
hooks, every line kept in place, so that findings point at your files and
lines and name goroutines after the functions they run. Your module need not
depend on gridlock: the build adds gridlock's source through a generated
go.work, from the module cache or the clone this command was built from
(set GRIDLOCK_SRC to choose another), with no network.

Findings are printed on standard error as they come: lock-order
inversions, recursive locks, locks held across a blocking operation, and
circular waits through locks, channels, selects, wait groups and
conditions as they happen; at a hang, when a test binary made no progress
for -wait (or its go test timeout is near), the goroutines blocked for
good, after which the hung binary is stopped instead of waiting out its
timeout; and when a test binary is done, the goroutines its tests left
blocked for good (partial-deadlock).

With -jitter, the goroutines of the tests yield the processor, or sleep a
few microseconds, now and then at instrumented operations, in a seeded
pseudo-random order: the cheap stress mode for whole suites, to make
interleavings that rarely happen on their own happen. The seed is printed
with each finding; -jitter-seed S runs with seed S again (the order of
goroutines still varies with the machine). For exploring a test's
interleavings one by one, with schedules that replay exactly, see gridlock
explore.

Arguments after the packages, from the first that starts with "-" (a "--"
before them is dropped), are go test flags, e.g.

	gridlock test ./... -- -run TestTransfer -count=3

and, as with go test, those go test does not know are the test binary's
own (gridlock test ./pkg -- -update), and everything after -args is
passed to the test binary as it is.

The exit status is 1 if anything was found, 2 if the packages do not load
or build (go's own message is printed, nothing else), and otherwise that
of go test.`,
	run: runTest,
}

func runTest(ctx *env, args []string) (int, error) {
	fs := newFlagSet(ctx)
	var flags commonFlags
	flags.register(fs)
	jitter := fs.Bool("jitter", false, "stress: yield or sleep a few microseconds now and then at instrumented operations, in a seeded order printed with each finding")
	jitterSeed := fs.Uint64("jitter-seed", 0, "-jitter with this `seed` (repeats a run's order of yields)")
	if code, err := parseFlags(fs, args); err != nil {
		return code, err
	}
	if *jitter && *jitterSeed == 0 {
		*jitterSeed = rand.Uint64()>>12 | 1
	}
	if flags.wait <= 0 {
		return exitUsage, errors.New("-wait must be positive")
	}
	patterns, goFlags := splitArgs(fs.Args())
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	// own are go test's flags and the binary's flags go test passes on;
	// what follows -args is the binary's alone.
	own := goFlags
	if i := slices.IndexFunc(goFlags, func(f string) bool { return f == "-args" || f == "--args" }); i >= 0 {
		own = goFlags[:i]
	}
	s, code, err := newSession(ctx, &flags, patterns, own, true)
	if err != nil {
		return code, err
	}
	defer s.close()
	if *jitterSeed != 0 {
		s.jitterSeed = *jitterSeed
		s.env = append(s.env, fmt.Sprintf("%s=%d", sched.JitterEnv, *jitterSeed))
		s.logf("gridlock: jitter seed %d", *jitterSeed)
	}
	var tested []string
	for _, t := range s.plan.Targets {
		if t.Tests {
			tested = append(tested, t.Path)
		}
	}
	if len(tested) == 0 {
		return exitBuild, fmt.Errorf("no test files in %s", strings.Join(patterns, " "))
	}
	sup := s.supervisor()
	timeout := 10 * time.Minute
	if v, ok := flagValue(own, "timeout", "test.timeout"); ok {
		if d, err := time.ParseDuration(v); err == nil {
			timeout = d
		}
	}
	sup.Timeout = timeout
	userJSON := slices.ContainsFunc(own, func(f string) bool { return f == "-json" || f == "--json" || f == "-json=true" })
	verbose := flags.verbose || slices.ContainsFunc(own, func(f string) bool { return f == "-v" || f == "--v" || f == "-v=true" || f == "-test.v" })
	goArgs := []string{"test", "-json", "-overlay", s.plan.OverlayFile}
	if _, ok := flagValue(own, "count", "test.count"); !ok {
		// A cached result runs nothing, and so finds nothing.
		goArgs = append(goArgs, "-count=1")
	}
	// The packages go before the user's flags, as go test wants them when
	// some of those are the test binary's own (-update): go test takes
	// the flags after the packages that it does not know for the binary's.
	goArgs = append(goArgs, patterns...)
	goArgs = append(goArgs, userTestFlags(goFlags)...)
	cmd := exec.Command("go", goArgs...)
	cmd.Env = s.env
	cmd.Dir = s.dir
	cmd.Stderr = ctx.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 1, err
	}
	s.logf("gridlock: go %s", strings.Join(goArgs, " "))
	// An interrupt reaches go test too; wait for it to end so that the
	// temporary directory can be removed.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 1, err
	}
	out := &testOutput{w: ctx.stdout, errw: ctx.stderr, verbose: verbose, raw: userJSON, buf: make(map[string][]string)}
	events := make(chan testEvent)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			line := sc.Bytes()
			var ev testEvent
			if json.Unmarshal(line, &ev) != nil || ev.Action == "" {
				fmt.Fprintf(ctx.stdout, "%s\n", line) // not an event: pass it on
				continue
			}
			ev.raw = append([]byte(nil), line...)
			events <- ev
		}
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	buildFailed := false
loop:
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				break loop
			}
			if ev.Action == "build-fail" || ev.FailedBuild != "" {
				buildFailed = true
			}
			out.event(ev)
			if ev.Package == "" {
				continue
			}
			sup.Progress(ev.Package, time.Now())
			if ev.Test == "" && (ev.Action == "pass" || ev.Action == "fail" || ev.Action == "skip") {
				sup.Done(ev.Package)
			}
		case <-tick.C:
			sup.Poll()
		case <-sigs:
		}
	}
	err = cmd.Wait()
	sup.Finish()
	status := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return 1, err
		}
		status = ee.ExitCode()
	}
	if buildFailed {
		return exitBuild, errSilent
	}
	return s.finish(status)
}

// userTestFlags returns the user's go test flags as gridlock test passes
// them on, after the packages: without -json, which gridlock test sets
// itself, except after -args, where everything is the test binary's.
func userTestFlags(goFlags []string) []string {
	var out []string
	for i, f := range goFlags {
		if f == "-args" || f == "--args" {
			return append(out, goFlags[i:]...)
		}
		if f == "-json" || f == "--json" || f == "-json=true" || f == "--json=true" {
			continue
		}
		out = append(out, f)
	}
	return out
}

// testEvent is an event of go test -json (see go doc test2json).
type testEvent struct {
	Action      string
	Package     string
	ImportPath  string // build-output and build-fail
	Test        string
	Output      string
	FailedBuild string
	raw         []byte
}

// testOutput prints go test's events the way go test would without -json:
// all output with -v; otherwise the package lines, and the output of the
// tests that fail.
type testOutput struct {
	w       io.Writer
	errw    io.Writer // build errors, as go test prints them
	verbose bool
	raw     bool
	buf     map[string][]string
}

func (o *testOutput) event(ev testEvent) {
	if o.raw {
		fmt.Fprintf(o.w, "%s\n", ev.raw)
		return
	}
	switch ev.Action {
	case "build-output":
		io.WriteString(o.errw, ev.Output)
		return
	case "output":
	case "fail", "pass", "skip":
		if ev.Test == "" && !o.verbose {
			o.flush(ev.Package)
		}
		if ev.Test != "" && !o.verbose {
			key := ev.Package + "\x00" + ev.Test
			if ev.Action == "fail" {
				for _, l := range o.buf[key] {
					io.WriteString(o.w, l)
				}
			}
			delete(o.buf, key)
		}
		return
	default:
		return
	}
	if o.verbose {
		io.WriteString(o.w, ev.Output)
		return
	}
	if ev.Test != "" {
		key := ev.Package + "\x00" + ev.Test
		o.buf[key] = append(o.buf[key], ev.Output)
		return
	}
	if ev.Output == "PASS\n" || strings.HasPrefix(ev.Output, "=== ") {
		return
	}
	o.flush(ev.Package)
	io.WriteString(o.w, ev.Output)
}

// flush prints what the unfinished tests of pkg said: the binary is done,
// as when it was stopped in the middle of a test.
func (o *testOutput) flush(pkg string) {
	var keys []string
	for key := range o.buf {
		if strings.HasPrefix(key, pkg+"\x00") {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	for _, key := range keys {
		for _, l := range o.buf[key] {
			io.WriteString(o.w, l)
		}
		delete(o.buf, key)
	}
}
