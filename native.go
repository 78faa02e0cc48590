package gridlock

import (
	"iter"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Native channels. gridlock test rewrites the channel operations of the
// code under test into these functions — ch <- v into Send(ch, v), <-ch
// into Recv(ch), close(ch) into Close(ch), a range over a channel into a
// range over Range(ch), and wraps a blocking select in SelectStart and
// (*SelectWait).Case — so that native channels take part in the wait-for
// graph like gridlock's own Chan. They can be called directly too.
//
// A native channel may also be used by code gridlock did not rewrite (a
// library, the standard library): its partners are known only in part, so
// a goroutine blocked on one is reported as part of a circular wait, or
// when the whole program is frozen, never alone.

func sendAddr[T any](ch chan<- T) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&ch)) }

func recvAddr[T any](ch <-chan T) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&ch)) }

// Made records that the calling goroutine made ch, and returns ch:
// gridlock test wraps the code under test's make(chan ...) in it. The
// channel's record then names the make as its site, and the maker is
// known: goroutines later proven blocked for good on the channel are
// read as waiting for it when it is blocked for good too (a circular
// wait), since it holds the channel's other end.
//
//go:noinline
func Made[C ~chan T, T any](ch C) C {
	gid, pc := rt.Enter()
	if sched.On() {
		schedMade(sendAddr(chan T(ch)))
	}
	if engine.Enabled() {
		engine.ChanMade(sendAddr(chan T(ch)), cap(ch), goid(gid), pc)
	}
	return ch
}

// Send sends v on ch, as ch <- v does.
//
//go:noinline
func Send[T any](ch chan<- T, v T) {
	gid, pc := rt.Enter()
	if sched.On() {
		if s, m := schedChan(sendAddr(ch), true, "send", pc); m != sched.Free {
			defer schedAfter(s, m, sendAddr(ch))
		}
	}
	if !engine.Enabled() {
		ch <- v
		return
	}
	gid = goid(gid)
	p := engine.ChanPrim(sendAddr(ch), pc)
	select {
	case ch <- v:
		p.NoteSend(gid)
		return
	default:
	}
	// Parked on the channel alone, re-checked from a timer of the
	// engine's: a goroutine waiting on a timer too could never be proven
	// blocked for good by the runtime's goroutine leak detector.
	a := engine.BeginAsync(gid, pc, engine.WaitOn{Prim: p, Mode: waitgraph.Send})
	defer a.End()
	ch <- v
	p.NoteSend(gid)
}

// Recv receives from ch, as <-ch does.
//
//go:noinline
func Recv[T any](ch <-chan T) T {
	gid, pc := rt.Enter()
	v, _ := recv(gid, pc, ch)
	return v
}

// Recv2 receives from ch, as v, ok := <-ch does.
//
//go:noinline
func Recv2[T any](ch <-chan T) (T, bool) {
	gid, pc := rt.Enter()
	return recv(gid, pc, ch)
}

func recv[T any](gid uint64, pc uintptr, ch <-chan T) (T, bool) {
	if sched.On() {
		if s, m := schedChan(recvAddr(ch), false, "recv", pc); m != sched.Free {
			defer schedAfter(s, m, recvAddr(ch))
		}
	}
	if !engine.Enabled() {
		v, ok := <-ch
		return v, ok
	}
	gid = goid(gid)
	p := engine.ChanPrim(recvAddr(ch), pc)
	select {
	case v, ok := <-ch:
		p.NoteRecv(gid)
		return v, ok
	default:
	}
	// Parked on the channel alone: see Send.
	a := engine.BeginAsync(gid, pc, engine.WaitOn{Prim: p, Mode: waitgraph.Recv})
	defer a.End()
	v, ok := <-ch
	p.NoteRecv(gid)
	return v, ok
}

// Close closes ch, as close(ch) does.
func Close[T any](ch chan<- T) {
	if engine.Enabled() && ch != nil {
		engine.ChanPrim(sendAddr(ch), 0).NoteClose()
	}
	close(ch)
	if sched.On() {
		schedPoint(sendAddr(ch))
	}
}

// Range returns an iterator over the values received from ch until it is
// closed, as a range over ch does.
func Range[T any](ch <-chan T) iter.Seq[T] {
	return func(yield func(T) bool) { rangeChan(ch, yield) }
}

