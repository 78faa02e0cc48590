//lint:file-ignore SA2001 tests take locks for the order they show

package gridlock_test

import (
	"context"
	"errors"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/sync"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func summaries(fs []*report.Finding) []string {
	var s []string
	for _, f := range fs {
		s = append(s, report.Line(f))
	}
	return s
}

// waitFor waits for a finding of kind k or fails the test.
func waitFor(t *testing.T, r *gridlocktest.Recorder, k report.Kind) *report.Finding {
	t.Helper()
	// A ceiling, not a measure: the finding comes within a second on a
	// quiet machine, later under -race with every package's tests at once.
	f := r.Wait(k, 30*time.Second)
	if f == nil {
		t.Fatalf("no %s reported; findings: %v", k, summaries(r.Findings()))
	}
	return f
}

// kinds returns the kinds of the resources a finding names.
func kinds(f *report.Finding) map[waitgraph.ResourceKind]int {
	m := map[waitgraph.ResourceKind]int{}
	for _, r := range f.Resources {
		m[r.Kind]++
	}
	return m
}

func TestLockHeldWhileSendingDeadlocks(t *testing.T) {
	// The article's ad-tech engine: the bidder holds the budget lock while
	// it sends on a full channel; the consumer needs the lock to drain it.
	r := gridlocktest.Record(t)
	var mu sync.Mutex
	events := gridlock.NewChan[int](1)
	consumerIn := make(chan bool)
	gridlock.Go("consumer", func() {
		for v := range events.All() {
			if v == 0 {
				close(consumerIn)
				time.Sleep(50 * time.Millisecond)
			}
			mu.Lock()
			mu.Unlock()
		}
	})
	events.Send(0) // the consumer has received: it is a known receiver
	<-consumerIn
	bidderDone := make(chan bool)
	gridlock.Go("bidder", func() {
		mu.Lock()
		events.Send(1)
		events.Send(2) // full, and the consumer waits for mu
		mu.Unlock()
		close(bidderDone)
	})
	f := waitFor(t, r, report.Deadlock)
	if k := kinds(f); k[waitgraph.Mutex] != 1 || k[waitgraph.Chan] != 1 {
		t.Errorf("deadlock resources = %v, want a mutex and a chan", k)
	}
	names := map[string]bool{}
	for _, g := range f.Goroutines {
		names[g.Name] = true
	}
	if !names["consumer"] || !names["bidder"] {
		t.Errorf("deadlock names goroutines %v, want consumer and bidder", names)
	}
	if !strings.Contains(f.Summary, "waits to send on chan") {
		t.Errorf("summary = %q", f.Summary)
	}
	warn := waitFor(t, r, report.LockHeldAcrossBlocking)
	if !strings.Contains(warn.Summary, "blocks sending on chan") {
		t.Errorf("warning summary = %q", warn.Summary)
	}
	// Drain on the consumer's behalf so that everyone finishes.
	events.Recv()
	<-bidderDone
	events.Close()
}

func TestChannelCycle(t *testing.T) {
	// The game server: physics sends collisions to the reaction task and
	// receives forces from it; each blocks sending on the other's full
	// channel.
	r := gridlocktest.Record(t)
	collisions := gridlock.NewChan[int](1)
	forces := gridlock.NewChan[int](1)
	var stop atomic.Bool
	var wg stdsync.WaitGroup
	wg.Add(2)
	// Physics sends two collisions per force it reads; reaction sends two
	// forces per collision it reads: both queues fill up.
	gridlock.Go("physics", func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			collisions.Send(i)
			collisions.Send(i)
			forces.Recv()
		}
	})
	gridlock.Go("reaction", func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			collisions.Recv()
			forces.Send(i)
			forces.Send(i)
		}
	})
	defer func() {
		// Stop them, draining on their behalf until both return.
		stop.Store(true)
		finished := make(chan bool)
		go func() { wg.Wait(); close(finished) }()
		for {
			select {
			case <-finished:
				return
			default:
				collisions.TryRecv()
				forces.TryRecv()
				collisions.TrySend(0)
				forces.TrySend(0)
				time.Sleep(time.Millisecond)
			}
		}
	}()
	f := waitFor(t, r, report.Deadlock)
	if len(f.Goroutines) != 2 || kinds(f)[waitgraph.Chan] != 2 {
		t.Fatalf("deadlock = %d goroutines, resources %v", len(f.Goroutines), kinds(f))
	}
	for _, g := range f.Goroutines {
		if g.Wait == nil || g.Wait.Mode != waitgraph.Send {
			t.Errorf("%s waits %+v, want a send", g.Label(), g.Wait)
		}
	}
}

