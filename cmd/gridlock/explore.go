package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gridlock-go/gridlock/agent"
	"github.com/gridlock-go/gridlock/internal/overlay"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/report"
)

var exploreCmd = &command{
	name:  "explore",
	usage: "[-schedules N] [-strategy pct|random|dfs] [-depth D] [-seed S] [-replay TOKEN] [-json file] [-C dir] [packages] [-- go test flags]",
	short: "run packages' tests under a controlled scheduler, to make rare interleavings happen and replay them",
	long: `
Explore runs each test of the named packages (default ".") many times, each
time under another schedule of a controlled scheduler, with the same
overlay as gridlock test (no file of yours is changed). In each schedule the
goroutines of the test (its own, its subtests' and those their go
statements start) run one at a time, switching only at gridlock's
instrumented operations: lock, unlock, channel operations, selects (with
a default case too), go statements, WaitGroup, Cond, Once, Semaphore, and
sleeps. Time is virtual: sleeps and timers (time.Sleep, After, NewTimer,
AfterFunc, NewTicker, Tick) take no real time. A strategy chooses who
runs next:

	pct     probabilistic concurrency testing (Burckhardt et al., ASPLOS
	        2010): random priorities with depth-1 priority-change points;
	        a bug of depth d is found with a known probability (default)
	random  a random goroutine at every step
	dfs     every schedule with at most -depth preemptions, in order; it
	        says when the space was exhausted

A goroutine that cannot go on (a lock taken, a channel not ready) waits in
the scheduler, so a deadlock is exact: when no goroutine of the test can
run, the blocked ones are reported at once, a circular wait as deadlock,
the rest as partial-deadlock.

Explore stops at the first schedule that gives a finding, fails the test
or hangs (no schedule ended for -wait), prints what happened and the
command that replays that schedule, and exits with status 1:

	gridlock explore -replay TOKEN ./pkg -- -run '^TestX$'

When nothing is found it says how many schedules ran and exits 0.

What the scheduler cannot control runs freely: goroutines started by
code outside your module or by the standard library, real I/O, cgo,
channels made before the test, a context's Done channel. A schedule that
depended on it says so: its replay may differ. See docs/explore.md.

Arguments after the packages, from the first that starts with "-", are
go test flags: build flags (-tags, -race) and -run, -skip, -v, -timeout.`,
	run: runExplore,
}

type exploreFlags struct {
	commonFlags
	schedules int
	strategy  string
	depth     int
	seed      uint64
	replay    string
}

// exploreRecord is one failure in -json output.
type exploreRecord struct {
	Package string `json:"package"`
	Test    string `json:"test"`
	Replay  string `json:"replay"`
	// Failure is the test's output when it failed without a finding.
	Failure string `json:"failure,omitempty"`
	// Depended says why a replay may differ.
	Depended string `json:"depended,omitempty"`
	*report.Finding
}

