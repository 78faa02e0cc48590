package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// jitterModule writes the module of testdata/jitter: a rare bug (a
// checker that looks between the two locked steps of a mover waits for a
// confirmation nobody sends), run 500 times on one processor, where
// without a yield in the window it never shows.
func jitterModule(t *testing.T) string {
	t.Helper()
	files := map[string]string{}
	for _, name := range []string{"ledger.go", "ledger_test.go"} {
		b, err := os.ReadFile(filepath.Join("testdata", "jitter", name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	return module(t, files)
}

var jitterSeedRE = regexp.MustCompile(`gridlock test: found with jitter seed (\d+) \(repeat with -jitter-seed (\d+)\)`)

// TestJitterFindsAndRepeats runs gridlock test -jitter on the rare bug:
// the finding names the checker's wait, the seed is printed right after
// it, and -jitter-seed with that seed finds it again.
func TestJitterFindsAndRepeats(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a module four times")
	}
	dir := jitterModule(t)
	check := func(t *testing.T, r *result) string {
		t.Helper()
		if r.code != 1 || len(r.findings) != 1 {
			t.Fatalf("want exit 1 and one finding, got %s", r)
		}
		f := r.findings[0]
		if f.Kind != "partial-deadlock" || !slices.ContainsFunc(f.Positions, func(p string) bool { return strings.HasSuffix(p, "ledger.go:32") }) {
			t.Fatalf("want a partial-deadlock at the checker's receive (ledger.go:32), got %s at %v\n%s", f.Kind, f.Positions, r)
		}
		named := false
		for _, g := range f.Goroutines {
			named = named || g.Name == "(*Ledger).Check"
		}
		if !named {
			t.Errorf("the finding does not name the checker:\n%s", r)
		}
		// The seed is printed with the finding: right after its text.
		end := strings.LastIndex(r.stderr, "\n=====")
		m := jitterSeedRE.FindStringSubmatchIndex(r.stderr)
		if m == nil || end < 0 || strings.TrimSpace(r.stderr[end:m[0]]) != strings.Repeat("=", 66) {
			t.Fatalf("no jitter seed printed after the finding:\n%s", r.stderr)
		}
		seed, again := r.stderr[m[2]:m[3]], r.stderr[m[4]:m[5]]
		if seed != again {
			t.Fatalf("seed %s, repeat with %s", seed, again)
		}
		return seed
	}
	r := gridlock(t, dir, "test", "-jitter", ".")
	seed := check(t, r)
	for i := range 2 {
		rr := gridlock(t, dir, "test", "-jitter-seed", seed, ".")
		if got := check(t, rr); got != seed {
			t.Fatalf("run %d with -jitter-seed %s printed seed %s", i, seed, got)
		}
		if rr.findings[0].Summary == "" || rr.findings[0].Kind != r.findings[0].Kind {
			t.Fatalf("run %d with -jitter-seed %s: %s, want %s", i, seed, rr.findings[0].Kind, r.findings[0].Kind)
		}
	}
	// Without jitter the window stays shut.
	if plain := gridlock(t, dir, "test", "."); plain.code != 0 || len(plain.findings) != 0 {
		t.Errorf("without -jitter: want no finding, got %s", plain)
	}
}
