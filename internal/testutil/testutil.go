// Package testutil has helpers for gridlock's own tests.
package testutil

import (
	"fmt"
	"os"
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
