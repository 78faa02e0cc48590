package gridlock

import (
	"container/list"
	"context"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// A Semaphore is a weighted semaphore watched by gridlock, with the API of
// golang.org/x/sync/semaphore. It knows who holds how many permits and who
// waits for how many, so that two tasks that each hold one permit and wait
// for a second are reported as a deadlock, and a task that waits for
// permits while holding some of the same semaphore is reported at once as
// a semaphore-hold-and-wait.
//
// Permits are attributed to the goroutine that acquired them. Releasing
// them from another goroutine is allowed; gridlock then no longer knows
// who holds what and does not report deadlocks through that semaphore.
//
// Waiters are served in order: a large request blocks smaller ones behind
// it, which avoids starving large requests.
type Semaphore struct {
	size    int64
	cur     int64     // guarded by p's lock
	waiters list.List // guarded by p's lock
	p       *engine.Prim
}

type semWaiter struct {
	n     int64
	gid   uint64
	seq   uint64 // the waiter's wait, for the grant
	ready chan struct{}
}

// NewSemaphore returns a semaphore with n permits.
//
//go:noinline
func NewSemaphore(n int64) *Semaphore {
	_, pc := rt.Enter()
	var r engine.PrimRef
	return &Semaphore{size: n, p: r.Get(waitgraph.Semaphore, pc)}
}

// Acquire acquires n permits, blocking until they are available or ctx is
// done. On success it returns nil; otherwise a *WaitError that wraps
// ctx.Err() and says who held the permits and what they were doing. If
// ctx is already done, Acquire may still succeed without blocking.
//
//go:noinline
func (s *Semaphore) Acquire(ctx context.Context, n int64) error {
	gid, pc := rt.Enter()
	if sched.On() && n <= s.size {
		if sc, mode := s.schedAcquire(n, pc, ctx.Done()); mode != sched.Free {
			defer sc.After(engine.Goid(), nil)
		}
	}
	gid = goid(gid)
	done := ctx.Done()
	s.p.Lock()
	if s.take(gid, n) {
		return nil
	}
	s.p.Unlock()
	wt := engine.BeginWaitOn(gid, pc, done != nil, engine.WaitOn{Prim: s.p, Mode: waitgraph.Acquire, Count: n})
	defer wt.End()
	w := &semWaiter{n: n, gid: gid, seq: wt.Seq(), ready: make(chan struct{})}
	var elem *list.Element
	s.p.Lock()
	if s.take(gid, n) { // released while the wait was prepared
		return nil
	}
	if n <= s.size {
		elem = s.waiters.PushBack(w)
	}
	s.p.Unlock()
	for {
		select {
		case <-w.ready:
			// The permits were recorded as ours when granted.
			s.p.NoteHolding(gid)
			return nil
		case <-wt.C():
			select {
			case <-w.ready:
				continue // granted: do not register
			default:
			}
			wt.Tick()
		case <-done:
			if elem == nil {
				// More than the semaphore has: it can only fail.
				return wt.Explain("Acquire", ctx.Err())
			}
			s.p.Lock()
			select {
			case <-w.ready:
				// Acquired as the context ended: keep the permits.
				s.p.Unlock()
				s.p.NoteHolding(gid)
				return nil
			default:
			}
			isFront := s.waiters.Front() == elem
			s.waiters.Remove(elem)
			// If we were at the front and there are permits left, others
			// may now go.
			var granted []*semWaiter
			if isFront && s.size > s.cur {
				granted = s.notifyWaiters(nil)
			}
			s.p.Unlock()
			s.grant(granted)
			return wt.Explain("Acquire", ctx.Err())
		}
	}
}

// TryAcquire acquires n permits without blocking and reports whether it
// did.
//
//go:noinline
func (s *Semaphore) TryAcquire(n int64) bool {
	gid, _ := rt.Enter()
	if sched.On() {
		if sc := sched.Active(); sc != nil {
			sc.Try(engine.Goid()) // a non-blocking attempt: others may go first
		}
	}
	s.p.Lock()
	if s.take(goid(gid), n) {
		return true
	}
	s.p.Unlock()
	return false
}

// take takes n permits for goroutine gid if they are free and no one
// waits before it. Called with the lock held, it unlocks it if it took
// them.
func (s *Semaphore) take(gid uint64, n int64) bool {
	if s.size-s.cur < n || s.waiters.Len() > 0 {
		return false
	}
	s.cur += n
	first := s.p.NoteAcquireLocked(gid, n)
	s.p.Unlock()
	if first {
		s.p.NoteHolding(gid)
	}
	return true
}

// Release releases n permits.
func (s *Semaphore) Release(n int64) {
	gid := engine.Goid()
	s.p.Lock()
	s.cur -= n
	if s.cur < 0 {
		s.p.Unlock()
		panic("gridlock: Semaphore: released more than held")
	}
	s.p.NoteReleaseLocked(gid, n)
	granted := s.notifyWaiters(nil)
	s.p.Unlock()
	s.grant(granted)
	if sched.On() {
		schedPoint(unsafe.Pointer(s))
	}
}

// schedAcquire waits in the schedule until n permits are free.
//
//go:noinline
func (s *Semaphore) schedAcquire(n int64, pc uintptr, done <-chan struct{}) (*sched.Sched, sched.Mode) {
	sc := sched.Active()
	if sc == nil {
		return nil, sched.Free
	}
	return sc, sc.WaitCtx(engine.Goid(), unsafe.Pointer(s), sched.Semaphore, func() bool {
		s.p.Lock()
		defer s.p.Unlock()
		return s.size-s.cur >= n && s.waiters.Len() == 0
	}, pc, done)
}

// grant completes grants made under the lock, outside it.
func (s *Semaphore) grant(ws []*semWaiter) {
	for _, w := range ws {
		s.p.Grant(w.gid, w.seq)
		close(w.ready)
	}
}

// notifyWaiters hands permits to the waiters at the front of the queue
// that they now suffice for, and returns them for grant. Called with the
// lock held.
func (s *Semaphore) notifyWaiters(granted []*semWaiter) []*semWaiter {
	for {
		next := s.waiters.Front()
		if next == nil {
			break
		}
		w := next.Value.(*semWaiter)
		if s.size-s.cur < w.n {
			// Not enough for the next waiter: keep order, stop here.
			break
		}
		s.cur += w.n
		s.waiters.Remove(next)
		// The permits are the waiter's from now on, as the detector sees
		// it too; grant completes it outside the lock.
		s.p.Granting(w.gid, w.n)
		granted = append(granted, w)
	}
	return granted
}
