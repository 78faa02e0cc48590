package dump_test

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/dump"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// A sample is a real dump of a scenario of testdata/scenarios and what a
// reader who knows the program knows about it.
type sample struct {
	file      string
	verdict   report.Kind // the first finding's kind; "" for none
	certainty report.Certainty
	// res names the resources (as the program printed them) whose address
	// the dump shows and that goroutines must be found waiting on.
	res []string
	// buckets lists goroutines that must be found: count in a status and
	// in a function.
	buckets []want
}

type want struct {
	count  int
	status string
	fn     string
}

// samples are the expectations for the dumps made by TestGenerate. The
// expectations come from the programs, not from the analyzer: where the
// analyzer cannot know (no address in the dump, a select), the expectation
// says so by wanting nothing.
var samples = []sample{
	// AB-BA: two transfers in opposite directions.
	{file: "abba.sigquit", verdict: report.Deadlock, certainty: report.Likely, res: []string{"a", "b"}, buckets: []want{{2, "sync.Mutex.Lock", "(*Account).Transfer"}}},
	{file: "abba.debug2", verdict: report.Deadlock, certainty: report.Likely, res: []string{"a", "b"}, buckets: []want{{2, "sync.Mutex.Lock", "(*Account).Transfer"}}},
	{file: "abba.containerlog", verdict: report.Deadlock, certainty: report.Likely, res: []string{"a", "b"}, buckets: []want{{2, "sync.Mutex.Lock", "(*Account).Transfer"}}},
	{file: "abba.debug1", buckets: []want{{2, "sync.Mutex.Lock", "(*Account).Transfer"}}}, // no addresses: both may wait on one mutex
	{file: "abba.fatal", verdict: report.Deadlock, certainty: report.Certain, res: []string{"a", "b"}, buckets: []want{{2, "sync.Mutex.Lock", "(*Account).Transfer"}}},
	{file: "abba.timeout", verdict: report.Deadlock, certainty: report.Likely, res: []string{"a", "b"}, buckets: []want{{2, "sync.Mutex.Lock", "(*Account).Transfer"}}},
	{file: "abba.leak1", verdict: report.PartialDeadlock, certainty: report.Certain, buckets: []want{{2, "sync.Mutex.Lock", "(*Account).Transfer"}}},
	{file: "abba.leak2", verdict: report.Deadlock, certainty: report.Certain, res: []string{"a", "b"}, buckets: []want{{2, "sync.Mutex.Lock", "(*Account).Transfer"}}},

	// A recursive RLock with a writer waiting in between.
	{file: "rwmutex.sigquit", verdict: report.Deadlock, certainty: report.Likely, res: []string{"rw"}, buckets: []want{{1, "sync.RWMutex.RLock", "(*Store).Get"}, {1, "sync.RWMutex.Lock", "(*Store).Put"}}},
	{file: "rwmutex.debug2", verdict: report.Deadlock, certainty: report.Likely, buckets: []want{{1, "sync.RWMutex.RLock", "(*Store).Get"}, {1, "sync.RWMutex.Lock", "(*Store).Put"}}},
	{file: "rwmutex.debug1", verdict: report.Deadlock, certainty: report.Likely, buckets: []want{{1, "sync.RWMutex.RLock", "(*Store).Get"}, {1, "sync.RWMutex.Lock", "(*Store).Put"}}},
	{file: "rwmutex.fatal", verdict: report.Deadlock, certainty: report.Certain, buckets: []want{{1, "sync.RWMutex.RLock", "(*Store).Get"}}},
	{file: "rwmutex.timeout", verdict: report.Deadlock, certainty: report.Likely, buckets: []want{{1, "sync.RWMutex.RLock", "(*Store).Get"}}},
	{file: "rwmutex.leak2", verdict: report.Deadlock, certainty: report.Certain, buckets: []want{{1, "sync.RWMutex.Lock", "(*Store).Put"}}},
	{file: "rwmutex.leak1", verdict: report.Deadlock, certainty: report.Certain},

	// Two relays each sending to the other.
	// relay is inlined, so no frame shows which channels it holds: a live
	// program's dump cannot tell this cycle from an idle pipeline.
	{file: "chancycle.sigquit", res: []string{"c1", "c2"}, buckets: []want{{2, "chan send", "main.relay"}}},
	{file: "chancycle.debug2", buckets: []want{{2, "chan send", "main.relay"}}},
	{file: "chancycle.debug1", buckets: []want{{2, "", "main.relay"}}},
	{file: "chancycle.timeout"},
	{file: "chancycle.fatal", verdict: report.Deadlock, certainty: report.Certain, buckets: []want{{2, "chan send", "main.relay"}}},
	{file: "chancycle.leak2", verdict: report.Deadlock, certainty: report.Certain, buckets: []want{{2, "chan send", "main.relay"}}},
	{file: "chancycle.leak1", verdict: report.PartialDeadlock, certainty: report.Certain},

	// A Done that never comes.
	{file: "waitgroup.sigquit", res: []string{"wg"}, buckets: []want{{1, "sync.WaitGroup.Wait", "main.collect"}}},
	{file: "waitgroup.debug2", res: []string{"wg"}},
	{file: "waitgroup.debug1", buckets: []want{{1, "sync.WaitGroup.Wait", "main.collect"}}},
	{file: "waitgroup.fatal", verdict: report.PartialDeadlock, certainty: report.Certain, res: []string{"wg"}},
	{file: "waitgroup.timeout", verdict: report.PartialDeadlock, certainty: report.Likely, res: []string{"wg"}},
	{file: "waitgroup.leak2", verdict: report.PartialDeadlock, certainty: report.Certain, res: []string{"wg"}},
	{file: "waitgroup.leak1", verdict: report.PartialDeadlock, certainty: report.Certain, buckets: []want{{1, "sync.WaitGroup.Wait", "main.collect"}}},

	// A lost wake-up.
	{file: "cond.sigquit", res: []string{"cond"}, buckets: []want{{1, "sync.Cond.Wait", "(*Queue).Pop"}}},
	{file: "cond.debug2", res: []string{"cond"}},
	{file: "cond.debug1", buckets: []want{{1, "sync.Cond.Wait", "(*Queue).Pop"}}},
	{file: "cond.leak1", verdict: report.PartialDeadlock, certainty: report.Certain},
	{file: "cond.fatal", verdict: report.PartialDeadlock, certainty: report.Certain, res: []string{"cond"}},
	{file: "cond.timeout", verdict: report.PartialDeadlock, certainty: report.Likely, res: []string{"cond"}},
	{file: "cond.leak2", verdict: report.PartialDeadlock, certainty: report.Certain, res: []string{"cond"}},

	// Selects no one will ever answer: a dump cannot see into a select.
	{file: "select.sigquit", buckets: []want{{2, "select", "main.waitEither"}}},
	{file: "select.debug2", buckets: []want{{2, "select", "main.waitEither"}}},
	{file: "select.timeout"},
	{file: "select.debug1"},
	{file: "select.fatal", verdict: report.PartialDeadlock, certainty: report.Certain, buckets: []want{{2, "select", "main.waitEither"}}},
	{file: "select.leak2", verdict: report.PartialDeadlock, certainty: report.Certain},
	{file: "select.leak1", verdict: report.PartialDeadlock, certainty: report.Certain},

	// A lock held across a send to a goroutine that needs the lock.
	// In a live program the channel may be fed through the heap: only the
	// runtime's own verdicts close the cycle.
	{file: "mixed.sigquit", res: []string{"mu", "ch"}, buckets: []want{{1, "chan send", "(*Hub).Broadcast"}, {1, "sync.Mutex.Lock", "(*Hub).Consume"}}},
	{file: "mixed.debug2", res: []string{"mu"}},
	{file: "mixed.debug1"},
	{file: "mixed.fatal", verdict: report.Deadlock, certainty: report.Certain, res: []string{"mu"}},
	{file: "mixed.timeout", verdict: report.PartialDeadlock, certainty: report.Likely, res: []string{"mu"}},
	{file: "mixed.leak2", verdict: report.Deadlock, certainty: report.Certain, res: []string{"mu"}},
	{file: "mixed.leak1", verdict: report.PartialDeadlock, certainty: report.Certain},

	// A loop spinning with a lock held; one dump shows only contention.
	{file: "busyloop.sigquit", res: []string{"mu"}, buckets: []want{{1, "sync.Mutex.Lock", "(*Flag).Set"}}},
	{file: "busyloop.debug2"},
	{file: "busyloop.twice", verdict: report.Busy, certainty: report.Likely, res: []string{"mu"}}, // the same place in two dumps
	{file: "busyloop.quiet", verdict: report.Busy, certainty: report.Possible, res: []string{"mu"}},
	{file: "busyloop.timeout", verdict: report.Busy, certainty: report.Possible, res: []string{"mu"}},
	{file: "busyloop.leak1"},
	{file: "busyloop.leak2"},
	{file: "busyloop.debug1"},

	// A runaway recursion.
	{file: "recursion.sigquit", verdict: report.Busy, certainty: report.Likely},
	{file: "recursion.debug2", verdict: report.Busy, certainty: report.Likely},
	{file: "recursion.quiet", verdict: report.Busy, certainty: report.Likely},
	{file: "recursion.timeout", verdict: report.Busy, certainty: report.Likely},
	{file: "recursion.leak1"},
	{file: "recursion.debug1", verdict: report.Busy, certainty: report.Likely},
	{file: "recursion.leak2", verdict: report.Busy, certainty: report.Likely},

	// Slow I/O under a lock: slow, not stuck.
	{file: "slowio.sigquit", verdict: report.LockContention, certainty: report.Likely, res: []string{"mu"}, buckets: []want{{3, "sync.Mutex.Lock", "(*Cache).Get"}, {1, "IO wait", "(*Cache).Refresh"}}},
	{file: "slowio.debug2", verdict: report.LockContention, certainty: report.Likely, res: []string{"mu"}},
	{file: "slowio.debug1", verdict: report.LockContention, certainty: report.Likely, buckets: []want{{3, "sync.Mutex.Lock", "(*Cache).Get"}, {1, "IO wait", "(*Cache).Refresh"}}},
	{file: "slowio.quiet", verdict: report.LockContention, certainty: report.Likely, res: []string{"mu"}},
	{file: "slowio.timeout", verdict: report.LockContention, certainty: report.Likely, res: []string{"mu"}},
	{file: "slowio.leak2", verdict: report.LockContention, certainty: report.Likely, res: []string{"mu"}},
	{file: "slowio.leak1"},

	// Healthy programs: nothing to report.
	{file: "workerpool.sigquit", buckets: []want{{8, "chan receive", "(*Pool).worker"}}},
	{file: "workerpool.debug2", buckets: []want{{8, "chan receive", "(*Pool).worker"}}},
	{file: "workerpool.debug1", buckets: []want{{8, "", "(*Pool).worker"}}},
	{file: "workerpool.quiet"},
	{file: "workerpool.timeout"},
	{file: "workerpool.leak1"},
	{file: "workerpool.leak2"},
	{file: "pipeline.sigquit", buckets: []want{{3, "chan receive", "main.stage"}}},
	{file: "pipeline.debug2"},
	{file: "pipeline.debug1"},
	{file: "pipeline.quiet"},
	{file: "pipeline.timeout"},
	{file: "pipeline.leak1"},
	{file: "pipeline.leak2"},
	{file: "idle.sigquit"},
	{file: "idle.debug2"},
	{file: "idle.debug1"},
	{file: "idle.timeout"},
	{file: "idle.leak1"},
	{file: "idle.leak2"},
	{file: "idle.fatal", verdict: report.PartialDeadlock, certainty: report.Certain}, // the runtime says so
	{file: "ticker.sigquit"},
	{file: "ticker.debug2"},
	{file: "ticker.debug1"},
	{file: "ticker.quiet"},
	{file: "ticker.timeout"},
	{file: "ticker.leak1"},
	{file: "ticker.leak2"},
}

