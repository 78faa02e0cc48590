package gridlock

import (
	"context"
	"iter"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// A Chan is a channel watched by gridlock. It has the feel of a Go channel
// — Send, Recv, Close, Len, Cap, range with All — and its waits are part of
// the same wait-for graph as locks: a goroutine that blocks sending on a
// full Chan while holding a lock the receiver needs is reported as a
// deadlock, with who holds what and waits where.
//
// An operation that does not block costs a native channel operation plus
// a few nanoseconds: the goroutine's id is compared with the last sender's
// or receiver's, which is how gridlock learns who may still release a
// waiter. Only an operation that would block registers a wait.
//
// To wait on several Chans at once, use Select with the Chans' cases. C
// returns the underlying channel for a native select, whose operations
// gridlock does not see.
type Chan[T any] struct {
	c chan T
	p *engine.Prim
}

// NewChan returns a Chan with the given capacity (0 for unbuffered).
//
//go:noinline
func NewChan[T any](capacity int) *Chan[T] {
	gid, pc := rt.Enter()
	var r engine.PrimRef
	c := &Chan[T]{c: make(chan T, capacity), p: r.Get(waitgraph.Chan, pc)}
	if sched.On() {
		schedMade(c.addr())
	}
	if engine.Enabled() {
		c.p.NoteMade(goid(gid), capacity)
	}
	return c
}

// C returns the underlying channel, for use in a native select. Operations
// on it are not seen by gridlock.
func (c *Chan[T]) C() chan T { return c.c }

// Len returns the number of elements queued in the channel's buffer.
func (c *Chan[T]) Len() int { return len(c.c) }

// Cap returns the capacity of the channel's buffer.
func (c *Chan[T]) Cap() int { return cap(c.c) }

// Close closes the channel. Receivers then get the values still buffered,
// then the zero value with ok false; a Send panics.
func (c *Chan[T]) Close() {
	c.p.NoteClose()
	close(c.c)
	if sched.On() {
		schedPoint(c.addr())
	}
}

func (c *Chan[T]) addr() unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&c.c)) }

// Send sends v on the channel, blocking until a receiver takes it or there
// is room in the buffer.
//
//go:noinline
func (c *Chan[T]) Send(v T) {
	gid, pc := rt.Enter()
	if sched.On() {
		if s, m := schedChan(c.addr(), true, "send", pc); m != sched.Free {
			defer schedAfter(s, m, c.addr())
		}
	}
	select {
	case c.c <- v:
		c.sent(gid)
	default:
		c.sendParked(gid, pc, v)
	}
}

// SendContext sends v, or gives up when ctx is done. It returns nil if v
// was sent and otherwise a *WaitError that wraps the context's error and
// says why the send could not finish: who received from the channel
// before, and what they were doing instead.
//
//go:noinline
func (c *Chan[T]) SendContext(ctx context.Context, v T) error {
	gid, pc := rt.Enter()
	if sched.On() {
		if s, m := schedChanCtx(c.addr(), true, "send", pc, ctx.Done() != nil); m != sched.Free {
			defer schedAfter(s, m, c.addr())
		}
	}
	select {
	case c.c <- v:
		c.sent(gid)
		return nil
	default:
		return c.sendContext(gid, pc, v, ctx)
	}
}

// TrySend sends v if it can do so without blocking and reports whether it
// did.
//
//go:noinline
func (c *Chan[T]) TrySend(v T) bool {
	gid, pc := rt.Enter()
	if sched.On() {
		if s, m := schedPoll(c.addr(), true, pc); m != sched.Free {
			defer schedAfter(s, m, c.addr())
		}
	}
	select {
	case c.c <- v:
		c.sent(gid)
		return true
	default:
		return false
	}
}

func (c *Chan[T]) sent(gid uint64) {
	if engine.Enabled() && engine.FastIDs() {
		c.p.NoteSend(gid)
	}
}

func (c *Chan[T]) received(gid uint64) {
	if engine.Enabled() && engine.FastIDs() {
		c.p.NoteRecv(gid)
	}
}

// goid validates an id from rt.Enter.
func goid(gid uint64) uint64 {
	if engine.FastIDs() {
		return gid
	}
	return rt.SlowGoid()
}

// sendContext is SendContext's blocking path.
func (c *Chan[T]) sendContext(gid uint64, pc uintptr, v T, ctx context.Context) error {
	done := ctx.Done()
	var wt *engine.Wait
	if engine.Enabled() {
		wt = engine.BeginWaitOn(gid, pc, true, engine.WaitOn{Prim: c.p, Mode: waitgraph.Send})
	}
	defer wt.End()
	for {
		select {
		case c.c <- v:
			c.sent(gid)
			return nil
		case <-wt.C():
			wt.Tick()
		case <-done:
			return wt.Explain("SendContext", ctx.Err())
		}
	}
}

