package main

import (
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/internal/testutil"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func TestAdtechDeadlock(t *testing.T) {
	r := gridlocktest.Record(t)
	go run(false, 10000, time.Hour) // leaks the stuck goroutines, by design
	f := r.Wait(report.Deadlock, 10*time.Second)
	if f == nil {
		t.Fatalf("no deadlock reported: %v", r.Findings())
	}
	sendLine := testutil.Line(t, "main.go", "// blocks when the queue is full, lock held")
	lockLine := testutil.Line(t, "main.go", "// records the event under the engine's lock")
	waits := map[string]int{}
	for _, g := range f.Goroutines {
		waits[g.Name] = g.Wait.Stack.Top().Line
	}
	if waits["bidders"] != sendLine || waits["event-consumer"] != lockLine {
		t.Errorf("waits at %v, want bidders at line %d, event-consumer at line %d", waits, sendLine, lockLine)
	}
	kinds := map[waitgraph.ResourceKind]bool{}
	for _, res := range f.Resources {
		kinds[res.Kind] = true
	}
	if !kinds[waitgraph.Mutex] || !kinds[waitgraph.Chan] {
		t.Errorf("resources %v, want the engine's mutex and the events channel", kinds)
	}
	// The lock held across the send closes the cycle: reported once the
	// wait has lasted a second (a lock may be handed over before).
	if w := r.Wait(report.LockHeldAcrossBlocking, 10*time.Second); w == nil || w.Goroutines[0].Wait.Stack.Top().Line != sendLine {
		t.Errorf("no lock-held-across-blocking warning at the send: %v", r.Of(report.LockHeldAcrossBlocking))
	}
}

func TestAdtechActorIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	if !run(true, 10000, 10*time.Second) {
		t.Fatal("the actor did not place every bid")
	}
}
