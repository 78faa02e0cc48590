//go:build !gridlock_off

package sync

import (
	"sync/atomic"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Once is an object that will perform exactly one action, watched by
// gridlock: goroutines waiting for the action are part of the wait-for
// graph, and an action that calls Do on its own Once — which deadlocks —
// is reported as a recursive-lock before it hangs.
//
// The API and its rules are the standard library's; a Once must not be
// copied after first use.
type Once struct {
	_    noCopy
	done atomic.Uint32
	m    Mutex
	// ref is the engine's record of m: a Once that was used need not
	// equal its zero value (done is set), so it keeps it in place of a
	// home, which is costly to make. Only the code below touches it: a
	// first Do may borrow a spare record (see engine.AcquiredOnce).
	ref engine.Ref
}

// Do calls the function f if and only if Do is being called for the first
// time for this instance of Once. No call to Do returns until the one call
// to f returns; if f panics, Do considers it to have returned.
//
//go:noinline
func (o *Once) Do(f func()) {
	if o.done.Load() == 0 {
		gid, pc := rt.Enter()
		o.doSlow(gid, pc, f)
	}
}

func (o *Once) doSlow(gid uint64, pc uintptr, f func()) {
	l := o.lock(gid, pc)
	defer o.unlock(l)
	if o.done.Load() == 0 {
		defer o.done.Store(1)
		f()
	}
}

// lock is m.Lock, with the engine's record of a first Do. It returns the
// record it entered in the goroutine's held list, nil if none: m.l stays
// nil, which spares writing it twice.
func (o *Once) lock(gid uint64, pc uintptr) *engine.Lock {
	m := &o.m
	if sched.On() {
		m.schedLock(pc) // a scheduling point, as Lock
	}
	if m.state.CompareAndSwap(0, mutexLocked) {
		if engine.Enabled() {
			l := engine.AcquiredOnce(gid, &o.ref, pc)
			if sched.On() {
				m.l = l // for the schedule's name of the lock (HeldMutexName)
			}
			return l
		}
		return nil
	}
	if engine.Enabled() {
		o.ref.Pin(pc) // the record is kept by the wait, or reported
	}
	m.lockContendedRef(gid, pc, waitgraph.Once, nil, "", &o.ref)
	l := m.l
	if !sched.On() {
		m.l = nil
	}
	return l
}

// unlock unlocks m, which the goroutine locked with record l, giving back
// a spare record.
func (o *Once) unlock(l *engine.Lock) {
	if l != nil {
		o.m.l = nil // set for a schedule only: unlock's release is ReleaseOnce's
		engine.ReleaseOnce(l)
	}
	o.m.Unlock()
}