func TestWaitGroupUnderLockDeadlocks(t *testing.T) {
	// The batch processor waits for its workers while holding the lock
	// they need.
	r := gridlocktest.Record(t)
	var mu2 sync.Mutex
	var wg2 sync.WaitGroup
	start := make(chan bool)
	gridlock.Go("batch", func() {
		defer func() { recover() }() // its Unlock after the test released it
		mu2.Lock()
		for range 3 {
			wg2.Go(func() {
				<-start
				mu2.Lock()
				mu2.Unlock()
			})
		}
		close(start)
		wg2.Wait()
		mu2.Unlock()
	})
	f := waitFor(t, r, report.Deadlock)
	if k := kinds(f); k[waitgraph.WaitGroup] != 1 || k[waitgraph.Mutex] != 1 {
		t.Errorf("resources = %v, want a waitgroup and a mutex", k)
	}
	// The batch needs all three Dones: one stuck worker is enough to make
	// it stuck, so the group may be reported before every worker parks.
	batch := false
	for _, g := range f.Goroutines {
		batch = batch || g.Name == "batch"
	}
	if len(f.Goroutines) < 2 || !batch {
		t.Errorf("deadlock names %d goroutines, batch among them: %v; want the batch and its stuck workers", len(f.Goroutines), batch)
	}
	var res *waitgraph.Resource
	for _, rs := range f.Resources {
		if rs.Kind == waitgraph.WaitGroup {
			res = rs
		}
	}
	if res == nil || len(res.Releasers) != 3 || res.Releasers[0].Why != "started by WaitGroup.Go" || res.Quorum != 3 {
		t.Errorf("waitgroup releasers = %+v", res)
	}
	mu2.Unlock()
}

func TestSemaphoreHoldAndWaitDeadlocks(t *testing.T) {
	r := gridlocktest.Record(t)
	sem := gridlock.NewSemaphore(2)
	var both stdsync.WaitGroup
	both.Add(2)
	task := func() {
		if err := sem.Acquire(context.Background(), 1); err != nil {
			t.Error(err)
		}
		both.Done()
		both.Wait()
		sem.Acquire(context.Background(), 1) // a second permit: none left
	}
	gridlock.Go("task-a", task)
	gridlock.Go("task-b", task)
	f := waitFor(t, r, report.Deadlock)
	if len(f.Goroutines) != 2 || kinds(f)[waitgraph.Semaphore] != 1 {
		t.Fatalf("deadlock = %v", report.Text(f))
	}
	warn := waitFor(t, r, report.SemaphoreHoldAndWait)
	if g := warn.Goroutines[0]; g.Holds[0].Count != 1 || g.Wait.Count != 1 {
		t.Errorf("warning goroutine = %+v", g)
	}
	sem.Release(2) // free them
}

// Many goroutines, short-lived ones first, then twenty that each hold a
// permit and wait for a second: the record of who holds what stays exact
// past the size where it switches to an index.
func TestSemaphoreManyHoldersDeadlock(t *testing.T) {
	r := gridlocktest.Record(t)
	const n = 20
	sem := gridlock.NewSemaphore(n)
	var churn stdsync.WaitGroup
	for range 100 {
		churn.Add(1)
		go func() {
			defer churn.Done()
			if err := sem.Acquire(context.Background(), 1); err != nil {
				t.Error(err)
			}
			sem.Release(1)
		}()
	}
	churn.Wait()
	var all stdsync.WaitGroup
	all.Add(n)
	for range n {
		gridlock.Go("task", func() {
			if err := sem.Acquire(context.Background(), 1); err != nil {
				t.Error(err)
			}
			all.Done()
			all.Wait()
			sem.Acquire(context.Background(), 1)
		})
	}
	f := waitFor(t, r, report.Deadlock)
	if len(f.Goroutines) != n || kinds(f)[waitgraph.Semaphore] != 1 {
		t.Fatalf("deadlock names %d goroutines, want %d:\n%s", len(f.Goroutines), n, report.Text(f))
	}
	for _, g := range f.Goroutines {
		if len(g.Holds) != 1 || g.Holds[0].Count != 1 || g.Wait == nil || g.Wait.Count != 1 {
			t.Errorf("goroutine %d holds %+v, waits %+v; want 1 permit held, 1 awaited", g.ID, g.Holds, g.Wait)
		}
	}
	sem.Release(n)
}

// One goroutine adds to two wait groups in turn: each time, the goroutine
// it starts next owes that group a Done, even though the group was waited
// out in between. Its waits are long, never stuck.
func TestWaitGroupsTakenInTurn(t *testing.T) {
	r := gridlocktest.Record(t, gridlocktest.LongWait(100*time.Millisecond))
	var a, b sync.WaitGroup
	for round := range 3 {
		for _, wg := range []*sync.WaitGroup{&a, &b} {
			wg.Add(1)
			gridlock.Go("worker", func() {
				if round == 2 {
					time.Sleep(300 * time.Millisecond) // past the long-wait threshold
				}
				wg.Done()
			})
			wg.Wait()
		}
	}
	for _, f := range r.Findings() {
		if f.Kind != report.LongWait {
			t.Errorf("correct code reported: %s", report.Line(f))
		}
	}
}

