package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOneReportPerBug checks that a bug hit by two test binaries, on
// fresh locks in every iteration, is printed once, counted in the summary,
// and written to -json once with its count and the binaries it was seen in.
func TestOneReportPerBug(t *testing.T) {
	dir := module(t, map[string]string{
		"m/m.go": `package m

import "sync"

type Pair struct{ a, b sync.Mutex }

func (p *Pair) AB() { p.a.Lock(); p.b.Lock(); p.b.Unlock(); p.a.Unlock() }
func (p *Pair) BA() { p.b.Lock(); p.a.Lock(); p.a.Unlock(); p.b.Unlock() }
`,
		"m/m_test.go": `package m

import "testing"

func TestPairs(t *testing.T) {
	for range 10 {
		p := new(Pair)
		p.AB()
		p.BA()
	}
}
`,
		"n/n_test.go": `package n

import (
	"testing"

	"example.com/m/m"
)

func TestPairs(t *testing.T) {
	for range 5 {
		p := new(m.Pair)
		p.AB()
		p.BA()
	}
}
`,
	})
	out := filepath.Join(t.TempDir(), "findings.json")
	r := gridlock(t, dir, "test", "-json", out, "./...")
	if n := strings.Count(r.stderr, "gridlock: lock-order-inversion:"); r.code != 1 || n != 1 {
		t.Fatalf("exit %d, %d reports; want 1, 1\n%s", r.code, n, r)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var fs []struct {
		Kind  string   `json:"kind"`
		Count int      `json:"count"`
		Tests []string `json:"tests"`
	}
	if err := json.Unmarshal(b, &fs); err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("-json: %+v; want one finding", fs)
	}
	// Each binary reports it once per pair of instances (15 in all), or
	// once per pair of lock classes where order is checked per class.
	slices.Sort(fs[0].Tests)
	if fs[0].Count < 2 || !slices.Equal(fs[0].Tests, []string{"example.com/m/m", "example.com/m/n"}) {
		t.Errorf("-json: %+v; want it seen in both packages", fs[0])
	}
	if !strings.Contains(r.stderr, " times in 2 tests\n") {
		t.Errorf("the summary does not count the repeats:\n%s", r.stderr)
	}
}
