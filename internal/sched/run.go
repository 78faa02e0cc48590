package sched

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/report"
)

// A Result is the outcome of exploring a test.
type Result struct {
	Test      string          `json:"test"`
	Schedules int             `json:"schedules"`          // schedules run
	Replay    string          `json:"replay,omitempty"`   // the token of the schedule that failed
	Finding   *report.Finding `json:"finding,omitempty"`  // what it found; nil for a plain test failure
	Failed    bool            `json:"failed,omitempty"`   // the schedule failed (finding, test failure or panic)
	Depended  string          `json:"depended,omitempty"` // why a replay may differ
	Exhausted bool            `json:"exhausted,omitempty"`
	Strategy  string          `json:"strategy,omitempty"`
	Seed      uint64          `json:"seed,omitempty"`
}

// Findings the engine delivered while schedules ran: a schedule fails on
// any.
var (
	hookOnce  sync.Once
	engineMu  sync.Mutex
	engineN   atomic.Int64
	engineLst *report.Finding
)

func hookEngine() {
	hookOnce.Do(func() {
		o := engine.CurrentOptions()
		prev := o.OnFinding
		o.OnFinding = func(f *report.Finding) {
			if prev != nil {
				prev(f)
			}
			s := Active()
			if s == nil || !s.involves(f) {
				// Not about this schedule: goroutines an earlier
				// schedule left parked after its finding, say.
				return
			}
			engineMu.Lock()
			if engineLst == nil {
				engineLst = f
				saveEngineFinding(f)
			}
			engineMu.Unlock()
			engineN.Add(1)
		}
		engine.Configure(o)
	})
}

// FindingFile is where a test binary run by gridlock explore writes the
// first finding the engine makes while a schedule runs, next to its
// results (out): if the schedule then hangs, gridlock explore reports it.
func FindingFile(out string) string { return out + ".finding" }

// saveEngineFinding writes f to FindingFile in a binary run by gridlock
// explore. Called with engineMu held.
func saveEngineFinding(f *report.Finding) {
	if env.out == "" {
		return
	}
	if b, err := json.Marshal(f); err == nil {
		os.WriteFile(FindingFile(env.out), b, 0o644)
	}
}

func takeEngineFinding() *report.Finding {
	engineMu.Lock()
	defer engineMu.Unlock()
	f := engineLst
	engineLst = nil
	return f
}

// A run is one schedule of a test, from its root.
type run struct {
	s      *Sched
	before int64
	gid    uint64 // the root
}

func startRun(t testing.TB, tok Token) *run {
	hookEngine()
	takeEngineFinding()
	r := &run{s: New(tok), before: engineN.Load(), gid: engine.Goid()}
	if !r.s.Start() {
		t.Fatal("gridlock explore: another schedule is running: explored tests must not run in parallel")
	}
	r.s.mu.Lock()
	r.s.gs[0].name = t.Name()
	r.s.mu.Unlock()
	return r
}

// end ends the run and fills res if it failed; it reports whether it did.
func (r *run) end(t testing.TB, res *Result, recovered bool) bool {
	if !recovered {
		r.s.Drain(r.gid)
	}
	r.s.Finish()
	f := r.s.Finding()
	if f == nil && engineN.Load() > r.before {
		f = takeEngineFinding()
	}
	if f == nil && !t.Failed() && !recovered {
		return false
	}
	res.Failed = true
	res.Finding = f
	if sub := r.s.Failed(); sub != "" {
		res.Test = sub // the subtest in which it failed
	}
	res.Replay = r.s.Token().String()
	res.Depended = r.s.Depended()
	return true
}

// Explore runs body under the schedules of cfg, from the calling test
// goroutine, until one fails (a finding, a test failure, a panic), and
// then calls done with the result; done is called in every case, from a
// deferred call when the test goroutine ends early.
func Explore(t testing.TB, cfg Config, body func(), done func(Result)) {
	ex := NewExplorer(cfg)
	res := Result{Test: t.Name(), Strategy: ex.cfg.Strategy.String(), Seed: ex.cfg.Seed}
	var r *run
	ok := false
	defer func() {
		if ok {
			return
		}
		// The schedule ended the test goroutine (a deadlock found, a
		// FailNow) or body panicked.
		p := recover()
		if r != nil {
			r.end(t, &res, true)
			res.Schedules = ex.Count()
		}
		done(res)
		if p != nil {
			panic(p)
		}
	}()
	for {
		tok, more := ex.Next()
		if !more {
			break
		}
		r = startRun(t, tok)
		r.s.unabortable = func(f *report.Finding) {
			// The test's goroutine waits for good out of control and
			// cannot be ended: report from here; it stays blocked.
			res.Failed, res.Finding, res.Replay, res.Depended = true, f, r.s.Token().String(), r.s.Depended()
			res.Schedules = ex.Count()
			done(res)
		}
		body()
		failed := r.end(t, &res, false)
		ex.Ran(r.s)
		if failed {
			break
		}
	}
	ok = true
	res.Schedules = ex.Count()
	res.Exhausted = ex.Exhausted()
	done(res)
}

