//lint:file-ignore SA2001 tests take locks for the waits they make, with nothing inside

package gridlock_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/report"
	gsync "github.com/gridlock-go/gridlock/sync"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// A lock held across a channel operation is reported at run time when it
// can close a cycle: a goroutine that may end the wait wants the lock.
// These tests write what gridlock test rewrites channel operations into.

// waitingOn waits until the goroutine named name is registered as waiting
// on a resource of kind k, and returns its node in the wait-for graph.
func waitingOn(t *testing.T, name string, k waitgraph.ResourceKind) *waitgraph.Goroutine {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		g := gridlock.Snapshot()
		for _, gr := range g.Goroutines {
			if gr.Name != name || gr.Wait == nil {
				continue
			}
			if r := g.Resource(gr.Wait.Resource); r != nil && r.Kind == k {
				return gr
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("goroutine %q never waited on a %s", name, k)
	return nil
}

// settle lets the re-checks of the registered waits run once more.
func settle() { time.Sleep(150 * time.Millisecond) }

func TestLockHeldAcrossSendNoPartnerWantsIsSilent(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T)
	}{{
		// Frames handed to a send loop under a per-stream lock, which
		// other writers of the stream wait for; the send loop never
		// takes it.
		name: "per-stream lock over a send to a loop that never locks",
		run: func(t *testing.T) {
			var streamMu gsync.Mutex
			frames := make(chan int)
			gate := make(chan struct{})
			loopDone := make(chan struct{})
			gridlock.Go("sendloop", func() {
				defer close(loopDone)
				gridlock.Recv(frames) // a known receiver
				<-gate
				for range gridlock.Range(frames) {
				}
			})
			gridlock.Send(frames, 0)
			var writers gsync.WaitGroup
			for i := range 4 {
				writers.Add(1)
				gridlock.Go("writer", func() {
					defer writers.Done()
					streamMu.Lock()
					gridlock.Send(frames, i)
					streamMu.Unlock()
				})
			}
			waitingOn(t, "writer", waitgraph.Chan)
			waitingOn(t, "writer", waitgraph.Mutex)
			settle()
			close(gate)
			writers.Wait()
			gridlock.Close(frames)
			<-loopDone
		},
	}, {
		// A range over a checker's channel under a read lock the checker
		// never needs.
		name: "read lock over a range on a checker's channel",
		run: func(t *testing.T) {
			var dbMu gsync.RWMutex
			version := 0
			errs := make(chan int)
			gate := make(chan struct{})
			gridlock.Go("checker", func() {
				gridlock.Send(errs, 0)
				<-gate
				gridlock.Send(errs, 1)
				gridlock.Close(errs)
			})
			done := make(chan struct{})
			gridlock.Go("tx", func() {
				defer close(done)
				dbMu.RLock()
				defer dbMu.RUnlock()
				for range gridlock.Range(errs) {
				}
			})
			waitingOn(t, "tx", waitgraph.Chan)
			written := make(chan struct{})
			gridlock.Go("writer", func() {
				defer close(written)
				dbMu.Lock()
				version++
				dbMu.Unlock()
			})
			waitingOn(t, "writer", waitgraph.RWMutex)
			settle()
			close(gate)
			<-done
			<-written
		},
	}, {
		// Heavy contention in a consistent order, with hand-offs between
		// goroutines that hold locks and goroutines that do not.
		name: "contention with hand-offs",
		run: func(t *testing.T) {
			var a, b gsync.Mutex
			work := make(chan int)
			var wg gsync.WaitGroup
			for range 4 {
				wg.Add(1)
				gridlock.Go("consumer", func() {
					defer wg.Done()
					for range gridlock.Range(work) {
					}
				})
			}
			var producers gsync.WaitGroup
			for i := range 8 {
				producers.Add(1)
				gridlock.Go("producer", func() {
					defer producers.Done()
					for j := range 200 {
						a.Lock()
						b.Lock()
						gridlock.Send(work, i*1000+j)
						b.Unlock()
						a.Unlock()
					}
				})
			}
			producers.Wait()
			gridlock.Close(work)
			wg.Wait()
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			r := gridlocktest.Record(t)
			tc.run(t)
			if fs := r.Findings(); len(fs) != 0 {
				t.Errorf("correct code reported: %v", summaries(fs))
			}
		})
	}
}

