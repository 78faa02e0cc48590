//lint:file-ignore SA2001 tests take locks for the order they show, with nothing inside

package main

import (
	"testing"

	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/internal/testutil"
	"github.com/gridlock-go/gridlock/report"
)

func TestPipelineInversion(t *testing.T) {
	r := gridlocktest.Record(t)
	run(false)
	fs := r.Of(report.LockOrderInversion)
	if len(fs) != 1 {
		t.Fatalf("got %d lock-order-inversion findings, want 1: %v", len(fs), r.Findings())
	}
	f := fs[0]
	// The two edges: batch→registry in Flush, registry→batch in Progress.
	want := map[int]int{
		testutil.Line(t, "main.go", "// then the registry"): testutil.Line(t, "main.go", "// take the batch"),
		testutil.Line(t, "main.go", "// then the batch"):    testutil.Line(t, "main.go", "// take the registry"),
	}
	if len(f.Orders) != 2 {
		t.Fatalf("cycle has %d edges, want 2", len(f.Orders))
	}
	for _, o := range f.Orders {
		at, from := o.Stack.Top().Line, o.FromStack.Top().Line
		if want[at] != from {
			t.Errorf("edge %s→%s at line %d (held since %d); want one of %v", o.From, o.To, at, from, want)
		}
		delete(want, at)
	}
	if len(r.Findings()) != 1 {
		t.Errorf("want only the inversion, got %v", r.Findings())
	}
}

func TestPipelineOrderedIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	if sum, pending := run(true); sum != 6 || pending != 0 {
		t.Errorf("published %d, %d pending; want 6, 0", sum, pending)
	}
}

func TestPipelineDeclaredOrderCatchesTheBug(t *testing.T) {
	// With the order declared, the buggy Flush is a hierarchy violation
	// the first time it runs, before any second order is ever seen.
	r := gridlocktest.Record(t)
	p := newPipeline(true)
	p.Flush()
	fs := r.Of(report.HierarchyViolation)
	if len(fs) != 1 {
		t.Fatalf("got %d hierarchy-violation findings, want 1: %v", len(fs), r.Findings())
	}
	if got, want := fs[0].Positions[0], testutil.Pos(t, "main.go", "// then the registry"); !hasSuffix(got, want) {
		t.Errorf("violation at %s, want %s", got, want)
	}
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}
