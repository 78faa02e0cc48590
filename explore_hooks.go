package gridlock

import (
	"reflect"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/sched"
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
