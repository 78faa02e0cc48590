package main

import (
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/internal/testutil"
	"github.com/gridlock-go/gridlock/report"
)

func TestPermitsDeadlock(t *testing.T) {
	r := gridlocktest.Record(t)
	go run(false, time.Hour)
	f := r.Wait(report.Deadlock, 10*time.Second)
	if f == nil {
		t.Fatalf("no deadlock reported: %v", r.Findings())
	}
	line := testutil.Line(t, "main.go", "// the sub-request: none left")
	for _, g := range f.Goroutines {
		if g.Wait.Stack.Top().Line != line || len(g.Holds) != 1 || g.Holds[0].Count != 1 {
			t.Errorf("%s: waits at %d holding %+v; want waiting at line %d holding one permit", g.Label(), g.Wait.Stack.Top().Line, g.Holds, line)
		}
	}
	if len(f.Goroutines) != 2 {
		t.Errorf("deadlock of %d goroutines, want 2", len(f.Goroutines))
	}
	w := r.Of(report.SemaphoreHoldAndWait)
	if len(w) != 1 || w[0].Goroutines[0].Wait.Stack.Top().Line != line {
		t.Errorf("semaphore-hold-and-wait = %v, want one at line %d", w, line)
	}
}

func TestPermitsFixedIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	if !run(true, 10*time.Second) {
		t.Fatal("the fixed tasks did not finish")
	}
}
