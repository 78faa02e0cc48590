package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// TestSweepFreesExitedGoroutines checks that the states of goroutines
// that have exited are dropped by a sweep, with no goroutine created since
// (the table does not grow), while those of goroutines still running, or
// of one that exited holding a lock, stay.
func TestSweepFreesExitedGoroutines(t *testing.T) {
	Enabled()
	if rt.Self() == 0 {
		t.Skip("goroutine exits are not observable here")
	}
	const n = 300
	var took, exited sync.WaitGroup
	ids := make(chan uint64, n)
	for range n {
		took.Add(1)
		exited.Add(1)
		go func() {
			defer exited.Done()
			var r Ref
			Acquired(Goid(), &r, waitgraph.Mutex, Write, 0, nil)
			ReleaseWrite(&r)
			ids <- Goid()
			took.Done()
		}()
	}
	// One goroutine still running, idle, and one that exits holding a lock.
	release := make(chan struct{})
	liveID, leakID := make(chan uint64), make(chan uint64)
	go func() {
		// Started as gridlock.Go starts it: maintenance, which drops the
		// states of goroutines that have taken no lock for a round, keeps
		// those of started goroutines still running, so only a sweep could
		// drop this one.
		Started(Spawned{}, "live")
		var r Ref
		Acquired(Goid(), &r, waitgraph.Mutex, Write, 0, nil)
		ReleaseWrite(&r)
		liveID <- Goid()
		<-release
	}()
	var leaked Ref
	go func() {
		Acquired(Goid(), &leaked, waitgraph.Mutex, Write, 0, nil)
		leakID <- Goid()
	}()
	live, leak := <-liveID, <-leakID
	defer close(release)
	took.Wait()
	exited.Wait()
	close(ids)
	// Exits are seen once the goroutines are dead: retry a few sweeps.
	var left []uint64
	for id := range ids {
		left = append(left, id)
	}
	for try := 0; try < 100; try++ {
		sweepExited()
		k := 0
		for _, id := range left {
			if e.gtab.Load().lookup(id) != nil {
				k++
			}
		}
		if k == 0 {
			break
		}
		if try == 99 {
			t.Fatalf("%d of %d exited goroutines keep their state after sweeps", k, n)
		}
		runtime.Gosched()
	}
	if e.gtab.Load().lookup(live) == nil {
		t.Error("the sweep dropped the state of a running goroutine")
	}
	if e.gtab.Load().lookup(leak) == nil {
		t.Error("the sweep dropped the state of a goroutine that exited holding a lock")
	}
}

// TestMaintenanceKeepsPendingAdds checks that the state of a goroutine
// whose WaitGroup Adds still pay for goroutines it may start survives the
// maintenance rounds that drop idle states: the goroutines it starts owe
// the Done (Spawn reads its Adds).
func TestMaintenanceKeepsPendingAdds(t *testing.T) {
	Enabled()
	var counter atomic.Int64
	var pr PrimRef
	p := pr.GetCounter(waitgraph.WaitGroup, 0, &counter)
	adder, idler := make(chan uint64), make(chan uint64)
	release := make(chan struct{})
	defer close(release)
	go func() {
		counter.Add(1)
		p.NoteAdd(Goid(), 1)
		adder <- Goid()
		<-release
	}()
	go func() {
		var r Ref
		Acquired(Goid(), &r, waitgraph.Mutex, Write, 0, nil)
		ReleaseWrite(&r)
		idler <- Goid()
		<-release
	}()
	a, i := <-adder, <-idler
	for range 3 {
		e.gmu.Lock()
		maintainGTable(e.gtab.Load())
		e.gmu.Unlock()
	}
	if e.gtab.Load().lookup(a) == nil {
		t.Error("maintenance dropped the state of a goroutine whose Add still pays for a goroutine it may start")
	}
	if e.gtab.Load().lookup(i) != nil {
		t.Error("maintenance kept the state of an idle goroutine")
	}
	runtime.KeepAlive(&counter)
}
