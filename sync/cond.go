//go:build !gridlock_off

package sync

import (
	"sync/atomic"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Cond implements a condition variable, a rendezvous point for goroutines
// waiting for or announcing the occurrence of an event, watched by
// gridlock: a goroutine blocked in Wait is part of the wait-for graph,
// needing a goroutine that may still signal — one that signalled before,
// or holds or waits for L — so that a lost wake-up (a Signal that came
// before the Wait, from a goroutine that has since exited) is reported.
//
// The API and its rules are the standard library's; a Cond must not be
// copied after first use.
type Cond struct {
	_ noCopy

	// L is held while observing or changing the condition.
	L Locker

	q       atomic.Pointer[waitq]
	ref     engine.PrimRef
	checker atomic.Uintptr // the Cond's own address, to detect copies
}

// NewCond returns a new Cond with Locker l.
func NewCond(l Locker) *Cond {
	return &Cond{L: l}
}

func (c *Cond) check() {
	self := uintptr(unsafe.Pointer(c))
	if c.checker.Load() != self && !c.checker.CompareAndSwap(0, self) && c.checker.Load() != self {
		panic("sync.Cond is copied")
	}
}

func (c *Cond) queue() *waitq {
	if q := c.q.Load(); q != nil {
		return q
	}
	c.q.CompareAndSwap(nil, new(waitq))
	return c.q.Load()
}

func (c *Cond) prim(pc uintptr) *engine.Prim {
	first := c.ref.Peek() == nil
	p := c.ref.Get(waitgraph.Cond, pc)
	if first && engine.RefOf != nil {
		if li := engine.RefOf(c.L); li.Ref != nil {
			p.SetLock(li.Ref.LockAnchored(li.Kind, pc, li.Readers, li.Ptr))
		}
	}
	return p
}

// Wait atomically unlocks c.L and suspends execution of the calling
// goroutine. After later resuming execution, Wait locks c.L before
// returning. Wait cannot return unless awoken by Broadcast or Signal.
//
// Because c.L is not locked while Wait is waiting, the caller typically
// cannot assume that the condition is true when Wait returns. Instead, the
// caller should Wait in a loop.
//
//go:noinline
func (c *Cond) Wait() {
	gid, pc := rt.Enter()
	c.check()
	if sched.On() && c.schedWait(gid, pc) {
		return
	}
	q := c.queue()
	// The engine's state of the goroutine says whether it runs in a
	// bubble, which spares the waiter a clock read.
	var g *engine.G
	if engine.Enabled() {
		g = engine.Self(gid)
	}
	w := durableWaiterFor(g)
	defer putWaiter(w)
	q.mu.Lock()
	q.push(w, false)
	q.mu.Unlock()
	c.L.Unlock()
	var wt *engine.Wait
	if g != nil {
		wt = g.BeginWait(pc, engine.WaitOn{Prim: c.prim(pc), Mode: waitgraph.Wait}, w.ch)
	}
	if wt.C() != nil {
		park(w, wt, nil)
	} else {
		// A poked wait, or none: w.ch alone, which receives Poke when
		// the wait is to register.
		for <-w.ch == engine.Poke {
			wt.Tick()
		}
	}
	wt.End()
	c.relock(gid, pc)
}

// relock takes c.L back, recording the Wait's caller as the site.
func (c *Cond) relock(gid uint64, pc uintptr) {
	switch l := c.L.(type) {
	case *Mutex:
		l.lockAt(gid, pc, waitgraph.Mutex)
	case *RWMutex:
		l.lockAt(gid, pc)
	case *rlocker:
		(*RWMutex)(l).rlock(gid, pc)
	default:
		c.L.Lock()
	}
}

// Signal wakes one goroutine waiting on c, if there is any.
//
//go:noinline
func (c *Cond) Signal() {
	gid, pc := rt.Enter()
	c.check()
	if engine.Enabled() {
		c.prim(pc).NoteSend(gid)
	}
	if sched.On() && c.schedSignal(false) {
		return
	}
	q := c.queue()
	q.mu.Lock()
	w := q.pop()
	q.mu.Unlock()
	if w != nil {
		w.ch <- msgWoken
	}
}

// Broadcast wakes all goroutines waiting on c.
//
//go:noinline
func (c *Cond) Broadcast() {
	gid, pc := rt.Enter()
	c.check()
	if engine.Enabled() {
		c.prim(pc).NoteSend(gid)
	}
	if sched.On() && c.schedSignal(true) {
		return
	}
	q := c.queue()
	q.mu.Lock()
	var ws []*waiter
	for w := q.pop(); w != nil; w = q.pop() {
		ws = append(ws, w)
	}
	q.mu.Unlock()
	for _, w := range ws {
		w.ch <- msgWoken
	}
}
