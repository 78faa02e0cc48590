package dump_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gridlock-go/gridlock/dump"
	"github.com/gridlock-go/gridlock/report"
)

// FuzzParse feeds arbitrary text to the parser and the analyzer: they must
// never panic, and what they return must hold together. The seeds are the
// real dumps of testdata/dumps, cut into pieces small enough to mutate.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "dumps", "*.txt"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		const piece = 2048
		for i := 0; i < len(b) && i < 3*piece; i += piece {
			f.Add(b[i:min(i+piece, len(b))])
		}
	}
	f.Add([]byte(twoGoroutines))
	f.Add([]byte(argsDump))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := dump.ParseBytes(in)
		if err != nil {
			return
		}
		total := 0
		for i := range d.Goroutines {
			g := &d.Goroutines[i]
			if g.Stack < 0 || g.Stack >= len(d.Stacks) {
				t.Fatalf("goroutine %d has stack %d of %d", g.ID, g.Stack, len(d.Stacks))
			}
			for _, a := range d.Args(g) {
				if int(a.Frame) >= len(d.Stacks[g.Stack].Frames) {
					t.Fatalf("goroutine %d has an argument of frame %d of %d", g.ID, a.Frame, len(d.Stacks[g.Stack].Frames))
				}
			}
			total += g.Count
		}
		if total != d.Total() {
			t.Fatalf("Total %d, counted %d", d.Total(), total)
		}
		a := dump.Analyze(d)
		n := 0
		for _, b := range a.Buckets {
			n += b.Count
		}
		if n != d.Total() {
			t.Fatalf("buckets hold %d goroutines, the dump %d", n, d.Total())
		}
		if a.Running+a.External+a.Blocked+a.Idle+a.System != d.Total() {
			t.Fatalf("classes hold %d goroutines, the dump %d", a.Running+a.External+a.Blocked+a.Idle+a.System, d.Total())
		}
		for _, f := range a.Findings {
			if !f.Kind.Known() || f.Summary == "" {
				t.Fatalf("finding %+v", f)
			}
		}
		var b bytes.Buffer
		if err := a.WriteText(&b, true); err != nil {
			t.Fatal(err)
		}
		if err := a.WriteHTML(io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := report.WriteJSON(io.Discard, a.Findings); err != nil {
			t.Fatal(err)
		}
		if err := report.WriteDOT(io.Discard, a.Findings); err != nil {
			t.Fatal(err)
		}
	})
}
