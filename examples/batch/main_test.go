package main

import (
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/internal/testutil"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func TestBatchDeadlock(t *testing.T) {
	r := gridlocktest.Record(t)
	go run(false, time.Hour)
	f := r.Wait(report.Deadlock, 10*time.Second)
	if f == nil {
		t.Fatalf("no deadlock reported: %v", r.Findings())
	}
	waitLine := testutil.Line(t, "main.go", "// waits for workers that wait for p.mu")
	storeLine := testutil.Line(t, "main.go", "// store the result")
	var batch, workers int
	for _, g := range f.Goroutines {
		switch {
		case g.Name == "batch" && g.Wait.Stack.Top().Line == waitLine && g.Wait.Mode == waitgraph.Wait:
			batch++
		case g.Wait.Stack.Top().Line == storeLine && g.Wait.Mode == waitgraph.Lock:
			workers++
		}
	}
	if batch != 1 || workers == 0 {
		t.Errorf("deadlock has %d batch waits at line %d and %d worker waits at line %d: %s", batch, waitLine, workers, storeLine, report.Text(f))
	}
	for _, res := range f.Resources {
		if res.Kind == waitgraph.WaitGroup && (res.Quorum != 3 || len(res.Releasers) != 3 || res.Releasers[0].Why != "started by WaitGroup.Go") {
			t.Errorf("wait group %+v: want 3 Dones owed by the goroutines WaitGroup.Go started", res)
		}
	}
}

func TestBatchFixedIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	if !run(true, 10*time.Second) {
		t.Fatal("the fixed processor did not finish")
	}
}
