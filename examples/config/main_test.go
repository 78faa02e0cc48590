//lint:file-ignore SA2001 tests take locks for the order they show, with nothing inside

package main

import (
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/internal/testutil"
	"github.com/gridlock-go/gridlock/report"
)

func TestConfigRecursiveRLock(t *testing.T) {
	r := gridlocktest.Record(t)
	if d := run(false); d != 6*time.Second {
		t.Errorf("deadline %v, want 6s", d)
	}
	fs := r.Of(report.RecursiveRLock)
	if len(fs) != 1 {
		t.Fatalf("got %d recursive-rlock findings, want 1: %v", len(fs), r.Findings())
	}
	g := fs[0].Goroutines[0]
	if got, want := g.Wait.Stack.Top().Line, testutil.Line(t, "main.go", "// and read it again"); got != want {
		t.Errorf("second RLock reported at line %d, want %d", got, want)
	}
	if got, want := g.Holds[0].Stack.Top().Line, testutil.Line(t, "main.go", "// read the configuration"); got != want {
		t.Errorf("first RLock at line %d, want %d", got, want)
	}
}

func TestConfigWithWriterDeadlocks(t *testing.T) {
	// What the report warns of: a writer between the two RLocks.
	r := gridlocktest.Record(t)
	s := &Server{cfg: Config{Timeout: time.Second, Retries: 3}}
	s.mu.RLock() // the handler's first RLock
	go s.Reload(Config{Timeout: time.Second})
	time.Sleep(20 * time.Millisecond) // the writer queues
	done := make(chan bool)
	go func() {
		s.mu.RLock() // the handler's second RLock, in another goroutine here
		s.mu.RUnlock()
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("second RLock passed a waiting writer")
	case <-time.After(100 * time.Millisecond):
	}
	s.mu.RUnlock()
	<-done
	_ = r
}

func TestConfigFixedIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	if d := run(true); d != 6*time.Second {
		t.Errorf("deadline %v, want 6s", d)
	}
}
