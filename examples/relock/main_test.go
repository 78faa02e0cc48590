//lint:file-ignore SA2001 tests take locks for the order they show, with nothing inside

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/internal/testutil"
	"github.com/gridlock-go/gridlock/report"
)

func TestRelock(t *testing.T) {
	r := gridlocktest.Record(t)
	start := time.Now()
	go run(false, time.Hour) // leaks a goroutine stuck on itself, by design
	f := r.Wait(report.RecursiveLock, 2*time.Second)
	if f == nil {
		t.Fatalf("no recursive-lock reported; findings: %v", r.Findings())
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("reported after %v", d)
	}
	g := f.Goroutines[0]
	if got, want := g.Wait.Stack.Top().Line, testutil.Line(t, "main.go", "// relocks: hangs"); got != want {
		t.Errorf("relock reported at line %d, want %d", got, want)
	}
	if !strings.HasSuffix(g.Wait.Stack.Top().Func, "(*Cache).refresh") {
		t.Errorf("relock in %s, want (*Cache).refresh", g.Wait.Stack.Top().Func)
	}
	// The stack shows the call chain: refresh called from Get.
	if len(g.Wait.Stack) < 2 || !strings.HasSuffix(g.Wait.Stack[1].Func, "(*Cache).Get") {
		t.Errorf("stack = %v, want refresh called from Get", g.Wait.Stack)
	}
	if got, want := g.Holds[0].Stack.Top().Line, testutil.Line(t, "main.go", "// the first lock"); got != want {
		t.Errorf("held since line %d, want %d", got, want)
	}
}

func TestRelockFixed(t *testing.T) {
	gridlocktest.Check(t)
	if !run(true, 5*time.Second) {
		t.Fatal("GetFixed did not return")
	}
}