func TestLostWakeup(t *testing.T) {
	r := gridlocktest.Record(t, gridlocktest.LongWait(300*time.Millisecond))
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	quit := false
	signalled := make(chan bool)
	gridlock.Go("producer", func() {
		cond.Signal() // the bug: signals before anyone waits...
		close(signalled)
	})
	<-signalled
	time.Sleep(20 * time.Millisecond) // the producer is gone
	gridlock.Go("consumer", func() {
		mu.Lock()
		for !quit { // ...so this Wait waits for a signal that already happened
			cond.Wait()
		}
		mu.Unlock()
	})
	f := waitFor(t, r, report.PartialDeadlock)
	if !strings.Contains(f.Summary, "signalled it before (exited)") {
		t.Errorf("summary = %q", f.Summary)
	}
	if len(f.Goroutines) != 1 || f.Goroutines[0].Name != "consumer" {
		t.Errorf("goroutines = %+v", f.Goroutines)
	}
	mu.Lock()
	quit = true
	cond.Broadcast()
	mu.Unlock()
}

func TestDoneThatNeverComes(t *testing.T) {
	r := gridlocktest.Record(t, gridlocktest.LongWait(300*time.Millisecond))
	var wg sync.WaitGroup
	wg.Add(1)
	gridlock.Go("worker", func() {
		if true {
			return // the bug: an early return without Done
		}
		wg.Done()
	})
	go wg.Wait()
	f := waitFor(t, r, report.PartialDeadlock)
	if !strings.Contains(f.Summary, "after its Add (exited)") {
		t.Errorf("summary = %q", f.Summary)
	}
	wg.Done()
}

func TestReceiveWithNoSenderLeft(t *testing.T) {
	r := gridlocktest.Record(t, gridlocktest.LongWait(300*time.Millisecond))
	results := gridlock.NewChan[int](0)
	gridlock.Go("fetcher", func() { results.Send(1) })
	results.Recv()
	time.Sleep(20 * time.Millisecond)
	go results.Recv() // a second result that no one will send
	f := waitFor(t, r, report.PartialDeadlock)
	if !strings.Contains(f.Summary, "sent on it before (exited)") {
		t.Errorf("summary = %q", f.Summary)
	}
	results.Close()
}

func TestOnceCallingItself(t *testing.T) {
	r := gridlocktest.Record(t)
	var once sync.Once
	go once.Do(func() {
		once.Do(func() {}) // waits for itself
	})
	f := waitFor(t, r, report.RecursiveLock)
	if f.Resources[0].Kind != waitgraph.Once {
		t.Errorf("resource = %+v, want a once", f.Resources[0])
	}
}

func TestWaitErrorExplains(t *testing.T) {
	r := gridlocktest.Record(t)
	_ = r
	var mu sync.Mutex
	jobs := gridlock.NewChan[int](0)
	gridlock.Go("worker", func() { jobs.Recv() }) // a known receiver...
	jobs.Send(0)
	time.Sleep(10 * time.Millisecond) // ...that has exited
	holding := make(chan bool)
	gridlock.Go("flusher", func() {
		mu.Lock()
		close(holding)
		jobs.Send(1) // nobody receives any more
		mu.Unlock()
	})
	<-holding
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := mu.LockContext(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockContext = %v, want a deadline error", err)
	}
	var we *gridlock.WaitError
	if !errors.As(err, &we) {
		t.Fatalf("error %T is not a *WaitError", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"gridlock: LockContext mutex#",
		"held (lock) by goroutine",
		"(flusher) waits for chan#",
		"may be ended by goroutine",
		"received from it before (exited)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error text lacks %q:\n%s", want, msg)
		}
	}
	jobs.Recv() // let the flusher finish
}

func TestRecvContextExplains(t *testing.T) {
	gridlocktest.Record(t)
	var mu sync.Mutex
	results := gridlock.NewChan[int](0)
	holding := make(chan bool)
	gridlock.Go("producer", func() {
		results.Send(0) // a known sender...
		<-holding
		mu.Lock() // ...that now waits for a lock the consumer holds
		results.Send(1)
		mu.Unlock()
	})
	results.Recv()
	mu.Lock()
	close(holding)
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, _, err := results.RecvContext(ctx)
	var we *gridlock.WaitError
	if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RecvContext = %v, want a *WaitError for the deadline", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"gridlock: RecvContext chan#",
		"waits for chan#",
		"may be ended by goroutine",
		"(producer) waits for mutex#",
		"held (lock) by goroutine",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error text lacks %q:\n%s", want, msg)
		}
	}
	mu.Unlock()
	results.Recv()
}
