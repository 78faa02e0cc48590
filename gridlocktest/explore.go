package gridlocktest

import (
	"fmt"
	"testing"

	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/report"
)

// An ExploreOption configures Explore.
type ExploreOption func(*sched.Config)

// Schedules sets how many schedules Explore runs at most (default 1000).
func Schedules(n int) ExploreOption { return func(c *sched.Config) { c.Schedules = n } }

// Strategy sets how Explore chooses the goroutine that runs next: "pct"
// (the default), "random" or "dfs". An unknown name fails the test.
func Strategy(name string) ExploreOption {
	return func(c *sched.Config) {
		s, err := sched.ParseStrategy(name)
		if err != nil {
			panic(err)
		}
		c.Strategy = s
	}
}

// Depth sets PCT's bug depth, or DFS's bound on preemptions (default 3).
func Depth(d int) ExploreOption { return func(c *sched.Config) { c.Depth = d } }

// Seed sets the seed of the schedules (default: random, printed on failure).
func Seed(s uint64) ExploreOption { return func(c *sched.Config) { c.Seed = s } }

// Replay runs the one schedule of a token printed by a failure.
func Replay(token string) ExploreOption {
	return func(c *sched.Config) {
		t, err := sched.ParseToken(token)
		if err != nil {
			panic(err)
		}
		c.Replay = &t
	}
}

// Explore runs f(t) again and again, each time under another schedule of
// gridlock's controlled scheduler: the goroutines f starts through
// gridlock.Go run one at a time, switching only at gridlock's operations
// (the locks and wait groups of gridlock/sync, gridlock's channel hooks
// and Chan, Select, Semaphore), in an order chosen by a strategy. It
// stops at the first schedule that gives a finding (a deadlock is
// reported at once, when no goroutine can run), fails t, or panics, and
// fails t with the finding and the token that replays the schedule
// (Replay). When every schedule passes, it logs how many ran.
//
// f must not call t.Parallel, and explored tests must not run in parallel
// with each other. Goroutines that f does not start through gridlock.Go
// (or a rewritten go statement) run freely.
func Explore(t *testing.T, f func(t *testing.T), opts ...ExploreOption) {
	t.Helper()
	var cfg sched.Config
	for _, o := range opts {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("gridlocktest.Explore: %v", p)
				}
			}()
			o(&cfg)
		}()
	}
	sched.Explore(t, cfg, func() { f(t) }, func(r sched.Result) {
		if !r.Failed {
			how := fmt.Sprintf("%d schedules", r.Schedules)
			if r.Exhausted {
				how += " (every schedule within the bound)"
			}
			t.Logf("gridlock explore: %s (%s), nothing found", how, r.Strategy)
			return
		}
		msg := fmt.Sprintf("gridlock explore: schedule %d (%s, seed %d) failed", r.Schedules, r.Strategy, r.Seed)
		if r.Finding != nil {
			msg += ":\n" + report.Text(r.Finding)
		}
		msg += "\nreplay: gridlocktest.Replay(" + fmt.Sprintf("%q", r.Replay) + ")"
		if r.Depended != "" {
			msg += "\nnote: the schedule depended on what explore does not control (" + r.Depended + "): a replay may differ"
		}
		t.Error(msg)
	})
}

// ExploreTest is what gridlock explore adds to the start of every test
// function of the packages it explores ("defer
// gridlocktest.ExploreTest(t)()"): in a test binary run by gridlock
// explore, it runs the test under the next schedule and the function it
// returns ends it; otherwise both do nothing.
func ExploreTest(t *testing.T) func() { return sched.TestStart(t) }

// Run is what gridlock explore rewrites t.Run(name, f) into: under a
// schedule the subtest runs in it, its goroutine one of the schedule's,
// and a failure names the subtest; otherwise it is t.Run(name, f).
func Run(t *testing.T, name string, f func(t *testing.T)) bool { return sched.Run(t, name, f) }

// Parallel is what gridlock explore rewrites t.Parallel() into: under a
// schedule it does nothing (the test runs in the schedule, at once, as if
// it were not parallel); otherwise it is t.Parallel().
func Parallel(t *testing.T) { sched.Parallel(t) }