func TestLockHeldAcrossSendPartnerWaitsForTheLock(t *testing.T) {
	// The holder sends under mu; the only receiver then asks for mu
	// before it receives again: the cycle closes, and the finding names
	// both goroutines, the lock and the frames.
	r := gridlocktest.Record(t)
	var mu gsync.Mutex
	state := 0 // guarded by mu
	events := make(chan int)
	gate := make(chan struct{})
	consumerDone := make(chan struct{})
	gridlock.Go("consumer", func() {
		defer close(consumerDone)
		gridlock.Recv(events) // a known receiver
		<-gate
		mu.Lock()
		state++
		mu.Unlock()
		gridlock.Recv(events)
	})
	gridlock.Send(events, 0)
	holderDone := make(chan struct{})
	gridlock.Go("holder", func() {
		defer close(holderDone)
		mu.Lock()
		gridlock.Send(events, 1) // waits for the consumer, which waits for mu
		mu.Unlock()
	})
	waitingOn(t, "holder", waitgraph.Chan)
	if fs := r.Of(report.LockHeldAcrossBlocking); len(fs) != 0 {
		t.Fatalf("reported before a partner wanted the lock: %v", summaries(fs))
	}
	close(gate)
	f := waitFor(t, r, report.LockHeldAcrossBlocking)
	if len(f.Goroutines) != 2 {
		t.Fatalf("finding names %d goroutines, want the holder and the consumer:\n%s", len(f.Goroutines), report.Text(f))
	}
	holder, consumer := f.Goroutines[0], f.Goroutines[1]
	if holder.Name != "holder" || consumer.Name != "consumer" {
		t.Errorf("goroutines %q, %q; want holder, consumer", holder.Name, consumer.Name)
	}
	if len(holder.Holds) != 1 || holder.Wait == nil || holder.Wait.Mode != waitgraph.Send {
		t.Errorf("holder holds %v, waits %v; want one lock, a send", holder.Holds, holder.Wait)
	} else {
		if consumer.Wait == nil || consumer.Wait.Resource != holder.Holds[0].Resource {
			t.Errorf("consumer waits for %v, want the holder's lock %s", consumer.Wait, holder.Holds[0].Resource)
		}
		if fn := holder.Holds[0].Stack.Top().Func; !strings.Contains(fn, "TestLockHeldAcrossSendPartnerWaitsForTheLock") {
			t.Errorf("lock taken at %v, want in the test", holder.Holds[0].Stack.Top())
		}
	}
	if fn := holder.Wait.Stack.Top().Func; !strings.Contains(fn, "TestLockHeldAcrossSendPartnerWaitsForTheLock") {
		t.Errorf("holder waits at %v, want in the test", holder.Wait.Stack.Top())
	}
	if fn := consumer.Stack.Top().Func; !strings.Contains(fn, "TestLockHeldAcrossSendPartnerWaitsForTheLock") {
		t.Errorf("consumer waits at %v, want in the test", consumer.Stack.Top())
	}
	if !strings.Contains(f.Summary, "circular wait") {
		t.Errorf("summary = %q", f.Summary)
	}
	// Neither can go on: receive on the consumer's behalf, then give it
	// what it waits for once it has the lock.
	gridlock.Recv(events)
	<-holderDone
	gridlock.Send(events, 2)
	<-consumerDone
}

func TestLockHeldAcrossSendPartnerTookTheLock(t *testing.T) {
	// The receiver took mu before; the holder sends under mu while the
	// receiver is busy. If the receiver needs mu again before it
	// receives, neither goes on: reported as the wait registers.
	r := gridlocktest.Record(t)
	var mu gsync.Mutex
	state := 0 // guarded by mu
	events := make(chan int)
	gate := make(chan struct{})
	consumerDone := make(chan struct{})
	gridlock.Go("consumer", func() {
		defer close(consumerDone)
		mu.Lock()
		state++
		mu.Unlock()
		gridlock.Recv(events)
		<-gate
		gridlock.Recv(events)
	})
	gridlock.Send(events, 0)
	mu.Lock()
	sent := make(chan struct{})
	go func() {
		f := r.Wait(report.LockHeldAcrossBlocking, 5*time.Second)
		if f == nil {
			t.Errorf("not reported; findings: %v", summaries(r.Findings()))
		} else if len(f.Goroutines) != 2 || f.Goroutines[1].Name != "consumer" || !strings.Contains(f.Goroutines[1].State, "before") {
			t.Errorf("finding does not name the consumer as having taken the lock:\n%s", report.Text(f))
		}
		close(gate)
		<-sent
	}()
	gridlock.Send(events, 1)
	close(sent)
	mu.Unlock()
	<-consumerDone
}

