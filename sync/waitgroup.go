//go:build !gridlock_off

package sync

import (
	"context"
	"sync/atomic"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// A WaitGroup waits for a collection of tasks to finish, watched by
// gridlock: a goroutine blocked in Wait is part of the wait-for graph,
// needing a Done from every goroutine thought to owe one — those started
// with WaitGroup.Go, and those started with gridlock.Go by a goroutine
// after its Add — so that a Wait under a lock the workers need is reported
// as a deadlock, and a Wait for a Done that will never come as a partial
// deadlock.
//
// The API and its rules are the standard library's: Add with a positive
// delta when the counter is zero must happen before Wait; a WaitGroup must
// not be copied after first use.
//
// A WaitGroup whose counter is zero and that no goroutine waits on equals
// its zero value: what gridlock keeps about it lives outside it (see home).
type WaitGroup struct {
	_ noCopy
	n atomic.Int64
	q atomic.Pointer[lockq] // while a goroutine waits or wakes (see lockq)
}

// noCopy makes go vet's copylocks check flag copies.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

func (wg *WaitGroup) prim(pc uintptr) *engine.Prim {
	return homeOf(unsafe.Pointer(wg)).prim.GetCounter(waitgraph.WaitGroup, pc, &wg.n)
}

// Add adds delta, which may be negative, to the WaitGroup's counter. If
// the counter becomes zero, all goroutines blocked on Wait are released.
// If the counter goes negative, Add panics.
//
//go:noinline
func (wg *WaitGroup) Add(delta int) {
	gid, pc := rt.Enter()
	wg.add(gid, pc, delta)
}

func (wg *WaitGroup) add(gid uint64, pc uintptr, delta int) {
	if delta > 0 && engine.Enabled() {
		wg.prim(pc).NoteAdd(gid, int64(delta))
	}
	n := wg.n.Add(int64(delta))
	if n < 0 {
		panic("sync: negative WaitGroup counter")
	}
	if n == 0 && delta < 0 {
		wg.wake()
	}
	if sched.On() {
		schedPoint(unsafe.Pointer(wg))
	}
}

// Done decrements the WaitGroup counter by one.
func (wg *WaitGroup) Done() {
	if engine.Enabled() {
		if h := peekHome(unsafe.Pointer(wg)); h != nil {
			if p := h.prim.Peek(); p != nil && p.HasOwers() {
				p.NoteDone(engine.Goid())
			}
		}
	}
	n := wg.n.Add(-1)
	if n < 0 {
		panic("sync: negative WaitGroup counter")
	}
	if n == 0 {
		wg.wake()
	}
	if sched.On() {
		schedPoint(unsafe.Pointer(wg))
	}
}

// wake wakes every waiter once the counter is zero.
func (wg *WaitGroup) wake() {
	// A waiter holds a reference to the queue from before it checks the
	// counter: no queue, no waiter to wake.
	lq := enterExistingQueue(&wg.q)
	if lq == nil {
		return
	}
	q := &lq.writers
	q.mu.Lock()
	var ws []*waiter
	if wg.n.Load() == 0 {
		for w := q.pop(); w != nil; w = q.pop() {
			ws = append(ws, w)
		}
	}
	q.mu.Unlock()
	// Out before the waiters wake: the last of them out detaches the
	// queue before its Wait returns, and the WaitGroup is zero then, as
	// the standard library's is.
	leaveQueue(&wg.q, lq)
	for _, w := range ws {
		w.ch <- msgHandoff
	}
}

// Go calls f in a new goroutine and adds that task to the WaitGroup. When
// f returns, the task is removed from the WaitGroup. The goroutine is
// known to owe the WaitGroup a Done while f runs.
//
//go:noinline
func (wg *WaitGroup) Go(f func()) {
	gid, pc := rt.Enter()
	wg.add(gid, pc, 1)
	spawn := engine.Spawn(pc)
	var s *sched.Sched
	var sg *sched.G
	if sched.On() {
		s, sg = schedSpawn("")
	}
	go func() {
		if sg != nil {
			s.Begin(sg)
			defer s.Exit(sg)
		}
		g := engine.Started(spawn, "")
		if g != nil {
			wg.prim(pc).AddOwer(g.ID(), "started by WaitGroup.Go")
		}
		defer engine.Exited(g)
		defer wg.Done()
		f()
	}()
	if sg != nil {
		schedPoint(nil)
	}
}

// Wait blocks until the WaitGroup counter is zero.
//
//go:noinline
func (wg *WaitGroup) Wait() {
	gid, pc := rt.Enter()
	wg.wait(gid, pc, nil)
}

// WaitContext blocks until the WaitGroup counter is zero or ctx is done.
// It returns nil in the first case and otherwise a *gridlock.WaitError
// that wraps the context's error and says which goroutines the wait was
// waiting for and what they were doing.
//
//go:noinline
func (wg *WaitGroup) WaitContext(ctx context.Context) error {
	gid, pc := rt.Enter()
	return wg.wait(gid, pc, ctx)
}

func (wg *WaitGroup) wait(gid uint64, pc uintptr, ctx context.Context) error {
	if sched.On() {
		if ctx == nil {
			wg.schedWait(pc)
		} else if s, mode := wg.schedWaitCtx(pc, ctx); mode != sched.Free {
			defer s.After(engine.Goid(), nil)
		}
	}
	if wg.n.Load() == 0 {
		return nil
	}
	lq := enterQueue(&wg.q)
	defer leaveQueue(&wg.q, lq)
	q := &lq.rwq.writers
	q.mu.Lock()
	if wg.n.Load() == 0 {
		q.mu.Unlock()
		return nil
	}
	w := getDurableWaiter()
	defer putWaiter(w)
	q.push(w, false)
	q.mu.Unlock()
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	var wt *engine.Wait
	if engine.Enabled() {
		wt = engine.BeginWaitOn(gid, pc, done != nil, engine.WaitOn{Prim: wg.prim(pc), Mode: waitgraph.Wait})
	}
	defer wt.End()
	if _, ok := park(w, wt, done); ok {
		return nil
	}
	q.mu.Lock()
	if w.queued {
		q.remove(w)
		q.mu.Unlock()
		return wt.Explain("WaitContext", ctx.Err())
	}
	q.mu.Unlock()
	<-w.ch
	return nil
}