func readDump(t *testing.T, name string) *dump.Dump {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "dumps", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := dump.Parse(f)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if d.Warning != "" {
		t.Errorf("warning on a real dump: %s", d.Warning)
	}
	return d
}

// resFile returns the file of resource addresses of a dump.
func resFile(name string) string {
	scen, mode, _ := strings.Cut(name, ".")
	switch {
	case mode == "sigquit" || mode == "twice" || strings.HasPrefix(mode, "debug"):
		mode = "serve"
	case strings.HasPrefix(mode, "leak"):
		mode = "leak"
	case mode == "fatal":
		mode = "quiet"
	}
	return filepath.Join("testdata", "dumps", scen+"."+mode+".res")
}

func readRes(t *testing.T, name string) map[string]string {
	t.Helper()
	m := map[string]string{}
	f, err := os.Open(resFile(name))
	if err != nil {
		return m // timeouts: addresses printed by the test are in the dump
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) == 3 && fs[0] == "res" {
			m[fs[1]] = fs[2]
		}
	}
	return m
}

// resInDump reads "res NAME ADDR" lines printed into the dump itself (by a
// test that then timed out).
func resInDump(t *testing.T, name string) map[string]string {
	m := map[string]string{}
	b, err := os.ReadFile(filepath.Join("testdata", "dumps", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if fs := strings.Fields(line); len(fs) == 3 && fs[0] == "res" {
			m[fs[1]] = fs[2]
		}
	}
	return m
}

func TestSamples(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			d := readDump(t, s.file)
			a := dump.Analyze(d)
			if a.Verdict() != s.verdict {
				var b strings.Builder
				a.WriteText(&b, false)
				t.Fatalf("verdict %q, want %q\n%s", a.Verdict(), s.verdict, b.String())
			}
			if s.verdict != "" && a.Findings[0].Certainty != s.certainty {
				t.Errorf("certainty %q, want %q: %s", a.Findings[0].Certainty, s.certainty, a.Findings[0].Summary)
			}
			if s.verdict == "" && len(a.Findings) > 0 {
				t.Errorf("findings on a dump with nothing to find: %v", report.Line(a.Findings[0]))
			}
			addrs := readRes(t, s.file)
			for k, v := range resInDump(t, s.file) {
				addrs[k] = v
			}
			for _, name := range s.res {
				addr, ok := addrs[name]
				if !ok {
					t.Fatalf("no address printed for %s", name)
				}
				if !waitedOn(a.Graph, addr) {
					t.Errorf("resource %s (%s) not recovered; resources: %v", name, addr, resourceIDs(a.Graph))
				}
				if s.verdict == report.Deadlock && !findingHas(a.Findings[0], addr) {
					t.Errorf("resource %s (%s) not in the deadlock: %s", name, addr, a.Findings[0].Summary)
				}
			}
			for _, w := range s.buckets {
				if got := count(a, w.status, w.fn); got != w.count {
					t.Errorf("%d goroutines [%s] in %s, want %d", got, w.status, w.fn, w.count)
				}
			}
		})
	}
}

