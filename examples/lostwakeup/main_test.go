package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/internal/testutil"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func TestLostWakeup(t *testing.T) {
	r := gridlocktest.Record(t, gridlocktest.LongWait(500*time.Millisecond))
	go run(false, time.Hour)
	f := r.Wait(report.PartialDeadlock, 10*time.Second)
	if f == nil {
		t.Fatalf("no partial-deadlock reported: %v", r.Findings())
	}
	if len(f.Goroutines) != 1 || f.Goroutines[0].Name != "consumer" {
		t.Fatalf("goroutines = %v", f.Goroutines)
	}
	g := f.Goroutines[0]
	if line := testutil.Line(t, "main.go", "// waits for a signal that came already"); g.Wait.Stack.Top().Line != line {
		t.Errorf("waits at line %d, want %d", g.Wait.Stack.Top().Line, line)
	}
	if !strings.Contains(f.Summary, "signalled it before (exited)") {
		t.Errorf("summary %q does not say the signaller exited", f.Summary)
	}
	var cond *waitgraph.Resource
	for _, res := range f.Resources {
		if res.Kind == waitgraph.Cond {
			cond = res
		}
	}
	if cond == nil || !strings.HasPrefix(cond.Name, "cond of mutex#") {
		t.Errorf("cond resource = %+v, want it named after its lock", cond)
	}
}

func TestLostWakeupFixedIsSilent(t *testing.T) {
	gridlocktest.Check(t, gridlocktest.LongWait(500*time.Millisecond))
	for range 20 {
		if !run(true, 10*time.Second) {
			t.Fatal("the fixed consumer did not finish")
		}
	}
}
