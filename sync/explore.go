//go:build !gridlock_off

package sync

import (
	"context"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/sched"
)

// Under gridlock explore (internal/sched), every operation below is a
// scheduling point; a lock that cannot be taken at once blocks in the
// schedule, not in the runtime. These are called after one check of
// sched.On, so that they cost nothing when no schedule runs.

func init() {
	sched.LockName = func(p unsafe.Pointer) string {
		if h := peekHome(p); h != nil {
			if l := h.ref.Peek(); l != nil {
				return l.Label()
			}
		}
		return ""
	}
	sched.HeldMutexName = func(p unsafe.Pointer) string {
		if l := (*Mutex)(p).l; l != nil {
			return l.Label()
		}
		return ""
	}
	sched.WaitGroupPartners = func(p unsafe.Pointer) ([]uint64, bool) {
		h := peekHome(p)
		if h == nil {
			return nil, false
		}
		r := h.prim.Peek()
		if r == nil {
			return nil, false
		}
		owers, doners, paid := r.Partners()
		return append(owers, doners...), len(owers)+len(doners)+paid > 0
	}
}

//go:noinline
func (m *Mutex) schedLock(pc uintptr) {
	if s := sched.Active(); s != nil {
		s.Lock(engine.Goid(), unsafe.Pointer(m), sched.Mutex, func() bool {
			return m.state.Load()&(mutexLocked|mutexHandoff) == 0
		}, pc)
	}
}

//go:noinline
func schedUnlocked(p unsafe.Pointer, k sched.Kind) {
	if s := sched.Active(); s != nil {
		s.Unlocked(engine.Goid(), p, k)
	}
}

//go:noinline
func schedTried(p unsafe.Pointer, k sched.Kind) {
	if s := sched.Active(); s != nil {
		s.Tried(engine.Goid(), p, k)
	}
}

//go:noinline
func (rw *RWMutex) schedLock(pc uintptr) {
	if s := sched.Active(); s != nil {
		s.Lock(engine.Goid(), unsafe.Pointer(rw), sched.WLock, func() bool {
			return rw.state.Load() == 0
		}, pc)
	}
}

//go:noinline
func (rw *RWMutex) schedRLock(pc uintptr) {
	if s := sched.Active(); s != nil {
		s.Lock(engine.Goid(), unsafe.Pointer(rw), sched.RLock, func() bool {
			return rw.state.Load()&(rwWriter|rwPending) == 0
		}, pc)
	}
}

//go:noinline
func (wg *WaitGroup) schedWait(pc uintptr) {
	if s := sched.Active(); s != nil {
		s.WaitFor(engine.Goid(), unsafe.Pointer(wg), func() bool { return wg.n.Load() == 0 }, pc)
	}
}

//go:noinline
func schedPoint(p unsafe.Pointer) {
	if s := sched.Active(); s != nil {
		s.Point(engine.Goid(), p)
	}
}

// schedCondWait waits on c under a schedule, and reports whether it did.
//
//go:noinline
func (c *Cond) schedWait(gid uint64, pc uintptr) bool {
	s := sched.Active()
	if s == nil || !s.CondWait(engine.Goid(), unsafe.Pointer(c), c.L.Unlock, pc) {
		return false
	}
	c.relock(gid, pc)
	return true
}

//go:noinline
func (c *Cond) schedSignal(all bool) bool {
	s := sched.Active()
	return s != nil && s.Signal(engine.Goid(), unsafe.Pointer(c), all)
}

// schedSpawn registers a goroutine about to start under a schedule.
//
//go:noinline
func schedSpawn(name string) (*sched.Sched, *sched.G) {
	if s := sched.Active(); s != nil {
		if g := s.Spawn(engine.Goid(), name); g != nil {
			return s, g
		}
	}
	return nil, nil
}

// schedLockCtx asks the schedule before a LockContext of m; unless it
// returns Free, the lock is taken for real, out of control, and
// schedLockedCtx ends that.
//
//go:noinline
func (m *Mutex) schedLockCtx(pc uintptr, ctx context.Context) (*sched.Sched, sched.Mode) {
	s := sched.Active()
	if s == nil {
		return nil, sched.Free
	}
	return s, s.LockCtx(engine.Goid(), unsafe.Pointer(m), sched.Mutex, func() bool {
		return m.state.Load()&(mutexLocked|mutexHandoff) == 0
	}, pc, ctx.Done())
}

//go:noinline
func (rw *RWMutex) schedLockCtx(pc uintptr, ctx context.Context, k sched.Kind) (*sched.Sched, sched.Mode) {
	s := sched.Active()
	if s == nil {
		return nil, sched.Free
	}
	free := func() bool { return rw.state.Load() == 0 }
	if k == sched.RLock {
		free = func() bool { return rw.state.Load()&(rwWriter|rwPending) == 0 }
	}
	return s, s.LockCtx(engine.Goid(), unsafe.Pointer(rw), k, free, pc, ctx.Done())
}

// schedLockedCtx ends a lock with a context taken out of control: the
// schedule records it held if err is nil, and the goroutine comes back.
func schedLockedCtx(s *sched.Sched, p unsafe.Pointer, k sched.Kind, err error) error {
	gid := engine.Goid()
	if err == nil {
		s.Tried(gid, p, k)
	}
	s.After(gid, nil)
	return err
}

//go:noinline
func (wg *WaitGroup) schedWaitCtx(pc uintptr, ctx context.Context) (*sched.Sched, sched.Mode) {
	s := sched.Active()
	if s == nil {
		return nil, sched.Free
	}
	return s, s.WaitCtx(engine.Goid(), unsafe.Pointer(wg), sched.WaitGroup, func() bool { return wg.n.Load() == 0 }, pc, ctx.Done())
}

// schedTry is the scheduling point of a TryLock or TryRLock.
//
//go:noinline
func schedTry() {
	if s := sched.Active(); s != nil {
		s.Try(engine.Goid())
	}
}
