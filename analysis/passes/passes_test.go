package passes_test

import (
	"os/exec"
	"testing"

	"golang.org/x/tools/go/analysis"

	"github.com/gridlock-go/gridlock/analysis/passes"
	"github.com/gridlock-go/gridlock/report"
)

func TestAll(t *testing.T) {
	as := passes.All()
	if err := analysis.Validate(as); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, a := range as {
		if names[a.Name] {
			t.Errorf("two analyzers named %s", a.Name)
		}
		names[a.Name] = true
		if a.Doc == "" || a.URL == "" {
			t.Errorf("%s lacks Doc or URL", a.Name)
		}
	}
	for _, k := range []report.Kind{report.LockHeldAcrossBlocking, report.LockOrderInversion,
		report.RecursiveLock, report.LockLeak, report.SelectSameLock} {
		found := false
		for _, a := range as {
			found = found || a.URL == k.Doc()
		}
		if !found {
			t.Errorf("no analyzer links to %s", k.Doc())
		}
	}
}

// TestGolangciPlugin builds and tests the golangci-lint plugin, a module of
// its own in ../../golangci.
func TestGolangciPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test in the plugin's module")
	}
	cmd := exec.Command("go", "test", "./...")
	cmd.Dir = "../../golangci"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test in golangci/: %v\n%s", err, out)
	}
}