func runExplore(ctx *env, args []string) (int, error) {
	fs := newFlagSet(ctx)
	var f exploreFlags
	f.commonFlags.register(fs)
	fs.IntVar(&f.schedules, "schedules", sched.DefaultSchedules, "run at most `N` schedules of each test")
	fs.StringVar(&f.strategy, "strategy", "pct", "how to choose the goroutine that runs next: pct, random or dfs")
	fs.IntVar(&f.depth, "depth", sched.DefaultDepth, "pct: the bug depth; dfs: the bound on preemptions")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the schedules (default: random, printed)")
	fs.StringVar(&f.replay, "replay", "", "run the one schedule of `token` (printed by a failure)")
	if code, err := parseFlags(fs, args); err != nil {
		return code, err
	}
	strat, err := sched.ParseStrategy(f.strategy)
	if err != nil {
		return exitUsage, err
	}
	if f.schedules <= 0 || f.depth <= 0 || f.wait <= 0 {
		return exitUsage, errors.New("-schedules, -depth and -wait must be positive")
	}
	if f.replay != "" {
		tok, err := sched.ParseToken(f.replay)
		if err != nil {
			return exitUsage, err
		}
		f.schedules, strat = 1, tok.Strategy
	}
	if f.seed == 0 {
		f.seed = rand.Uint64()>>12 | 1
	}
	patterns, goFlags := splitArgs(fs.Args())
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	own, binArgs := goFlags, []string(nil)
	if i := slices.IndexFunc(goFlags, func(a string) bool { return a == "-args" || a == "--args" }); i >= 0 {
		own, binArgs = goFlags[:i], goFlags[i+1:]
	}
	steps := overlay.ExploreSteps()
	s, code, err := newSession(ctx, &f.commonFlags, patterns, own, true, steps...)
	if err != nil {
		return code, err
	}
	defer s.close()
	var targets []*overlay.Target
	for _, t := range s.plan.Targets {
		if t.Tests {
			targets = append(targets, t)
		}
	}
	if len(targets) == 0 {
		return exitBuild, fmt.Errorf("no test files in %s", strings.Join(patterns, " "))
	}
	cfg := fmt.Sprintf("strategy=%s,schedules=%d,depth=%d,seed=%d", strat, f.schedules, f.depth, f.seed)
	if f.replay != "" {
		cfg += ",replay=" + f.replay
	}
	s.logf("gridlock: explore %s", cfg)
	var env []string
	for _, kv := range s.env {
		if k, _, _ := strings.Cut(kv, "="); k != agent.DirEnv && k != sched.EnvVar {
			env = append(env, kv)
		}
	}
	total, tests, exhausted := 0, 0, true
	for i, t := range targets {
		bin := filepath.Join(s.temp, fmt.Sprintf("explore%d.test", i))
		build := append([]string{"test", "-c", "-o", bin, "-overlay", s.plan.OverlayFile}, buildFlags(own)...)
		build = append(build, t.Path)
		cmd := exec.Command("go", build...)
		cmd.Dir, cmd.Env = s.dir, s.env
		if out, err := cmd.CombinedOutput(); err != nil {
			ctx.stderr.Write(out)
			return exitBuild, errSilent
		}
		if _, err := os.Stat(bin); err != nil {
			continue // no test files after all
		}
		out := filepath.Join(s.temp, fmt.Sprintf("explore%d.jsonl", i))
		res, output, hang, err := runExploreBinary(s, bin, t.Dir, append(env, sched.EnvVar+"="+cfg+",out="+out), out, f.schedules, own, binArgs)
		if err != nil {
			return 1, err
		}
		if hang != "" {
			name, tok, _ := strings.Cut(hang, "\t")
			fmt.Fprintf(ctx.stderr, "gridlock explore: %s hung under a schedule (no schedule ended for %v)\n", name, f.wait)
			r := sched.Result{Test: name, Replay: tok, Failed: true}
			// What the engine found before the hang, if anything, is the
			// finding.
			if b, err := os.ReadFile(sched.FindingFile(out)); err == nil {
				var fd report.Finding
				if json.Unmarshal(b, &fd) == nil && fd.Kind != "" {
					r.Finding = &fd
				}
			}
			return exploreFailed(ctx, &f, t.Path, r, output, testPattern(name))
		}
		var failed *sched.Result
		seen := map[string]bool{}
		for _, r := range res {
			if r.Failed && failed == nil {
				failed = &r
			}
			if !seen[r.Test] {
				seen[r.Test] = true
				tests++
			}
		}
		if failed != nil {
			run := testPattern(failed.Test)
			if top, _, sub := strings.Cut(failed.Test, "/"); sub && failed.Replay != "" {
				// The schedule ran every subtest of the test: the replay
				// of the one that failed alone is exact only if the
				// others did not change the schedule. Try it.
				run = testPattern(top)
				rcfg := fmt.Sprintf("strategy=%s,schedules=1,depth=%d,seed=%d,replay=%s", strat, f.depth, f.seed, failed.Replay)
				rout := out + ".sub"
				own2 := append(slices.Clone(own), "-run", testPattern(failed.Test))
				again, _, hang, err := runExploreBinary(s, bin, t.Dir, append(env, sched.EnvVar+"="+rcfg+",out="+rout), rout, 1, own2, binArgs)
				if err == nil && hang == "" && sameFailure(again, failed) {
					run = testPattern(failed.Test)
				}
			}
			return exploreFailed(ctx, &f, t.Path, *failed, output, run)
		}
		if output.failed {
			ctx.stderr.Write(output.text.Bytes())
			return 1, fmt.Errorf("%s: the test binary failed outside any schedule", t.Path)
		}
		last := map[string]sched.Result{}
		for _, r := range res {
			last[r.Test] = r
		}
		for _, r := range last {
			total += r.Schedules
			exhausted = exhausted && r.Exhausted
		}
	}
	if f.json != "" {
		if err := writeJSON(ctx, f.json, []exploreRecord{}); err != nil {
			return 1, err
		}
	}
	what := fmt.Sprintf("%d schedules of %d tests (%s, depth %d, seed %d)", total, tests, strat, f.depth, f.seed)
	if f.replay != "" {
		what = "the schedule " + f.replay
	}
	fmt.Fprintf(ctx.stderr, "gridlock explore: %s: nothing found\n", what)
	if strat == sched.DFS && tests > 0 && exhausted {
		fmt.Fprintf(ctx.stderr, "gridlock explore: every schedule with at most %d preemptions was run\n", f.depth)
	}
	return 0, nil
}

