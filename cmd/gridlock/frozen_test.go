package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// TestAnalyzeFrozen analyzes the dumps of the unmodified programs of
// testdata/frozen, in both formats, with their source: each frozen one is
// a deadlock whose holders are named from the source; the busy one is
// healthy and exits 0.
func TestAnalyzeFrozen(t *testing.T) {
	src := filepath.Join("testdata", "frozen")
	tests := []struct {
		name    string
		certain bool     // the holders' addresses or names prove the cycle
		funcs   []string // the functions of the goroutines of the first finding
		says    []string // in the summary of a finding
		kind    report.Kind
	}{
		{"globals", true, []string{"main.credit", "main.audit"}, []string{
			"holds accounts (locked at globals/main.go:17, per the source)",
			"holds ledger (locked at globals/main.go:25, per the source)"}, ""},
		{"fields", true, []string{"main.transfer"}, []string{
			"holds from.mu (locked at fields/main.go:19, per the source)"}, ""},
		{"waitgroup", false, []string{"main.(*Cache).fill", "main.(*Cache).refresh"}, []string{
			"holds c.mu (locked at waitgroup/main.go:26, per the source)",
			"calls Done on wg (per the source)",
			"Add(1) at waitgroup/main.go:30 (in a loop)",
			"3 added in all; 3 goroutines inside main.(*Cache).fill still owe a Done"}, ""},
		{"chansend", false, []string{"main.(*Hub).publish", "main.(*Hub).consume"}, []string{
			"h.mu (locked at chansend/main.go:20, per the source)",
			"receives from h.events (per the source)"}, ""},
		{"rlock", false, []string{"main.(*Store).get", "main.(*Store).put"}, []string{
			"read-holds s.mu (locked at rlock/main.go:24, per the source)"}, ""},
		{"closures", false, []string{"main.main.func1", "main.main.func2"}, []string{
			"holds mu (locked at closures/main.go:17, per the source)",
			"inside main.main.func2, which receives from ready (per the source)"}, ""},
		{"locals", true, []string{"main.main.func1", "main.main.func2"}, []string{
			"holds a (locked at locals/main.go:15, per the source)",
			"holds b (locked at locals/main.go:20, per the source)"}, ""},
		// The lock taken in a caller, the blocking Lock two frames deeper.
		{"deepcall", true, []string{"main.record", "main.snapshot"}, []string{
			"holds stateMu (locked at deepcall/main.go:21, per the source)",
			"holds logMu (locked at deepcall/main.go:39, per the source), to be released by a deferred call when main.flush returns"}, ""},
		// defer Unlock, then a receive from the goroutine that needs the lock.
		{"deferwait", false, []string{"main.(*Server).loop", "main.(*Server).Stop"}, []string{
			"holds s.mu (locked at deferwait/main.go:36, per the source), to be released by a deferred call when main.(*Server).Stop returns",
			"inside main.(*Server).loop, which closes s.stopped (per the source)"}, ""},
		// Elements of a slice and of a map of mutexes.
		{"stripes", false, []string{"main.(*Table).swap"}, []string{
			"holds t.stripes[…] (locked at stripes/main.go:19, per the source)",
			"holds named[…] (locked at stripes/main.go:30, per the source)"}, ""},
		// A sync.Locker parameter and a method value.
		{"locker", false, []string{"main.withBoth", "main.evict"}, []string{
			"holds first (locked at locker/main.go:18, per the source)",
			"holds diskMu (locked at locker/main.go:27, per the source)"}, ""},
		// RLock held across a receive; the writer queued; the sender's RLock behind it.
		{"rwchan", false, []string{"main.(*Config).watch", "main.(*Config).announce"}, []string{
			"read-holds c.mu (locked at rwchan/main.go:20, per the source)",
			"inside main.(*Config).announce, which sends on c.updates (per the source)"}, ""},
		{"cycle3", true, []string{"main.connect"}, []string{
			"holds a.mu (locked at cycle3/main.go:19, per the source)"}, ""},
		// Cond.Wait releases q.mu, not q.admin.
		{"condouter", false, []string{"main.(*Queue).take", "main.(*Queue).put"}, []string{
			"holds q.admin (locked at condouter/main.go:21, per the source)",
			"calls Signal on q.cond (per the source)"}, ""},
		{"selectlock", false, []string{"main.(*Worker).next", "main.(*Worker).submit"}, []string{
			"waits in a select on w.jobs, w.quit at main.(*Worker).next",
			"holds w.mu (locked at selectlock/main.go:21, per the source)",
			"inside main.(*Worker).submit, which sends on w.jobs (per the source)"}, ""},
		{"oncewait", false, []string{"main.load", "main.get"}, []string{
			"is inside once.Do (at oncewait/main.go:17) running its function, and so holds it (per the source)",
			"inside main.load.func1, which sends on done (per the source)"}, ""},
		{"wgsend", false, []string{"main.collect", "main.collect.func1"}, []string{
			"Add(1) at wgsend/main.go:15 (in a loop); 3 goroutines inside main.collect.func1 still owe a Done",
			"inside main.collect, which receives from results (per the source)"}, ""},
		// Blocked for good without a cycle: the only receiver has returned.
		{"timeoutleak", false, []string{"main.fetch.func1"}, []string{
			"per the source, ch is reached only by main.fetch and its function literals, and no goroutine that may still end the wait is inside them"},
			report.PartialDeadlock},
		// Blocked for good without a cycle: the producer is gone, and no
		// live goroutine may yet call a function that sends or closes.
		{"orphan", false, []string{"main.(*Feed).run"}, []string{
			"per the source, of the functions that may end the wait on f.updates, main.(*Feed).Close (closes f.updates), main.(*Feed).publish (sends on f.updates), none is or may yet be called by a goroutine outside them"},
			report.PartialDeadlock},
	}
	for _, tt := range tests {
		for _, format := range []string{"sigquit", "debug2"} {
			t.Run(tt.name+"."+format, func(t *testing.T) {
				file := filepath.Join("testdata", "frozendumps", tt.name+"."+format+".txt")
				code, out, errs := runAnalyzeCmd(t, "", "-src", src, "-json", "-", file)
				if code != 1 {
					t.Fatalf("exit %d, want 1\n%s", code, errs)
				}
				fs, err := report.ReadJSON(strings.NewReader(out))
				if err != nil || len(fs) == 0 {
					t.Fatalf("JSON: %v\n%s", err, out)
				}
				f := fs[0]
				want := tt.kind
				if want == "" {
					want = report.Deadlock
				}
				if f.Kind != want {
					t.Fatalf("kind %s, want %s\n%s", f.Kind, want, errs)
				}
				if certain := f.Certainty == report.Certain; certain != tt.certain {
					t.Errorf("certainty %q, want certain=%v", f.Certainty, tt.certain)
				}
				var funcs []string
				for _, g := range f.Goroutines {
					funcs = append(funcs, whereOfStack(g.Stack))
				}
				for _, fn := range tt.funcs {
					if !slices.Contains(funcs, fn) {
						t.Errorf("the finding's goroutines are in %v, none in %s", funcs, fn)
					}
				}
				var all []string
				for _, f := range fs {
					all = append(all, f.Summary)
				}
				for _, s := range tt.says {
					if !strings.Contains(strings.Join(all, "\n"), s) {
						t.Errorf("no summary says %q:\n%s", s, strings.Join(all, "\n"))
					}
				}
				// A finding that names a holder shows the hold in the JSON.
				held := !slices.ContainsFunc(tt.says, func(s string) bool { return strings.Contains(s, "holds") })
				if !held && len(f.Goroutines) > 0 && f.Goroutines[0].Wait == nil {
					t.Errorf("the first goroutine waits on nothing in the JSON")
				}
				for _, g := range f.Goroutines {
					for _, h := range g.Holds {
						held = held || len(h.Stack) > 0
					}
				}
				if !held {
					t.Errorf("no goroutine of the finding holds anything in the JSON")
				}
				if strings.Contains(errs, "another version") {
					t.Errorf("the source was found not to match:\n%s", errs)
				}
			})
		}
	}
	// Healthy: workers contending for a lock; a worker pool waiting on an
	// empty job channel its sleeping producer feeds; an accept loop
	// waiting for connections from a listener in I/O.
	for _, sc := range []string{"busy", "pool", "server", "later"} {
		for _, format := range []string{"sigquit", "debug2"} {
			t.Run(sc+"."+format, func(t *testing.T) {
				code, out, errs := runAnalyzeCmd(t, "", "-src", src, filepath.Join("testdata", "frozendumps", sc+"."+format+".txt"))
				if code != 0 || strings.Contains(out, "DEADLOCK") {
					t.Errorf("exit %d, want 0\n%s%s", code, out, errs)
				}
			})
		}
	}
}