// TestSamplesComplete checks that every dump in testdata/dumps has an
// expectation, so that a regenerated scenario cannot go unchecked.
func TestSamplesComplete(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "dumps", "*.txt"))
	have := map[string]bool{}
	for _, s := range samples {
		have[s.file] = true
	}
	var missing []string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		if !have[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("dumps without expectations: %v", missing)
	}
}

func waitedOn(g *waitgraph.Graph, addr string) bool {
	r := slices.IndexFunc(g.Resources, func(r *waitgraph.Resource) bool { return r.Addr == addr })
	if r < 0 {
		return false
	}
	id := g.Resources[r].ID
	return slices.ContainsFunc(g.Goroutines, func(gr *waitgraph.Goroutine) bool { return gr.Wait != nil && gr.Wait.Resource == id })
}

func findingHas(f *report.Finding, addr string) bool {
	return slices.ContainsFunc(f.Resources, func(r *waitgraph.Resource) bool { return r.Addr == addr })
}

func resourceIDs(g *waitgraph.Graph) []string {
	var s []string
	for _, r := range g.Resources {
		s = append(s, r.ID)
	}
	return s
}

// count counts the goroutines whose status is status ("" for any) and
// whose stack has a function containing fn.
func count(a *dump.Analysis, status, fn string) int {
	n := 0
	for _, b := range a.Buckets {
		if status != "" && b.Status != status {
			continue
		}
		if slices.ContainsFunc(b.Stack.Frames, func(f waitgraph.Frame) bool { return strings.Contains(f.Func, fn) }) {
			n += b.Count
		}
	}
	return n
}

// TestRealLabelsAndAncestors reads the labels (GODEBUG=tracebacklabels=1,
// pprof.Do in the program) and ancestors (GODEBUG=tracebackancestors=2) of
// a real dump.
func TestRealLabelsAndAncestors(t *testing.T) {
	d := readDump(t, "workerpool.sigquit")
	labels, ancestors := 0, 0
	for _, g := range d.Goroutines {
		if strings.HasPrefix(g.Labels, `"worker": "`) && g.Status == "chan receive" {
			labels++
		}
		if len(g.Ancestors) > 0 {
			ancestors++
		}
	}
	if labels != 8 {
		t.Errorf("%d workers with their label, want 8", labels)
	}
	if ancestors == 0 {
		t.Error("no ancestors read")
	}
	d1 := readDump(t, "workerpool.debug1")
	n := 0
	for _, g := range d1.Goroutines {
		if strings.HasPrefix(g.Labels, `"worker":"`) {
			n += g.Count
		}
	}
	if n != 8 {
		t.Errorf("debug=1: %d goroutines with a label, want 8", n)
	}
}