// binOutput is what a test binary printed.
type binOutput struct {
	text   bytes.Buffer
	failed bool
}

// runExploreBinary runs a test binary under the scheduler and returns the
// results it wrote, its output, and, if it hung, the schedule that ran
// ("test\ttoken").
func runExploreBinary(s *session, bin, dir string, env []string, out string, schedules int, own, binArgs []string) ([]sched.Result, *binOutput, string, error) {
	args := []string{fmt.Sprintf("-test.count=%d", schedules), "-test.failfast", "-test.timeout=0"}
	run := "^Test"
	if v, ok := flagValue(own, "run", "test.run"); ok {
		run = v
	}
	args = append(args, "-test.run="+run)
	if v, ok := flagValue(own, "skip", "test.skip"); ok {
		args = append(args, "-test.skip="+v)
	}
	if slices.ContainsFunc(own, func(f string) bool { return f == "-v" || f == "-test.v" || f == "-v=true" }) {
		args = append(args, "-test.v=true")
	}
	args = append(args, binArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	o := &binOutput{}
	cmd.Stdout, cmd.Stderr = &o.text, &o.text
	if err := cmd.Start(); err != nil {
		return nil, nil, "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	start := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	hang := ""
	for hang == "" {
		select {
		case err := <-done:
			o.failed = err != nil
			res, rerr := readResults(out)
			return res, o, "", rerr
		case <-tick.C:
			last := start
			if st, err := os.Stat(out + ".cur"); err == nil && st.ModTime().After(last) {
				last = st.ModTime()
			}
			if time.Since(last) > s.flags.wait {
				cur, _ := os.ReadFile(out + ".cur")
				hang = string(cur)
				if hang == "" {
					hang = "the test binary\t"
				}
			}
		}
	}
	cmd.Process.Kill()
	<-done
	return nil, o, hang, nil
}

func readResults(path string) ([]sched.Result, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var res []sched.Result
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var r sched.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		res = append(res, r)
	}
	return res, sc.Err()
}

// testPattern returns the -run pattern that selects test, a test or a
// subtest ("TestX/sub"), alone.
func testPattern(test string) string {
	parts := strings.Split(test, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// sameFailure reports whether res holds the failure of want: the same
// test, and the same finding if it had one.
func sameFailure(res []sched.Result, want *sched.Result) bool {
	for _, r := range res {
		if !r.Failed || r.Test != want.Test {
			continue
		}
		if want.Finding == nil || r.Finding != nil && r.Finding.Key == want.Finding.Key {
			return true
		}
	}
	return false
}

// exploreFailed prints a failed schedule and how to replay it (with -run
// run).
func exploreFailed(ctx *env, f *exploreFlags, pkg string, r sched.Result, o *binOutput, run string) (int, error) {
	rec := exploreRecord{Package: pkg, Test: r.Test, Replay: r.Replay, Depended: r.Depended, Finding: r.Finding}
	if r.Finding != nil {
		ctx.stderr.Write([]byte(report.Text(r.Finding)))
	} else if o != nil {
		rec.Failure = o.text.String()
		ctx.stderr.Write(o.text.Bytes())
	}
	if r.Depended != "" {
		fmt.Fprintf(ctx.stderr, "gridlock explore: the schedule depended on what the scheduler does not control (%s): a replay may differ\n", r.Depended)
	}
	if r.Replay != "" {
		fmt.Fprintf(ctx.stderr, "gridlock explore: %s failed under schedule %d; replay it with:\n\tgridlock explore -replay %s %s -- -run '%s'\n", r.Test, r.Schedules, r.Replay, pkg, run)
	}
	if f.json != "" {
		if err := writeJSON(ctx, f.json, []exploreRecord{rec}); err != nil {
			return 1, err
		}
	}
	return 1, nil
}

func writeJSON(ctx *env, path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = ctx.stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