// TestAnalyzeFrozenTest analyzes go test's timeout dump of a test that
// freezes: its frames in _test.go files (and a call whose argument is a
// function literal starting on its line) are explained from the source.
func TestAnalyzeFrozenTest(t *testing.T) {
	code, out, errs := runAnalyzeCmd(t, "", "-src", filepath.Join("testdata", "frozen"), filepath.Join("testdata", "frozendumps", "testfreeze.timeout.txt"))
	if code != 1 || !strings.Contains(out, "DEADLOCK") {
		t.Fatalf("exit %d, want 1 and a deadlock\n%s%s", code, out, errs)
	}
	for _, s := range []string{
		"holds audit (locked at testfreeze/store_test.go:25, per the source), to be released by a deferred call when example.com/frozen/testfreeze.TestConcurrentAdd.func2 returns",
		"holds s.mu (locked at testfreeze/store.go:15, per the source)",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("the output lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "another version") {
		t.Errorf("the source was found not to match:\n%s", out)
	}
}

// whereOfStack returns the function of the program's innermost frame.
func whereOfStack(s waitgraph.Stack) string {
	for _, f := range s {
		if strings.HasPrefix(f.Func, "main.") {
			return f.Func
		}
	}
	return ""
}

// TestAnalyzeFrozenInCheckout analyzes a dump from inside the program's
// checkout, without -src.
func TestAnalyzeFrozenInCheckout(t *testing.T) {
	file, err := filepath.Abs(filepath.Join("testdata", "frozendumps", "globals.debug2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join("testdata", "frozen", "globals"))
	code, out, errs := runAnalyzeCmd(t, "", file)
	if code != 1 || !strings.Contains(out, "holds ledger (locked at globals/main.go:25, per the source)") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}

// TestAnalyzeFrozenOtherVersion analyzes a dump with a source that is not
// the program's: a line added at the top shifts every line. The mismatch is
// said, and the file is not used.
func TestAnalyzeFrozenOtherVersion(t *testing.T) {
	dir := t.TempDir()
	from := filepath.Join("testdata", "frozen")
	for _, f := range []string{"go.mod", "internal/harness/harness.go", "globals/main.go"} {
		b, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "globals/main.go" {
			b = append([]byte("// Another version.\n"), b...)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, format := range []string{"sigquit", "debug2"} {
		code, out, errs := runAnalyzeCmd(t, "", "-src", dir, filepath.Join("testdata", "frozendumps", "globals."+format+".txt"))
		if strings.Contains(out, "per the source") {
			t.Errorf("%s: a file of another version was used:\n%s", format, out)
		}
		if !strings.Contains(out, "globals/main.go is another version than the program's; not used") {
			t.Errorf("%s: the mismatch is not said (exit %d):\n%s%s", format, code, out, errs)
		}
	}
}

// TestAnalyzeFrozenMinutes analyzes the dumps, without source, as if taken
// after the goroutines had waited 14 minutes: the frozen locks are a
// likely deadlock; the busy program, whose lock holder sleeps, is not.
func TestAnalyzeFrozenMinutes(t *testing.T) {
	tests := []struct {
		name string
		code int
		says string
	}{
		{"globals", 1, "DEADLOCK (likely)"},
		{"fields", 1, "DEADLOCK (likely)"},
		{"busy", 0, ""},
	}
	for _, tt := range tests {
		for _, format := range []string{"sigquit", "debug2"} {
			t.Run(tt.name+"."+format, func(t *testing.T) {
				b, err := os.ReadFile(filepath.Join("testdata", "frozendumps", tt.name+"."+format+".txt"))
				if err != nil {
					t.Fatal(err)
				}
				old := strings.ReplaceAll(string(b), "[sync.Mutex.Lock]:", "[sync.Mutex.Lock, 14 minutes]:")
				code, out, errs := runAnalyzeCmd(t, old, "-nosrc", "-")
				if code != tt.code || !strings.Contains(out, tt.says) {
					t.Errorf("exit %d, want %d with %q\n%s%s", code, tt.code, tt.says, out, errs)
				}
				if tt.code == 0 && strings.Contains(out, "DEADLOCK") {
					t.Errorf("a healthy program called deadlocked:\n%s", out)
				}
			})
		}
	}
}

// TestAnalyzeSourceHealthy analyzes the dumps of dump/testdata's healthy
// programs with their source (this module): reading it must not make any
// of them stuck.
func TestAnalyzeSourceHealthy(t *testing.T) {
	for _, sc := range []string{"workerpool", "pipeline", "slowio", "ticker", "idle", "busyloop", "recursion"} {
		for _, format := range []string{"sigquit", "debug2"} {
			t.Run(sc+"."+format, func(t *testing.T) {
				code, out, errs := runAnalyzeCmd(t, "", dumpFile(sc+"."+format))
				if code != 0 {
					t.Errorf("exit %d, want 0\n%s%s", code, out, errs)
				}
			})
		}
	}
}
