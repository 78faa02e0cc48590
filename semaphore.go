package gridlock

import (
	"container/list"
	"context"
	"sync"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
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
	mu      sync.Mutex
	cur     int64
	waiters list.List
	p       *engine.Prim
}

type semWaiter struct {
	n     int64
	gid   uint64
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
	done := ctx.Done()
	s.mu.Lock()
	if s.size-s.cur >= n && s.waiters.Len() == 0 {
		s.cur += n
		s.mu.Unlock()
		s.acquired(gid, n)
		return nil
	}
	w := &semWaiter{n: n, gid: goid(gid), ready: make(chan struct{})}
	var elem *list.Element
	if n <= s.size {
		elem = s.waiters.PushBack(w)
	}
	s.mu.Unlock()

	var wt *engine.Wait
	if engine.Enabled() {
		// Nil if the permits were granted already.
		wt = engine.BeginWaitOn(gid, pc, done != nil, engine.WaitOn{Prim: s.p, Mode: waitgraph.Acquire, Count: n})
	}
	defer wt.End()
	for {
		select {
		case <-w.ready:
			return nil // the permits were recorded as ours when granted
		case <-wt.C():
			wt.Tick()
		case <-done:
			if elem == nil {
				// More than the semaphore has: it can only fail.
				return wt.Explain("Acquire", ctx.Err())
			}
			s.mu.Lock()
			select {
			case <-w.ready:
				// Acquired as the context ended: keep the permits.
				s.mu.Unlock()
				return nil
			default:
			}
			isFront := s.waiters.Front() == elem
			s.waiters.Remove(elem)
			// If we were at the front and there are permits left, others
			// may now go.
			if isFront && s.size > s.cur {
				s.notifyWaiters()
			}
			s.mu.Unlock()
			return wt.Explain("Acquire", ctx.Err())
		}
	}
}

func (s *Semaphore) acquired(gid uint64, n int64) {
	if engine.Enabled() {
		s.p.NoteAcquire(goid(gid), n)
	}
}

// TryAcquire acquires n permits without blocking and reports whether it
// did.
//
//go:noinline
func (s *Semaphore) TryAcquire(n int64) bool {
	gid, _ := rt.Enter()
	s.mu.Lock()
	ok := s.size-s.cur >= n && s.waiters.Len() == 0
	if ok {
		s.cur += n
	}
	s.mu.Unlock()
	if ok {
		s.acquired(gid, n)
	}
	return ok
}

// Release releases n permits.
func (s *Semaphore) Release(n int64) {
	if engine.Enabled() {
		s.p.NoteRelease(engine.Goid(), n)
	}
	s.mu.Lock()
	s.cur -= n
	if s.cur < 0 {
		s.mu.Unlock()
		panic("gridlock: Semaphore: released more than held")
	}
	s.notifyWaiters()
	s.mu.Unlock()
}

func (s *Semaphore) notifyWaiters() {
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
		// it too.
		s.p.Grant(w.gid, w.n)
		close(w.ready)
	}
}