func TestLockHeldAcrossLongSend(t *testing.T) {
	// A consumer that never locks, but does not come: past the long-wait
	// threshold the lock held across the send is reported (memberlist's
	// deadNode holding nodeLock while NotifyLeave sends on the user's
	// channel).
	r := gridlocktest.Record(t, gridlocktest.LongWait(200*time.Millisecond))
	var nodeLock gsync.Mutex
	events := make(chan int)
	gate := make(chan struct{})
	consumerDone := make(chan struct{})
	gridlock.Go("user", func() {
		defer close(consumerDone)
		gridlock.Recv(events)
		<-gate
		gridlock.Recv(events)
	})
	gridlock.Send(events, 0)
	nodeLock.Lock()
	go func() {
		f := r.Wait(report.LockHeldAcrossBlocking, 5*time.Second)
		if f == nil {
			t.Errorf("not reported; findings: %v", summaries(r.Findings()))
		} else if !strings.Contains(f.Summary, "has waited") {
			t.Errorf("summary = %q", f.Summary)
		}
		close(gate)
	}()
	gridlock.Send(events, 1)
	nodeLock.Unlock()
	<-consumerDone
	if fs := r.Of(report.LongWait); len(fs) != 0 {
		t.Errorf("the wait was reported twice: %v", summaries(fs))
	}
}

func TestSelectWokenThenLocksIsSilent(t *testing.T) {
	// A worker woken from a plain select near the registration delay
	// takes a lock right after: it never blocked while holding it, even
	// though the lock's other taker sends to it. Many rounds, with the
	// wake-up spread around the delay.
	r := gridlocktest.Record(t)
	var mu gsync.Mutex
	state := 0 // guarded by mu
	tasks := make(chan int)
	quit := make(chan struct{})
	done := make(chan struct{})
	gridlock.Go("worker", func() {
		defer close(done)
		for {
			w := gridlock.SelectStart(gridlock.SelectRecv(tasks), gridlock.SelectRecv(quit))
			select {
			case <-tasks:
				w.Case(0)
				mu.Lock()
				time.Sleep(50 * time.Microsecond)
				mu.Unlock()
			case <-quit:
				w.Case(1)
				return
			}
		}
	})
	for i := range 200 {
		time.Sleep(time.Duration(800+i%5*100) * time.Microsecond)
		mu.Lock()
		state++
		mu.Unlock()
		gridlock.Send(tasks, i)
	}
	close(quit)
	<-done
	if fs := r.Of(report.LockHeldAcrossBlocking); len(fs) != 0 {
		t.Errorf("a select that had returned was reported: %v", summaries(fs))
	}
}

// TestLockHeldAcrossBoundedSelectIsSilent: the holder sends under mu in a
// select that also waits on a timer or a context (yamux bounds its sends
// with a write timeout): the only receiver asks for mu, but the select
// ends through its other case, so no cycle is claimed.
func TestLockHeldAcrossBoundedSelectIsSilent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		other func(stop <-chan struct{}) gridlock.SelectOp
	}{
		// A case gridlock test cannot give SelectStart, such as ctx.Done().
		{"outside", func(<-chan struct{}) gridlock.SelectOp { return gridlock.SelectOutside() }},
		// A channel made where gridlock does not see, with no partner
		// seen: a timer's.
		{"timer", func(stop <-chan struct{}) gridlock.SelectOp { return gridlock.SelectRecv(stop) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := gridlocktest.Record(t)
			var mu gsync.Mutex
			events := make(chan int)
			stop := make(chan struct{})
			gate := make(chan struct{})
			consumerDone := make(chan struct{})
			gridlock.Go("consumer", func() {
				defer close(consumerDone)
				gridlock.Recv(events) // a known receiver
				<-gate
				mu.Lock()
				mu.Unlock()
			})
			gridlock.Send(events, 0)
			holderDone := make(chan struct{})
			gridlock.Go("holder", func() {
				defer close(holderDone)
				mu.Lock()
				sel := gridlock.SelectStart(gridlock.SelectSend(events), tc.other(stop))
				select {
				case events <- 1:
					sel.Case(0)
				case <-stop: // the timeout
					sel.Case(-1)
				}
				mu.Unlock()
			})
			kind := waitgraph.Select
			if tc.name == "outside" {
				kind = waitgraph.Chan // the one case watched
			}
			waitingOn(t, "holder", kind)
			close(gate)
			time.Sleep(300 * time.Millisecond) // the consumer waits for mu; re-checks run
			if fs := r.Of(report.LockHeldAcrossBlocking); len(fs) != 0 {
				t.Errorf("a select bounded by another case reported: %v", summaries(fs))
			}
			close(stop)
			<-holderDone
			<-consumerDone
		})
	}
}
