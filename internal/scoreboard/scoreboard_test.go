package scoreboard

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/internal/testutil"
)

// Floors of the scoreboard: raise them as gridlock finds more. Every
// buggy kernel is found exactly (see the README); the floor leaves one
// miss for a kernel whose verdict a loaded machine delays past the hang
// threshold, since the tests of other packages run alongside.
const (
	minExact = 48 // buggy kernels found with exactly the expected kinds
	minFound = 49 // buggy kernels with some finding
)

func root(t *testing.T) string {
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCorpus(t *testing.T) {
	ks, err := Load(filepath.Join(root(t), "kernels"))
	if err != nil {
		t.Fatal(err)
	}
	var buggy, correct int
	for _, k := range ks {
		if k.Category == "" {
			t.Errorf("%s: EXPECTED has no category", k.Path)
		}
		if _, err := os.Stat(filepath.Join(root(t), "kernels", k.Path, "kernel_test.go")); err != nil {
			t.Errorf("%s: no test: %v", k.Path, err)
		}
		if k.Buggy() {
			buggy++
		} else {
			correct++
		}
	}
	if buggy < 40 || correct < 15 {
		t.Errorf("%d buggy and %d correct kernels, want at least 40 and 15", buggy, correct)
	}
}

func TestScoreboard(t *testing.T) {
	if testing.Short() {
		t.Skip("runs gridlock test on the whole corpus (about a minute)")
	}
	// The corpus's expectations are those of a toolchain with the
	// runtime's leak detector: on Go 1.24, 40 of the 49 buggy kernels are
	// found (the others are goroutines left blocked on channels while the
	// test binary runs on), and the 18 correct ones stay silent.
	testutil.SkipWithoutLeakProfile(t)
	b, err := Run(Options{Root: root(t), Wait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var md strings.Builder
	b.WriteMarkdown(&md)
	t.Logf("\n%s", md.String())
	tot := b.Totals()
	for _, k := range b.Kernels {
		if !k.Buggy() && len(k.Found) > 0 {
			t.Errorf("false alarm: %s: found %v in correct code", k.Path, k.Found)
		}
	}
	if tot.BuggyExact < minExact || tot.BuggyFound < minFound {
		t.Errorf("found %d kernels exactly and %d in part, want at least %d and %d", tot.BuggyExact, tot.BuggyFound, minExact, minFound)
	}
}

// TestExploreColumn runs the scoreboard with its explore column on the
// kernels whose kind explore must tell apart as gridlock test does: a
// circular wait through a lock held across Cond.Wait, a lost wake-up, a
// read lock held while waiting on a channel only its holder has, a read
// lock taken again behind a waiting writer; a lock whose waiters must be
// woken in the order they queued (chanlock/adtech: the writer queued
// first holds the lock while it waits for room the consumer, queued
// second, would make).
func TestExploreColumn(t *testing.T) {
	if testing.Short() {
		t.Skip("runs gridlock test and gridlock explore on part of the corpus (about 40 seconds)")
	}
	testutil.SkipWithoutLeakProfile(t)
	for _, pattern := range []string{"./cond/...", "./rwr/...", "./chanlock/..."} {
		b, err := Run(Options{Root: root(t), Wait: 2 * time.Second, Pattern: pattern, Explore: true})
		if err != nil {
			t.Fatal(err)
		}
		var md strings.Builder
		b.WriteMarkdown(&md)
		t.Logf("\n%s", md.String())
		for _, k := range b.Kernels {
			if v := k.ExploreVerdict(); v != "silent" && !strings.HasPrefix(v, "found (") {
				t.Errorf("%s: gridlock explore: %s, want one of %v", k.Path, v, k.Want)
			}
		}
	}
}

func TestExploreVerdicts(t *testing.T) {
	b := &Board{Kernels: []*Kernel{
		{Path: "a", Want: []string{"deadlock", "lock-held-across-blocking"}, Found: []string{"deadlock"}, Explore: true, Explored: "deadlock"},
		{Path: "b", Want: []string{"partial-deadlock"}, Found: []string{"partial-deadlock"}, Explore: true, Explored: "deadlock"},
		{Path: "c", Want: []string{"recursive-lock"}, Explore: true},
		{Path: "d", Explore: true},
		{Path: "e", Explore: true, Explored: "partial-deadlock"},
	}}
	want := []string{"found (deadlock)", "found other (deadlock)", "missed", "silent", "FALSE ALARM (partial-deadlock)"}
	for i, k := range b.Kernels {
		if got := k.ExploreVerdict(); got != want[i] {
			t.Errorf("%s: verdict %q, want %q", k.Path, got, want[i])
		}
	}
	tot := b.Totals()
	if tot.ExploreFound != 1 || tot.ExploreAny != 2 || tot.ExploreSilent != 1 || tot.Buggy != 3 || tot.Correct != 2 {
		t.Errorf("totals %+v", tot)
	}
	var md strings.Builder
	if err := b.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| explore") || !strings.Contains(md.String(), "buggy kernels: 1 of 3 stopped on an expected kind, 2 of 3 on some finding or failure; correct kernels: 1 of 2 silent") {
		t.Errorf("markdown:\n%s", md.String())
	}
}
