package gridlock_test

import (
	"runtime"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// These tests write what gridlock test rewrites native channel operations
// into.

func TestNativeChannelCycle(t *testing.T) {
	r := gridlocktest.Record(t)
	collisions := make(chan int, 2)
	forces := make(chan int, 2)
	var stop atomic.Bool
	var wg stdsync.WaitGroup
	wg.Add(2)
	gridlock.Go("physics", func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			gridlock.Send(collisions, i)
			gridlock.Send(collisions, i)
			gridlock.Recv(forces)
		}
	})
	gridlock.Go("reaction", func() {
		defer wg.Done()
		for c := range gridlock.Range(collisions) {
			if stop.Load() {
				return
			}
			gridlock.Send(forces, c)
			gridlock.Send(forces, c)
		}
	})
	f := waitFor(t, r, report.Deadlock)
	if len(f.Goroutines) != 2 {
		t.Errorf("deadlock of %d goroutines, want 2", len(f.Goroutines))
	}
	for _, res := range f.Resources {
		if res.Kind != waitgraph.Chan || !res.Partial {
			t.Errorf("resource %+v, want a partly observed channel", res)
		}
	}
	stop.Store(true)
	for {
		select {
		case <-collisions:
		case <-forces:
		case collisions <- 0:
		default:
		}
		done := make(chan bool)
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
			return
		case <-time.After(time.Millisecond):
		}
	}
}

func TestNativeLoneWaiterIsNotReported(t *testing.T) {
	// A receiver whose only seen sender has exited: code gridlock did not
	// rewrite may still send, so alone it is not called stuck; and a
	// receiver that holds no lock is idle, not waiting long.
	r := gridlocktest.Record(t, gridlocktest.LongWait(200*time.Millisecond))
	results := make(chan int)
	gridlock.Go("fetcher", func() { gridlock.Send(results, 1) })
	gridlock.Recv(results)
	time.Sleep(10 * time.Millisecond)
	done := make(chan bool)
	go func() { gridlock.Recv(results); close(done) }()
	time.Sleep(600 * time.Millisecond)
	if fs := r.Of(report.PartialDeadlock); len(fs) != 0 {
		t.Errorf("a lone waiter on a native channel was reported: %v", summaries(fs))
	}
	if fs := r.Of(report.LongWait); len(fs) != 0 {
		t.Errorf("an idle receiver was reported as a long wait: %v", summaries(fs))
	}
	results <- 2
	<-done
}

func TestNilChannel(t *testing.T) {
	r := gridlocktest.Record(t, gridlocktest.LongWait(200*time.Millisecond))
	var never chan int
	go gridlock.Recv(never) // blocks forever, by construction; leaks by design
	f := waitFor(t, r, report.PartialDeadlock)
	if !strings.Contains(f.Summary, "nil chan") {
		t.Errorf("summary = %q", f.Summary)
	}
}

func TestNativeSelectCycle(t *testing.T) {
	// The article's select trap: a select that waits for a result the
	// producer sends only after taking a lock the selecting goroutine
	// holds... here, two goroutines each selecting on what the other sends.
	r := gridlocktest.Record(t)
	a, b := make(chan int), make(chan int)
	quit := make(chan struct{})
	side := func(in <-chan int, out chan<- int) func() {
		return func() {
			w := gridlock.SelectStart(gridlock.SelectRecv(in), gridlock.SelectRecv(quit))
			select {
			case v := <-in:
				w.Case(0)
				gridlock.Send(out, v)
			case <-quit:
				w.Case(1)
			}
		}
	}
	gridlock.Go("left", side(a, b))
	gridlock.Go("right", side(b, a))
	// Each side has received before from what the other sends.
	f := r.Wait(report.Deadlock, time.Second)
	if f != nil {
		t.Fatalf("reported a deadlock before any partner was seen: %s", report.Text(f))
	}
	close(quit)
}

func TestNativePipelineIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	in, out := make(chan int), make(chan int, 4)
	var wg stdsync.WaitGroup
	for range 8 {
		wg.Add(1)
		gridlock.Go("worker", func() {
			defer wg.Done()
			for v := range gridlock.Range(in) {
				gridlock.Send(out, v+1)
			}
		})
	}
	gridlock.Go("closer", func() { wg.Wait(); gridlock.Close(out) })
	gridlock.Go("producer", func() {
		for i := range 5000 {
			gridlock.Send(in, i)
		}
		gridlock.Close(in)
	})
	n := 0
	for {
		w := gridlock.SelectStart(gridlock.SelectRecv(out))
		v, ok := <-out
		w.Case(0)
		if !ok {
			break
		}
		_ = v
		n++
	}
	if n != 5000 {
		t.Errorf("received %d, want 5000", n)
	}
}

