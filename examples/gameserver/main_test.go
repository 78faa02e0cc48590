package main

import (
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/internal/testutil"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func TestGameServerCycle(t *testing.T) {
	r := gridlocktest.Record(t)
	go run(false, 1000, time.Hour) // leaks the stuck tasks, by design
	f := r.Wait(report.Deadlock, 10*time.Second)
	if f == nil {
		t.Fatalf("no deadlock reported: %v", r.Findings())
	}
	want := map[string]int{
		"physics":  testutil.Line(t, "main.go", "// two collisions per frame") + 1,
		"reaction": testutil.Line(t, "main.go", "// blocks when physics is behind"),
	}
	for _, g := range f.Goroutines {
		if g.Wait.Mode != waitgraph.Send || g.Wait.Stack.Top().Line != want[g.Name] {
			t.Errorf("%s waits %s at line %d, want a send at line %d", g.Label(), g.Wait.Mode, g.Wait.Stack.Top().Line, want[g.Name])
		}
	}
	if len(f.Goroutines) != 2 || len(f.Resources) != 2 {
		t.Errorf("deadlock of %d goroutines over %d resources, want 2 and 2", len(f.Goroutines), len(f.Resources))
	}
}

func TestGameServerFixedIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	if !run(true, 1000, 10*time.Second) {
		t.Fatal("the fixed loop did not finish")
	}
}
