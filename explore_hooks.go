package gridlock

import (
	"reflect"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Under gridlock explore (internal/sched) the channel operations, selects
// and go statements below are scheduling points. These helpers run after
// one check of sched.On.

func init() {
	sched.SemaphoreHolders = func(p unsafe.Pointer) ([]uint64, bool) {
		return (*Semaphore)(p).p.Holders()
	}
}

// schedChan asks the schedule before one channel operation.
//
//go:noinline
func schedChan(addr unsafe.Pointer, send bool, op string, pc uintptr) (*sched.Sched, sched.Mode) {
	s := sched.Active()
	if s == nil {
		return nil, sched.Free
	}
	return s, s.ChanOp(engine.Goid(), op, pc, []sched.Op{{Key: addr, Send: send}})
}

// schedChanCtx is schedChan for an operation that a context may end
// (ctxDone: its Done channel is not nil): the context's channel is one the
// schedule cannot see.
//
//go:noinline
func schedChanCtx(addr unsafe.Pointer, send bool, op string, pc uintptr, ctxDone bool) (*sched.Sched, sched.Mode) {
	s := sched.Active()
	if s == nil {
		return nil, sched.Free
	}
	ops := []sched.Op{{Key: addr, Send: send}}
	if ctxDone {
		ops = append(ops, sched.Op{Outside: true})
	}
	return s, s.ChanOp(engine.Goid(), op, pc, ops)
}

// schedPoll asks the schedule before a non-blocking operation on the
// channel at addr (TrySend, TryRecv).
//
//go:noinline
func schedPoll(addr unsafe.Pointer, send bool, pc uintptr) (*sched.Sched, sched.Mode) {
	s := sched.Active()
	if s == nil {
		return nil, sched.Free
	}
	return s, s.Poll(engine.Goid(), pc, []sched.Op{{Key: addr, Send: send}})
}

// schedAfter ends an operation schedChan allowed.
func schedAfter(s *sched.Sched, m sched.Mode, addr unsafe.Pointer) {
	if m != sched.Free {
		s.After(engine.Goid(), addr)
	}
}

//go:noinline
func schedMade(addr unsafe.Pointer) {
	if s := sched.Active(); s != nil {
		s.Made(engine.Goid(), addr)
	}
}

//go:noinline
func schedPoint(addr unsafe.Pointer) {
	if s := sched.Active(); s != nil {
		s.Point(engine.Goid(), addr)
	}
}

//go:noinline
func schedSpawn(name string, uses []any) (*sched.Sched, *sched.G) {
	if s := sched.Active(); s != nil {
		var keys []unsafe.Pointer
		for _, u := range uses {
			if c, ok := u.(interface{ addr() unsafe.Pointer }); ok {
				keys = append(keys, c.addr())
			} else if k := chanKey(reflect.ValueOf(u)); k != nil {
				keys = append(keys, k)
			}
		}
		if g := s.Spawn(engine.Goid(), name, keys...); g != nil {
			return s, g
		}
	}
	return nil, nil
}

// schedSelect asks the schedule before a select over ops.
//
//go:noinline
func schedSelect(ops []sched.Op, pc uintptr) (*sched.Sched, sched.Mode) {
	s := sched.Active()
	if s == nil {
		return nil, sched.Free
	}
	return s, s.ChanOp(engine.Goid(), "select", pc, ops)
}

func chanKey(v reflect.Value) unsafe.Pointer {
	if !v.IsValid() || v.Kind() != reflect.Chan || v.IsNil() {
		return nil
	}
	return v.UnsafePointer()
}

// Exploring reports whether a controlled schedule (or gridlock test
// -jitter) runs: the check gridlock explore's rewrite of a select with a
// default case makes before it calls SelectPoll. It is one atomic load.
func Exploring() bool { return sched.On() }

// SelectPoll is a scheduling point before a select statement with a
// default case, over the given channels (see SelectStart): the schedule
// may run other goroutines first, and a goroutine that waits in the
// schedule to complete one of the cases is let into the channel, as the
// runtime would find it there. Each case of the select then calls Case
// on the result (nil if nothing was handed over).
//
//go:noinline
func SelectPoll(ops ...SelectOp) *SelectWait {
	gid, pc := rt.Enter()
	s := sched.Active()
	if s == nil {
		return nil
	}
	sops := make([]sched.Op, len(ops))
	for i, op := range ops {
		sops[i] = sched.Op{Key: op.ch, Send: op.mode == waitgraph.Send, Outside: op.mode == waitgraph.Wait}
	}
	gid = goid(gid)
	m := s.Poll(gid, pc, sops)
	if m == sched.Free {
		return nil
	}
	return &SelectWait{gid: gid, ops: ops, s: s, mode: m}
}