// sendParked is Send's blocking path: parked on the channel alone,
// re-checked from the engine's timer. That is cheaper than a select with
// a timer of its own, and a goroutine left blocked for good stays visible
// to the runtime's goroutine leak detector.
func (c *Chan[T]) sendParked(gid uint64, pc uintptr, v T) {
	a := engine.BeginAsync(goid(gid), pc, engine.WaitOn{Prim: c.p, Mode: waitgraph.Send})
	defer a.End() // when the send panics on a closed channel
	c.c <- v
	a.End() // at once: a wait that went on would be a false circular wait
	c.sent(gid)
}

// recvParked is Recv's blocking path; see sendParked.
func (c *Chan[T]) recvParked(gid uint64, pc uintptr) (v T, ok bool) {
	a := engine.BeginAsync(goid(gid), pc, engine.WaitOn{Prim: c.p, Mode: waitgraph.Recv})
	v, ok = <-c.c
	a.End()
	c.received(gid)
	return v, ok
}

// Recv receives a value, blocking until one is available. ok is false if
// the channel is closed and drained.
//
//go:noinline
func (c *Chan[T]) Recv() (v T, ok bool) {
	gid, pc := rt.Enter()
	if sched.On() {
		if s, m := schedChan(c.addr(), false, "recv", pc); m != sched.Free {
			defer schedAfter(s, m, c.addr())
		}
	}
	select {
	case v, ok = <-c.c:
		c.received(gid)
		return v, ok
	default:
	}
	return c.recvParked(gid, pc)
}

func (c *Chan[T]) recv(gid uint64, pc uintptr) (v T, ok bool) {
	if sched.On() {
		if s, m := schedChan(c.addr(), false, "recv", pc); m != sched.Free {
			defer schedAfter(s, m, c.addr())
		}
	}
	select {
	case v, ok = <-c.c:
		c.received(gid)
		return v, ok
	default:
	}
	return c.recvParked(gid, pc)
}

// RecvContext receives a value, or gives up when ctx is done with a
// *WaitError that says why nothing came: who sent on the channel before,
// and what they were doing instead.
//
//go:noinline
func (c *Chan[T]) RecvContext(ctx context.Context) (v T, ok bool, err error) {
	gid, pc := rt.Enter()
	if sched.On() {
		if s, m := schedChanCtx(c.addr(), false, "recv", pc, ctx.Done() != nil); m != sched.Free {
			defer schedAfter(s, m, c.addr())
		}
	}
	select {
	case v, ok = <-c.c:
		c.received(gid)
		return v, ok, nil
	default:
	}
	return c.recvContext(gid, pc, ctx)
}

// TryRecv receives a value if it can do so without blocking. received
// reports whether it did; ok, as for Recv, is false if the channel is
// closed and drained.
//
//go:noinline
func (c *Chan[T]) TryRecv() (v T, ok, received bool) {
	gid, pc := rt.Enter()
	if sched.On() {
		if s, m := schedPoll(c.addr(), false, pc); m != sched.Free {
			defer schedAfter(s, m, c.addr())
		}
	}
	select {
	case v, ok = <-c.c:
		c.received(gid)
		return v, ok, true
	default:
		return v, false, false
	}
}

// recvContext is RecvContext's blocking path.
func (c *Chan[T]) recvContext(gid uint64, pc uintptr, ctx context.Context) (v T, ok bool, err error) {
	done := ctx.Done()
	var wt *engine.Wait
	if engine.Enabled() {
		wt = engine.BeginWaitOn(gid, pc, true, engine.WaitOn{Prim: c.p, Mode: waitgraph.Recv})
	}
	defer wt.End()
	for {
		select {
		case v, ok = <-c.c:
			c.received(gid)
			return v, ok, nil
		case <-wt.C():
			wt.Tick()
		case <-done:
			return v, false, wt.Explain("RecvContext", ctx.Err())
		}
	}
}

// All returns an iterator over the values received until the channel is
// closed, for use with range:
//
//	for v := range c.All() { ... }
func (c *Chan[T]) All() iter.Seq[T] { return c.each }

//go:noinline
func (c *Chan[T]) each(yield func(T) bool) {
	gid, pc := rt.Enter()
	for {
		v, ok := c.recv(gid, pc)
		if !ok || !yield(v) {
			return
		}
	}
}
