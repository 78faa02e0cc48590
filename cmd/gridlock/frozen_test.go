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
		funcs   []string // the functions of the goroutines of the finding
		says    []string // in the summary
	}{
		{"globals", true, []string{"main.credit", "main.audit"}, []string{
			"holds accounts (locked at globals/main.go:17, per the source)",
			"holds ledger (locked at globals/main.go:25, per the source)"}},
		{"fields", true, []string{"main.transfer"}, []string{
			"holds from.mu (locked at fields/main.go:19, per the source)"}},
		{"waitgroup", false, []string{"main.(*Cache).fill", "main.(*Cache).refresh"}, []string{
			"holds c.mu (locked at waitgroup/main.go:26, per the source)",
			"calls Done on wg (per the source)",
			"Add(1) at waitgroup/main.go:30 (in a loop)"}},
		{"chansend", false, []string{"main.(*Hub).publish", "main.(*Hub).consume"}, []string{
			"h.mu (locked at chansend/main.go:20, per the source)",
			"receives from h.events (per the source)"}},
		{"rlock", false, []string{"main.(*Store).get", "main.(*Store).put"}, []string{
			"read-holds s.mu (locked at rlock/main.go:24, per the source)"}},
		{"closures", false, []string{"main.main.func1", "main.main.func2"}, []string{
			"holds mu (locked at closures/main.go:17, per the source)",
			"inside main.main.func2, which receives from ready (per the source)"}},
		{"locals", true, []string{"main.main.func1", "main.main.func2"}, []string{
			"holds a (locked at locals/main.go:15, per the source)",
			"holds b (locked at locals/main.go:20, per the source)"}},
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
				if f.Kind != report.Deadlock {
					t.Fatalf("kind %s, want deadlock\n%s", f.Kind, errs)
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
				for _, s := range tt.says {
					if !strings.Contains(f.Summary, s) {
						t.Errorf("the summary lacks %q:\n%s", s, f.Summary)
					}
				}
				held := false
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
	for _, format := range []string{"sigquit", "debug2"} {
		t.Run("busy."+format, func(t *testing.T) {
			code, out, errs := runAnalyzeCmd(t, "", "-src", src, filepath.Join("testdata", "frozendumps", "busy."+format+".txt"))
			if code != 0 || strings.Contains(out, "DEADLOCK") {
				t.Errorf("exit %d, want 0\n%s%s", code, out, errs)
			}
		})
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
