// Package testutil has helpers for gridlock's own tests.
package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Line returns the 1-based number of the only line of file that contains
// marker, failing t if there is not exactly one. Tests use it to expect a
// finding at a line marked with a comment, so that editing the file above
// does not break them.
func Line(t testing.TB, file, marker string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("reading %s: %v", file, err)
	}
	found := 0
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, marker) {
			if found != 0 {
				t.Fatalf("%s: marker %q on lines %d and %d", file, marker, found, i+1)
			}
			found = i + 1
		}
	}
	if found == 0 {
		t.Fatalf("%s: no line contains %q", file, marker)
	}
	return found
}

// Pos returns "base(file):line" of the marked line.
func Pos(t testing.TB, file, marker string) string {
	return fmt.Sprintf("%s:%d", filepath.Base(file), Line(t, file, marker))
}

// SkipWithoutLeakProfile skips t when the go command's toolchain has no
// goroutine leak profile (GOEXPERIMENT=goroutineleakprofile, Go 1.26):
// what t expects, goroutines proven blocked for good while others run,
// needs the runtime's proof.
func SkipWithoutLeakProfile(t testing.TB) {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	goroot := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(goroot, "src", "internal", "goexperiment", "exp_goroutineleakprofile_on.go")); err != nil {
		t.Skipf("the toolchain in %s has no goroutine leak profile (Go 1.26): the runtime cannot prove the goroutines blocked for good", goroot)
	}
}
