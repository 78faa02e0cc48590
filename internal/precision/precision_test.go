package precision

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func TestParse(t *testing.T) {
	const corpus = `
# comment
module example.com/a/v2@v2.1.0
timeout 90s
test . -- -run '^TestA$|TestB' -short
test ./x ./y
known partial-deadlock pool/pool.go:153 a test calls Go without Wait

module example.com/b@v0.1.0
test ./... -- -skip "Example Foo"
`
	mods, err := Parse(strings.NewReader(corpus), "corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []*Module{
		{Path: "example.com/a/v2", Version: "v2.1.0", Timeout: 90 * time.Second, Line: 3,
			Suites: []Suite{
				{Packages: []string{"."}, Flags: []string{"-run", "^TestA$|TestB", "-short"}},
				{Packages: []string{"./x", "./y"}},
			},
			Known: []Known{{Kind: "partial-deadlock", Site: "pool/pool.go:153", Why: "a test calls Go without Wait"}},
		},
		{Path: "example.com/b", Version: "v0.1.0", Line: 9,
			Suites: []Suite{{Packages: []string{"./..."}, Flags: []string{"-skip", "Example Foo"}}},
		},
	}
	if !reflect.DeepEqual(mods, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", mods, want)
	}
	if got, want := mods[0].Suites[0].String(), `-run '^TestA$|TestB' -short .`; got != want {
		t.Errorf("Suite.String() = %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		corpus, want string
	}{
		{"test .", "c:1: test before the first module line"},
		{"module example.com/a", "c:1: want module PATH@VERSION"},
		{"module example.com/a@v1 extra", "c:1: want module PATH@VERSION"},
		{"module a@v1\ntest -short .", "c:2: flag -short before the packages"},
		{"module a@v1\ntest -- -short", "c:2: test names no package"},
		{"module a@v1\ntest . -- -run 'x", "c:2: unterminated ' quote"},
		{"module a@v1\ntimeout soon\ntest .", "c:2: want timeout DURATION"},
		{"module a@v1\ntest .\nknown long-wait x.go:1", "c:3: want known KIND SITE WHY"},
		{"module a@v1\ntest .\nskip x", `c:3: unknown directive "skip"`},
		{"module a@v1\n\nmodule b@v1\ntest .", "c:1: module a has no test line"},
		{"module a@v1\ntest .\nmodule a@v2\ntest .", "c:3: module a listed twice"},
	}
	for _, tt := range tests {
		_, err := Parse(strings.NewReader(tt.corpus), "c")
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error starting %q", tt.corpus, err, tt.want)
		}
	}
}

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  a  b ", []string{"a", "b"}},
		{`-run '^A$|B' x`, []string{"-run", "^A$|B", "x"}},
		{`"a b"'c d'e`, []string{"a bc de"}},
		{`''`, []string{""}},
		{`"it's"`, []string{"it's"}},
	}
	for _, tt := range tests {
		got, err := splitWords(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// finding returns a finding of kind at pos whose one goroutine has the
// given stack, from the functions and positions named.
func finding(kind string, positions []string, stack ...waitgraph.Frame) *report.Finding {
	f := &report.Finding{Kind: report.Kind(kind), Summary: kind + " summary", Positions: positions}
	f.Goroutines = []*waitgraph.Goroutine{{ID: 1, Stack: stack}}
	return f
}

func TestKnownMatches(t *testing.T) {
	const dir = "/tmp/s/01-conc/src"
	pool := finding("partial-deadlock", []string{dir + "/pool/pool.go:153"},
		waitgraph.Frame{Func: "github.com/sourcegraph/conc/pool.(*Pool).worker", File: dir + "/pool/pool.go", Line: 153})
	dead := finding("lock-held-across-blocking", []string{"/go/src/runtime/chan.go:10"},
		waitgraph.Frame{Func: "runtime.chansend1", File: "/go/src/runtime/chan.go", Line: 10},
		waitgraph.Frame{Func: "github.com/hashicorp/memberlist.(*Memberlist).deadNode.func1", File: dir + "/state.go", Line: 1200})
	order := finding("lock-order-inversion", nil)
	order.Orders = []waitgraph.Order{{From: "a", To: "b", Stack: waitgraph.Stack{{Func: "example.com/m.(*Session).Close", File: dir + "/session.go", Line: 7}}}}
	held := finding("lock-held-across-blocking", nil)
	held.Goroutines[0].Holds = []waitgraph.Hold{{Resource: "a", Stack: waitgraph.Stack{{Func: "example.com/m.lockIt", File: dir + "/m.go", Line: 3}}}}
	tests := []struct {
		name string
		k    Known
		f    *report.Finding
		want bool
	}{
		{"file:line", Known{Kind: "partial-deadlock", Site: "pool/pool.go:153"}, pool, true},
		{"file suffix at a slash", Known{Kind: "partial-deadlock", Site: "pool.go:153"}, pool, true},
		{"file without line", Known{Kind: "partial-deadlock", Site: "pool/pool.go"}, pool, true},
		{"other line", Known{Kind: "partial-deadlock", Site: "pool/pool.go:154"}, pool, false},
		{"not at a slash", Known{Kind: "partial-deadlock", Site: "ool.go:153"}, pool, false},
		{"other kind", Known{Kind: "long-wait", Site: "pool/pool.go:153"}, pool, false},
		{"function", Known{Kind: "partial-deadlock", Site: "(*Pool).worker"}, pool, true},
		{"method name", Known{Kind: "partial-deadlock", Site: "worker"}, pool, true},
		{"part of a name", Known{Kind: "partial-deadlock", Site: "orker"}, pool, false},
		{"closure of the function", Known{Kind: "lock-held-across-blocking", Site: "deadNode"}, dead, true},
		{"closure of another function", Known{Kind: "lock-held-across-blocking", Site: "Node"}, dead, false},
		{"closure", Known{Kind: "lock-held-across-blocking", Site: "deadNode.func1"}, dead, true},
		{"frame position", Known{Kind: "lock-held-across-blocking", Site: "state.go:1200"}, dead, true},
		{"order stack", Known{Kind: "lock-order-inversion", Site: "(*Session).Close"}, order, true},
		{"order stack position", Known{Kind: "lock-order-inversion", Site: "session.go:7"}, order, true},
		{"hold stack", Known{Kind: "lock-held-across-blocking", Site: "lockIt"}, held, true},
		{"nil finding", Known{Kind: "partial-deadlock", Site: "x.go"}, nil, false},
	}
	for _, tt := range tests {
		if got := tt.k.Matches(tt.f); got != tt.want {
			t.Errorf("%s: %+v.Matches = %v, want %v", tt.name, tt.k, got, tt.want)
		}
	}
}

func TestSite(t *testing.T) {
	const dir = "/tmp/s/src"
	tests := []struct {
		name string
		f    *report.Finding
		want string
	}{
		{"position in the module", finding("k", []string{"/go/src/sync/x.go:1", dir + "/a/b.go:3"}), "a/b.go:3"},
		{"frame in the module", finding("k", []string{"/go/src/sync/x.go:1"},
			waitgraph.Frame{Func: "sync.x", File: "/go/src/sync/x.go", Line: 1},
			waitgraph.Frame{Func: "m.f", File: dir + "/c.go", Line: 9}), "c.go:9"},
		{"module cache", finding("k", []string{"/root/go/pkg/mod/example.com/d@v1/d.go:2"}), "example.com/d@v1/d.go:2"},
		{"nothing", finding("k", nil), "?"},
	}
	for _, tt := range tests {
		if got := Site(tt.f, dir); got != tt.want {
			t.Errorf("%s: Site = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// fakeRunner answers from tables instead of running anything.
type fakeRunner struct {
	mu       sync.Mutex
	fetchErr map[string]error
	// outcomes by module path and mode ("plain", "gridlock").
	outcomes map[string]*Outcome
	findings map[string][]*report.Finding // gridlock findings by module path
	calls    []string
}

func (f *fakeRunner) Fetch(ctx context.Context, m *Module, dst string) error {
	f.mu.Lock()
	f.calls = append(f.calls, "fetch "+m.Path)
	f.mu.Unlock()
	if err := f.fetchErr[m.Path]; err != nil {
		return err
	}
	return os.MkdirAll(dst, 0o755)
}

func (f *fakeRunner) Test(ctx context.Context, dir, work string, s Suite, timeout time.Duration, gridlock bool) *Outcome {
	mod := filepath.Base(filepath.Dir(dir)) // NN-name
	mod = mod[strings.Index(mod, "-")+1:]
	mode := "plain"
	if gridlock {
		mode = "gridlock"
	}
	f.mu.Lock()
	f.calls = append(f.calls, mode+" "+mod+" "+s.String()+" "+timeout.String())
	f.mu.Unlock()
	o := *f.outcomes[mod+" "+mode]
	if gridlock {
		var fs []Finding
		for _, fd := range f.findings[mod] {
			// Positions in the module's copy, as gridlock test gives them.
			c := *fd
			c.Positions = nil
			for _, p := range fd.Positions {
				c.Positions = append(c.Positions, filepath.Join(dir, p))
			}
			fs = append(fs, Finding{Package: "example.com/" + mod, Finding: &c})
		}
		b, err := json.Marshal(fs)
		if err != nil {
			panic(err)
		}
		o.Findings = filepath.Join(work, "findings.json")
		if err := os.WriteFile(o.Findings, b, 0o644); err != nil {
			panic(err)
		}
	}
	return &o
}

func TestRun(t *testing.T) {
	mods, err := Parse(strings.NewReader(`
module example.com/good@v1.0.0
test ./...
known partial-deadlock pool.go:10 the test leaks a worker
known lock-order-inversion db.go:5 never seen in this run

module example.com/bad@v1.0.0
timeout 1m
test . -- -short

module example.com/gone@v1.0.0
test .
`), "c")
	if err != nil {
		t.Fatal(err)
	}
	pass := func(d time.Duration) *Outcome {
		return &Outcome{Packages: map[string]string{"p": "pass"}, Elapsed: d}
	}
	r := &fakeRunner{
		fetchErr: map[string]error{"example.com/gone": errors.New("not found")},
		outcomes: map[string]*Outcome{
			"good plain":    pass(time.Second),
			"good gridlock": {Status: 1, Packages: map[string]string{"p": "pass"}, Elapsed: 2 * time.Second},
			"bad plain":     pass(time.Second),
			"bad gridlock":  {Status: 1, Packages: map[string]string{"p": "fail"}, Failed: []string{"p TestX"}, Elapsed: 3 * time.Second},
		},
		findings: map[string][]*report.Finding{
			"good": {
				finding("partial-deadlock", []string{"pool.go:10"}),
				finding("partial-deadlock", []string{"pool.go:10"}),
			},
			"bad": {
				finding("long-wait", []string{"w.go:1"}),
				finding("long-wait", []string{"w.go:1"}),
				finding("long-wait", []string{"w.go:1"}),
				finding("partial-deadlock", []string{"pool.go:10"}), // known in good, not in bad
			},
		},
	}
	scratch := t.TempDir()
	var done []string
	results, err := Run(context.Background(), Options{
		Modules: mods,
		Runner:  r,
		Scratch: scratch,
		Timeout: 7 * time.Minute,
		Jobs:    2,
		Done:    func(r *Result) { done = append(done, r.Module.Path) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 3 {
		t.Errorf("Done called for %v, want the three modules", done)
	}
	good, bad, gone := results[0], results[1], results[2]

	if good.Failed() || good.Suites[0].Broken() {
		t.Errorf("good: Failed %v, Broken %v; want neither", good.Failed(), good.Suites[0].Broken())
	}
	if g := good.Suites[0].Known; len(g) != 1 || g[0].Count != 2 || g[0].Known != &good.Module.Known[0] {
		t.Errorf("good: known groups %+v, want the first known line twice", g)
	}
	if u := good.Module.Known; !reflect.DeepEqual(good.unseen(), u[1:]) {
		t.Errorf("good: unseen %+v, want %+v", good.unseen(), u[1:])
	}

	if !bad.Failed() || !bad.Suites[0].Broken() {
		t.Errorf("bad: Failed %v, Broken %v; want both", bad.Failed(), bad.Suites[0].Broken())
	}
	want := []*Group{
		{Kind: "long-wait", Site: "w.go:1", Count: 3, Summary: "long-wait summary"},
		{Kind: "partial-deadlock", Site: "pool.go:10", Count: 1, Summary: "partial-deadlock summary"},
	}
	if !reflect.DeepEqual(bad.Suites[0].Unexpected, want) {
		t.Errorf("bad: unexpected %+v, want %+v", bad.Suites[0].Unexpected, want)
	}
	if gone.Err == nil || !gone.Failed() || len(gone.Suites) != 0 {
		t.Errorf("gone: Err %v, Failed %v, %d suites; want a fetch error and no suite", gone.Err, gone.Failed(), len(gone.Suites))
	}

	for _, c := range []string{"plain good ./... 7m0s", "gridlock good ./... 7m0s", "plain bad -short . 1m0s", "gridlock bad -short . 1m0s"} {
		found := false
		for _, call := range r.calls {
			found = found || call == c
		}
		if !found {
			t.Errorf("no call %q in %q", c, r.calls)
		}
	}
	if entries, _ := os.ReadDir(scratch); len(entries) != 0 {
		t.Errorf("scratch directory keeps %d entries without Keep", len(entries))
	}

	tot := Total(results)
	wantTot := Totals{Modules: 3, Failed: 2, Suites: 2, Broken: 1, Unexpected: 4, Sites: 2, Known: 2, Errors: 1, Wall: tot.Wall}
	if tot != wantTot {
		t.Errorf("Total = %+v, want %+v", tot, wantTot)
	}

	var md bytes.Buffer
	WriteMarkdown(&md, results, 1)
	for _, line := range []string{
		"| module | suite | plain | gridlock | broken | known-true | unexpected (sites) | wall |",
		"| example.com/good@v1.0.0 | `./...` | pass 1.0s | pass 2.0s | no | 2 | 0 (0) |",
		"| example.com/bad@v1.0.0 | `-short .` | pass 1.0s | FAIL 3.0s | **yes** | 0 | **4 (2)** |",
		"| example.com/gone@v1.0.0 | | ERROR: fetching: not found |",
		"- known-true partial-deadlock at `pool.go:10` ×2: the test leaks a worker",
		"- not seen: known-true lock-order-inversion at `db.go:5`",
		"- `-short .`: gridlock FAIL failed: p TestX",
		"- unexpected long-wait at `w.go:1` ×3: long-wait summary",
		"- … 1 more unexpected sites",
	} {
		if !strings.Contains(md.String(), line) {
			t.Errorf("Markdown lacks %q:\n%s", line, md.String())
		}
	}

	var text bytes.Buffer
	WriteText(&text, bad, 0)
	for _, s := range []string{"BROKEN", "failed: p TestX", "unexpected  long-wait", "w.go:1", "×3", "pool.go:10"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, text.String())
		}
	}
}

func TestRunKeep(t *testing.T) {
	mods, err := Parse(strings.NewReader("module example.com/m@v1.0.0\ntest .\n"), "c")
	if err != nil {
		t.Fatal(err)
	}
	ok := &Outcome{Packages: map[string]string{"p": "pass"}}
	r := &fakeRunner{outcomes: map[string]*Outcome{"m plain": ok, "m gridlock": ok}}
	results, err := Run(context.Background(), Options{Modules: mods, Runner: r, Scratch: t.TempDir(), Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	res := results[0]
	if res.Failed() {
		t.Errorf("Failed with no finding and both passing")
	}
	if _, err := os.Stat(filepath.Join(res.Dir, "suite1-gridlock", "findings.json")); err != nil {
		t.Errorf("Keep: %v", err)
	}
}

func TestOutcomePassed(t *testing.T) {
	tests := []struct {
		name string
		o    *Outcome
		want bool
	}{
		{"nil", nil, false},
		{"pass and skip", &Outcome{Packages: map[string]string{"a": "pass", "b": "skip"}}, true},
		{"findings only", &Outcome{Status: 1, Packages: map[string]string{"a": "pass"}}, true},
		{"a package fails", &Outcome{Packages: map[string]string{"a": "pass", "b": "fail"}}, false},
		{"no package", &Outcome{}, false},
		{"timed out", &Outcome{TimedOut: true, Packages: map[string]string{"a": "pass"}}, false},
		{"build failed", &Outcome{BuildFailed: true, Packages: map[string]string{"a": "pass"}}, false},
		{"error", &Outcome{Err: errors.New("x"), Packages: map[string]string{"a": "pass"}}, false},
	}
	for _, tt := range tests {
		if got := tt.o.Passed(); got != tt.want {
			t.Errorf("%s: Passed = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestShortName(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/panjf2000/ants/v2": "ants",
		"go.etcd.io/bbolt":             "bbolt",
		"go.etcd.io/raft/v3":           "raft",
		"golang.org/x/net":             "net",
		"example.com/v2":               "example.com",
	} {
		if got := shortName(in); got != want {
			t.Errorf("shortName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRunInterrupted checks that an interrupted run stops starting
// commands, reports the modules it began as failed, and prints them.
func TestRunInterrupted(t *testing.T) {
	mods, err := Parse(strings.NewReader("module example.com/m@v1.0.0\ntest .\ntest ./x\nmodule example.com/n@v1.0.0\ntest .\n"), "c")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &cancelingRunner{cancel: cancel}
	results, err := Run(ctx, Options{Modules: mods, Runner: r, Scratch: t.TempDir()})
	if err == nil {
		t.Fatal("Run returned no error after an interrupt")
	}
	if r.tests != 1 {
		t.Errorf("%d commands run, want 1: none after the interrupt", r.tests)
	}
	m := results[0]
	if m == nil || !m.Failed() || len(m.Suites) != 1 || m.Suites[0].Gridlock != nil {
		t.Fatalf("interrupted module: %+v; want failed, one suite, no gridlock run", m)
	}
	var b bytes.Buffer
	WriteText(&b, m, 0)
	WriteMarkdown(&b, results, 0)
	if !strings.Contains(b.String(), "interrupted") {
		t.Errorf("output does not say interrupted:\n%s", b.String())
	}
	if tot := Total(results); tot.Errors != 1 || tot.Modules != 1 {
		t.Errorf("Total = %+v, want 1 module with 1 error", tot)
	}
}

// cancelingRunner interrupts the run during its first command.
type cancelingRunner struct {
	cancel func()
	tests  int
}

func (r *cancelingRunner) Fetch(ctx context.Context, m *Module, dst string) error {
	return os.MkdirAll(dst, 0o755)
}

func (r *cancelingRunner) Test(ctx context.Context, dir, work string, s Suite, timeout time.Duration, gridlock bool) *Outcome {
	r.tests++
	r.cancel()
	return &Outcome{Killed: "interrupted", Packages: map[string]string{}}
}