// TestNativeWaitParksOnTheChannelAlone checks that a goroutine blocked in
// Send or Recv waits on the channel alone, not in a select with a timer of
// the engine's: a timer is reachable from the runtime's timer heap, so a
// goroutine waiting on one is never proven blocked for good by the
// runtime's goroutine leak detector (GOEXPERIMENT=goroutineleakprofile),
// on which gridlock test relies for the goroutines that tests leave
// blocked when they end.
func TestNativeWaitParksOnTheChannelAlone(t *testing.T) {
	in, out := make(chan int), make(chan int)
	go gridlock.Send(out, 1)
	go gridlock.Recv(in)
	time.Sleep(50 * time.Millisecond) // past the grace period: registered
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	found := 0
	for _, g := range strings.Split(stacks, "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if !strings.Contains(g, "created by github.com/gridlock-go/gridlock_test.TestNativeWaitParksOnTheChannelAlone") {
			continue
		}
		switch {
		case strings.Contains(g, "gridlock.Send["):
			found++
			if !strings.Contains(header, "[chan send") {
				t.Errorf("a goroutine blocked in Send is %s", header)
			}
		case strings.Contains(g, "gridlock.Recv["):
			found++
			if !strings.Contains(header, "[chan receive") {
				t.Errorf("a goroutine blocked in Recv is %s", header)
			}
		}
	}
	if found != 2 {
		t.Errorf("found %d goroutines blocked in Send or Recv, want 2:\n%s", found, stacks)
	}
	<-out
	close(in)
}

// TestRangeWaitsAtTheLoop checks that a goroutine blocked in a range over
// Range(ch) is shown waiting at its range statement, not in gridlock's
// iterator.
func TestRangeWaitsAtTheLoop(t *testing.T) {
	gridlocktest.Record(t) // the engine on
	ch := make(chan int)
	done := make(chan bool)
	go func() {
		for range gridlock.Range(ch) { // the loop
		}
		close(done)
	}()
	_, _, line, _ := runtime.Caller(0)
	line -= 4
	var at waitgraph.Frame
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, g := range gridlock.Snapshot().Goroutines {
			if g.Wait != nil && len(g.Wait.Stack) > 0 && strings.HasSuffix(g.Wait.Stack[0].Func, "TestRangeWaitsAtTheLoop.func1") {
				at = g.Wait.Stack[0]
			}
		}
		if at.Line != 0 {
			break
		}
	}
	if at.Line != line {
		t.Errorf("waits at %s, want line %d of the test", at, line)
	}
	close(ch)
	<-done
}

func TestSelectThatPanicsEndsItsWait(t *testing.T) {
	// A select sending on a closed channel panics: the rewritten code
	// never reaches Case. A goroutine that recovers and runs on must not
	// be registered as waiting in the select.
	r := gridlocktest.Record(t, gridlocktest.LongWait(200*time.Millisecond))
	ch := make(chan int)
	quit := make(chan struct{})
	gridlock.Close(ch)
	recovered, release := make(chan any), make(chan struct{})
	defer close(release)
	gridlock.Go("sender", func() {
		defer func() {
			recovered <- recover()
			<-release // runs on, on nothing gridlock watches
		}()
		w := gridlock.SelectStart(gridlock.SelectSend(ch), gridlock.SelectRecv(quit))
		select {
		case ch <- 1:
			w.Case(0)
		case <-quit:
			w.Case(1)
		}
	})
	if p := <-recovered; p == nil {
		t.Fatal("the select did not panic")
	}
	for range 50 {
		for _, g := range gridlock.Snapshot().Goroutines {
			if g.Name == "sender" {
				t.Fatalf("the select that panicked is still a wait: %+v", g.Wait)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if fs := r.Findings(); len(fs) != 0 {
		t.Errorf("findings on a goroutine that recovered: %v", summaries(fs))
	}
}

func TestStaleSelectWaitEndsAtTheNextWait(t *testing.T) {
	// A select whose case operand panics never reaches Case either, and
	// nothing says the select is over: the goroutine's next blocking wait
	// does, since a goroutine waits for one thing at a time.
	r := gridlocktest.Record(t, gridlocktest.LongWait(time.Minute))
	ch, next := make(chan int), make(chan int)
	release := make(chan struct{})
	defer close(release)
	boom := func() int { panic("boom") }
	gridlock.Go("selector", func() {
		func() {
			defer func() { recover() }()
			w := gridlock.SelectStart(gridlock.SelectSend(ch))
			//lint:ignore S1000 a select, as gridlock test rewrites one
			select {
			case ch <- boom():
				w.Case(0)
			}
		}()
		time.Sleep(20 * time.Millisecond) // the stale wait registers
		gridlock.Recv(next)
		<-release // runs on, on nothing gridlock watches
	})
	time.Sleep(50 * time.Millisecond) // Recv blocks: a new wait begins
	next <- 1
	selector := func() *waitgraph.Goroutine {
		for _, g := range gridlock.Snapshot().Goroutines {
			if g.Name == "selector" {
				return g
			}
		}
		return nil
	}
	for deadline := time.Now().Add(5 * time.Second); selector() != nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("a select that panicked is still a wait: %+v", selector().Wait)
		}
	}
	for range 40 {
		if g := selector(); g != nil {
			t.Fatalf("a select that panicked is a wait again: %+v", g.Wait)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if fs := r.Findings(); len(fs) != 0 {
		t.Errorf("findings: %v", summaries(fs))
	}
}
