//lint:file-ignore SA2001 tests take locks for the order they show, with nothing inside

package main

import (
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/internal/testutil"
	"github.com/gridlock-go/gridlock/report"
)

func TestTransferInversion(t *testing.T) {
	r := gridlocktest.Record(t)
	run(false)
	fs := r.Of(report.LockOrderInversion)
	if len(fs) != 1 {
		t.Fatalf("got %d lock-order-inversion findings, want 1: %v", len(fs), r.Findings())
	}
	f := fs[0]
	if len(f.Orders) != 2 || len(f.Resources) != 2 {
		t.Fatalf("cycle of %d edges over %d locks, want 2 and 2", len(f.Orders), len(f.Resources))
	}
	second := testutil.Line(t, "main.go", "// then the destination")
	first := testutil.Line(t, "main.go", "// lock the source")
	for _, o := range f.Orders {
		top := o.Stack.Top()
		if !strings.HasSuffix(top.Func, ".Transfer") || !strings.HasSuffix(top.File, "transfer/main.go") || top.Line != second {
			t.Errorf("edge %s→%s taken at %v, want Transfer at transfer/main.go:%d", o.From, o.To, top, second)
		}
		if from := o.FromStack.Top(); from.Line != first {
			t.Errorf("edge %s→%s: held lock taken at %v, want line %d", o.From, o.To, from, first)
		}
	}
}

func TestTransferOrderedIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	if x, y := run(true); x+y != 200 {
		t.Errorf("money lost: %d + %d", x, y)
	}
}
