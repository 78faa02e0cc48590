package gridlock

import (
	"context"
	"reflect"
	"runtime/pprof"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/internal/sched"
)

// Go starts f in a new goroutine that gridlock knows by name: findings
// name it ("goroutine 12 (bid-consumer)"), its pprof label "gridlock" is
// set to name, and gridlock knows when it ends. A goroutine started by Go
// after its parent called Add on a WaitGroup of gridlock/sync is thought to
// owe that WaitGroup a Done (an Add of n for the next n goroutines), so
// that a Wait whose workers are stuck, or have all returned without Done,
// is reported; unless it waits for that WaitGroup itself, as a callback
// that waits for the work does, and no goroutine of its go statement ever
// paid a Done. A WaitGroup that goroutines owing nothing have called Done
// on (a long-lived goroutine serving requests) is never thought to wait
// only for the goroutines started after its Add.
//
// uses lists channels the goroutine is given (native channels or
// *Chan), which it may send on or receive from before it ever has: the
// detector counts it as a partner of each in the directions the channel's
// type allows.
//
// gridlock test rewrites go statements of the code under test to Go,
// passing the channels the call's arguments are and the channels a
// function literal uses.
//
//go:noinline
func Go(name string, f func(), uses ...any) {
	_, pc := rt.Enter()
	spawn := engine.Spawn(pc)
	var s *sched.Sched
	var sg *sched.G
	if sched.On() {
		s, sg = schedSpawn(name, uses)
	}
	go func() {
		if sg != nil {
			s.Begin(sg)
			defer s.Exit(sg)
		}
		g := engine.Started(spawn, name)
		if g != nil {
			for _, u := range uses {
				given(u, g.ID())
			}
		}
		defer engine.Exited(g)
		if name != "" {
			// Set here rather than through pprof.Do, whose frames would
			// sit below f's on the stack the goroutine's code sees.
			pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("gridlock", name)))
		}
		f()
	}()
	if sg != nil {
		schedPoint(nil)
	}
}

// SetName names the calling goroutine in findings.
func SetName(name string) { engine.Name(name) }

// WaitError is the error of a wait that ended because its context was
// done: LockContext, RLockContext, WaitContext, SendContext, RecvContext,
// SelectContext and Semaphore.Acquire return it. It wraps the context's
// error (errors.Is(err, context.DeadlineExceeded) works) and carries the
// wait-for graph around the waiter; its Error text prints the chain of who
// held what and waited for what — the article's "dump a textual graph of
// task dependencies on a timeout", built in:
//
//	gridlock: LockContext mutex#3: context deadline exceeded after 100ms
//	  goroutine 7 waits for mutex#3 (lock) for 100ms at main.handle (main.go:20)
//	    held (lock) by goroutine 8 since main.flush (main.go:31)
//	    goroutine 8 waits to send on chan#2 (send) for 2s at main.flush (main.go:35)
//	      may be ended by goroutine 9 (received from it before)
//	      goroutine 9 waits for mutex#3 (lock) ... (see above)
type WaitError = engine.WaitError

// chanOf is implemented by *Chan.
type chanOf interface{ record() *engine.Prim }

func (c *Chan[T]) record() *engine.Prim { return c.p }

// given records that goroutine gid was given channel u.
func given(u any, gid uint64) {
	if c, ok := u.(chanOf); ok {
		c.record().NoteGiven(gid, true, true)
		return
	}
	v := reflect.ValueOf(u)
	if v.Kind() != reflect.Chan || v.IsNil() {
		return
	}
	dir := v.Type().ChanDir()
	engine.ChanPrim(v.UnsafePointer(), 0).NoteGiven(gid, dir&reflect.SendDir != 0, dir&reflect.RecvDir != 0)
}
