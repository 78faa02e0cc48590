package gridlock_test

import (
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/report"
	gsync "github.com/gridlock-go/gridlock/sync"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// A circular wait is reported once two goroutines contribute its edges,
// except where one goroutine alone provably waits for itself (a lock it
// holds: recursive-lock; the kernels keep the other true cases).

func TestDoneBeforeIsNoWaitForItself(t *testing.T) {
	// The waiter called Done on the wait group before; the Done it waits
	// for now comes from a goroutine gridlock does not know owes it.
	r := gridlocktest.Record(t)
	var wg gsync.WaitGroup
	ready, gate := make(chan struct{}), make(chan struct{})
	go func() { // not tracked: its Done is unknown in advance
		<-ready
		<-gate
		wg.Done()
	}()
	waited := make(chan struct{})
	gridlock.Go("waiter", func() {
		defer close(waited)
		wg.Add(1)
		wg.Done()
		wg.Add(1)
		close(ready)
		wg.Wait()
	})
	waitingOn(t, "waiter", waitgraph.WaitGroup)
	time.Sleep(300 * time.Millisecond) // the wait's first re-checks
	close(gate)
	<-waited
	if fs := r.Of(report.Deadlock); len(fs) != 0 {
		t.Errorf("a goroutine was said to wait for itself: %v", summaries(fs))
	}
}

func TestOwnPartnerIsNoWaitForItself(t *testing.T) {
	// An actor sends on a channel it alone was seen to receive from; code
	// gridlock does not rewrite receives from it too.
	r := gridlocktest.Record(t)
	inbox := make(chan int) // made by the test, not the actor
	done := make(chan struct{})
	gridlock.Go("actor", func() {
		defer close(done)
		v := gridlock.Recv(inbox)
		gridlock.Send(inbox, v+1)
	})
	inbox <- 1 // not rewritten: not a partner the detector sees
	waitingOn(t, "actor", waitgraph.Chan)
	time.Sleep(300 * time.Millisecond) // the wait's first re-checks
	<-inbox
	<-done
	if fs := r.Of(report.Deadlock); len(fs) != 0 {
		t.Errorf("a goroutine was said to wait for itself: %v", summaries(fs))
	}
}

func TestChanOfAnotherIsNoWaitForItself(t *testing.T) {
	// A goroutine receives from, then sends on, a channel another made:
	// having been its only partner so far does not make it the only one
	// that could take what it sends; the maker still may.
	r := gridlocktest.Record(t)
	inbox := gridlock.NewChan[int](0)
	ready := make(chan struct{})
	done := make(chan struct{})
	gridlock.Go("actor", func() {
		defer close(done)
		close(ready)
		v, _ := inbox.Recv()
		inbox.Send(v + 1)
	})
	<-ready
	go func() { inbox.Send(1) }() // a goroutine that has exited by the time of the checks
	waitingOn(t, "actor", waitgraph.Chan)
	time.Sleep(300 * time.Millisecond) // the wait's first re-checks
	inbox.Recv()
	<-done
	if fs := r.Of(report.Deadlock); len(fs) != 0 {
		t.Errorf("a goroutine was said to wait for itself: %v", summaries(fs))
	}
}
