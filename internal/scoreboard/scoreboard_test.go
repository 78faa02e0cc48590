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