//go:noinline
func rangeChan[T any](ch <-chan T, yield func(T) bool) {
	gid, _ := rt.Enter()
	// The call site is the range statement, which calls Range's iterator,
	// which calls rangeChan: once per loop, not per value.
	var pc uintptr
	if pcs := rt.Callers(2, 1); len(pcs) == 1 {
		pc = pcs[0]
	}
	for {
		v, ok := recv(gid, pc, ch)
		if !ok || !yield(v) {
			return
		}
	}
}

// A SelectWait is the registration of a native select statement that may
// block; see SelectStart.
type SelectWait struct {
	gid   uint64
	ops   []SelectOp
	async *engine.AsyncWait
	s     *sched.Sched // the schedule that let the select go on
	mode  sched.Mode
}

// A SelectOp is a channel a select statement receives from or sends on.
type SelectOp struct {
	prim *engine.Prim
	mode waitgraph.Mode
	ch   unsafe.Pointer
}

// SelectRecv describes a case of a select statement that receives from ch.
func SelectRecv[T any](ch <-chan T) SelectOp {
	return SelectOp{prim: primOf(recvAddr(ch)), mode: waitgraph.Recv, ch: recvAddr(ch)}
}

// SelectSend describes a case of a select statement that sends on ch.
func SelectSend[T any](ch chan<- T) SelectOp {
	return SelectOp{prim: primOf(sendAddr(ch)), mode: waitgraph.Send, ch: sendAddr(ch)}
}

func primOf(addr unsafe.Pointer) *engine.Prim {
	if !engine.Enabled() {
		return nil
	}
	return engine.ChanPrim(addr, 0)
}

// SelectOutside describes a case of a select statement on a channel that
// SelectRecv and SelectSend cannot be given (one that a call returns, such
// as ctx.Done()): the select may end through it, from outside anything
// gridlock watches.
func SelectOutside() SelectOp { return SelectOp{mode: waitgraph.Wait} }

// SelectStart registers the calling goroutine as waiting in the select
// statement that follows, on the given channels, if the select lasts past
// a grace period. Each case of the select then calls Case with its index
// (-1 for default), which ends the wait and records the operation.
//
//go:noinline
func SelectStart(ops ...SelectOp) *SelectWait {
	gid, pc := rt.Enter()
	var s *sched.Sched
	m := sched.Free
	if sched.On() {
		sops := make([]sched.Op, len(ops))
		for i, op := range ops {
			sops[i] = sched.Op{Key: op.ch, Send: op.mode == waitgraph.Send, Outside: op.mode == waitgraph.Wait}
		}
		s, m = schedSelect(sops, pc)
	}
	if !engine.Enabled() {
		if m != sched.Free {
			return &SelectWait{ops: ops, s: s, mode: m}
		}
		return nil
	}
	gid = goid(gid)
	on := make([]engine.WaitOn, 0, len(ops))
	for _, op := range ops {
		switch {
		case op.prim != nil:
			on = append(on, engine.WaitOn{Prim: op.prim, Mode: op.mode})
		case op.mode == waitgraph.Wait:
			on = append(on, engine.Outside)
		}
	}
	return &SelectWait{gid: gid, ops: ops, async: engine.BeginAsync(gid, pc, on...), s: s, mode: m}
}

// Case ends the select's wait: case i of the operations given to
// SelectStart ran (-1: another case, or default).
func (s *SelectWait) Case(i int) {
	if s != nil {
		s.end(i)
	}
}

func (s *SelectWait) end(i int) {
	if s.mode != sched.Free {
		var key unsafe.Pointer
		if i >= 0 && i < len(s.ops) {
			key = s.ops[i].ch
		}
		schedAfter(s.s, s.mode, key)
		s.mode = sched.Free
	}
	if s.async != nil {
		s.async.End()
	}
	s.async = nil // ended: the goroutine may reuse it for its next wait
	if i < 0 || i >= len(s.ops) || s.ops[i].prim == nil {
		return
	}
	if op := s.ops[i]; op.mode == waitgraph.Recv {
		op.prim.NoteRecv(s.gid)
	} else {
		op.prim.NoteSend(s.gid)
	}
}
