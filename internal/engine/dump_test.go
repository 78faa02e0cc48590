package engine

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func dumpsTaken() int64 {
	dumps.mu.Lock()
	defer dumps.mu.Unlock()
	return dumps.taken
}

// parkWaiters starts n goroutines, each registered as waiting to send on
// a primitive of its own that nothing will receive from (a hand-off: an
// idle receiver is no long wait), and returns when
// they are all registered, with a function that ends their waits.
func parkWaiters(t *testing.T, n int) (recs []*waitRec, end func()) {
	release := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range n {
		wg.Add(1)
		ready := make(chan *waitRec)
		go func() {
			defer wg.Done()
			var r PrimRef
			p := r.Get(waitgraph.Chan, 0)
			w := BeginWaitOn(Goid(), 0, false, WaitOn{Prim: p, Mode: waitgraph.Send})
			<-w.C()
			w.Tick() // registers it; its re-checks run from a timer
			ready <- w.rec
			<-release
			w.End()
		}()
		rec := <-ready
		mu.Lock()
		recs = append(recs, rec)
		mu.Unlock()
	}
	return recs, func() { close(release); wg.Wait() }
}

// longDone reports whether every wait's long-wait check has run.
func longDone(recs []*waitRec) bool {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	for _, r := range recs {
		if !r.longDone {
			return false
		}
	}
	return true
}

func TestLongWaitsShareOneDump(t *testing.T) {
	prev := CurrentOptions()
	defer Configure(prev)
	Reset()
	var found atomic.Int64
	var stackless atomic.Int64 // goroutines not given their state from a dump
	Configure(Options{Level: LevelOn, LongWait: 100 * time.Millisecond, OnFinding: func(f *report.Finding) {
		found.Add(1)
		for _, g := range f.Goroutines {
			if g.State == "" {
				stackless.Add(1)
			}
		}
	}})
	const n = 100
	before := dumpsTaken()
	recs, end := parkWaiters(t, n)
	defer end()
	for !longDone(recs) {
		time.Sleep(10 * time.Millisecond)
	}
	// One bug, one finding: the waits alike are counted, not reported
	// again (see deliver).
	if got := found.Load(); got < 1 {
		t.Fatalf("%d findings for %d long waits", got, n)
	}
	// Every wait began before the first dump: that one shows them all.
	if got := dumpsTaken() - before; got > 2 {
		t.Errorf("%d stack dumps for %d findings on waits that began together, want 1 or 2", got, n)
	}
	if got := stackless.Load(); got > 0 {
		t.Errorf("%d goroutines of the findings not given their state", got)
	}
}

func TestKindsOffAreNotBuilt(t *testing.T) {
	prev := CurrentOptions()
	defer Configure(prev)
	Reset()
	var found atomic.Int64
	Configure(Options{Level: LevelOn, LongWait: 50 * time.Millisecond, Off: []report.Kind{report.LongWait, report.PartialDeadlock},
		OnFinding: func(*report.Finding) { found.Add(1) }})
	before := dumpsTaken()
	recs, end := parkWaiters(t, 10)
	defer end()
	for !longDone(recs) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := found.Load(); got != 0 {
		t.Errorf("%d findings of kinds turned off", got)
	}
	if got := dumpsTaken() - before; got != 0 {
		t.Errorf("%d stack dumps for findings of kinds turned off", got)
	}
}