// EnvVar configures gridlock explore in a test binary built by it:
// "strategy=pct,schedules=1000,depth=3,seed=1,replay=TOKEN,out=FILE".
const EnvVar = "GRIDLOCK_EXPLORE"

type envConfig struct {
	cfg Config
	out string
	err error
}

var (
	envOnce sync.Once
	env     envConfig
	testsMu sync.Mutex
	tests   = map[string]*Explorer{}
)

func readEnv() {
	v := os.Getenv(EnvVar)
	if v == "" {
		return
	}
	env.cfg = Config{}
	for kv := range strings.SplitSeq(v, ",") {
		k, val, _ := strings.Cut(kv, "=")
		var err error
		switch k {
		case "strategy":
			env.cfg.Strategy, err = ParseStrategy(val)
		case "schedules":
			env.cfg.Schedules, err = strconv.Atoi(val)
		case "depth":
			env.cfg.Depth, err = strconv.Atoi(val)
		case "seed":
			env.cfg.Seed, err = strconv.ParseUint(val, 10, 64)
		case "replay":
			var tok Token
			tok, err = ParseToken(val)
			env.cfg.Replay = &tok
		case "out":
			env.out = val
		}
		if err != nil && env.err == nil {
			env.err = fmt.Errorf("%s: %s: %v", EnvVar, kv, err)
		}
	}
}

// TestStart runs one schedule of test t if the binary runs under gridlock
// explore (see EnvVar); the schedule ends in a cleanup of t, after the
// test's own. gridlock explore adds "defer gridlocktest.ExploreTest(t)()"
// to every test function (the function returned does nothing: a deferred
// call is what fits on the line of the opening brace). Each run of the
// test (go test -count) runs the next schedule.
func TestStart(t *testing.T) func() {
	envOnce.Do(readEnv)
	if os.Getenv(EnvVar) == "" {
		return func() {}
	}
	if env.err != nil {
		t.Fatal(env.err)
	}
	testsMu.Lock()
	ex := tests[t.Name()]
	if ex == nil {
		ex = NewExplorer(env.cfg)
		tests[t.Name()] = ex
	}
	tok, more := ex.Next()
	testsMu.Unlock()
	if !more {
		t.SkipNow() // every schedule was run: DFS exhausted its space
	}
	if env.out != "" {
		// Which schedule runs, for gridlock explore to name at a hang.
		os.WriteFile(env.out+".cur", []byte(t.Name()+"\t"+tok.String()), 0o644)
	}
	if Active() != nil {
		// Another test's schedule runs: this one is parallel to it
		// (t.Parallel), or the process jitters. It runs unexplored.
		t.Log("gridlock explore: another schedule is running (a parallel test?): this run of the test is not explored")
		return func() {}
	}
	r := startRun(t, tok)
	r.s.mu.Lock()
	r.s.gs[0].failNow = t.FailNow
	r.s.mu.Unlock()
	r.s.unabortable = func(f *report.Finding) {
		// The test's goroutine waits for good out of control: it cannot
		// fail the test. Report and stop the binary.
		res := Result{Test: t.Name(), Strategy: ex.cfg.Strategy.String(), Seed: ex.cfg.Seed, Failed: true, Finding: f, Replay: r.s.Token().String(), Depended: r.s.Depended()}
		testsMu.Lock()
		res.Schedules = ex.Count()
		testsMu.Unlock()
		writeResult(env.out, res)
		fmt.Fprintf(os.Stderr, "--- FAIL: %s\ngridlock explore: %s\nreplay: %s\n", t.Name(), report.Text(f), res.Replay)
		os.Exit(1)
	}
	// The schedule ends after the test's own cleanups, which may release
	// its goroutines (registered first, this one runs last).
	t.Cleanup(func() {
		res := Result{Test: t.Name(), Strategy: ex.cfg.Strategy.String(), Seed: ex.cfg.Seed}
		failed := r.end(t, &res, false)
		testsMu.Lock()
		ex.Ran(r.s)
		res.Schedules = ex.Count()
		res.Exhausted = ex.Exhausted()
		testsMu.Unlock()
		if failed && res.Finding != nil {
			t.Errorf("gridlock explore: %s\nreplay: %s", report.Text(res.Finding), res.Replay)
		}
		if failed || res.Exhausted || res.Schedules >= ex.cfg.Schedules || ex.cfg.Replay != nil {
			writeResult(env.out, res)
		}
	})
	return func() {}
}

func writeResult(path string, res Result) {
	if path == "" {
		return
	}
	b, err := json.Marshal(res)
	if err != nil {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	f.Write(append(b, '\n'))
}

// involves reports whether finding f names a goroutine of the schedule (or
// names none).
func (s *Sched) involves(f *report.Finding) bool {
	if len(f.Goroutines) == 0 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range f.Goroutines {
		if _, ok := s.byID[uint64(g.ID)]; ok {
			return true
		}
	}
	return false
}
