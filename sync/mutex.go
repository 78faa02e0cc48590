//go:build !gridlock_off

package sync

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// A Mutex is a mutual exclusion lock, watched by gridlock. The zero value
// is an unlocked mutex. A Mutex must not be copied after first use.
//
// As with the standard sync.Mutex, a locked Mutex is not associated with a
// particular goroutine: one goroutine may lock it and another unlock it.
// gridlock follows such hand-overs: a lock unlocked by another goroutine
// leaves its locker's held locks at once, circular waits through a mutex
// that has been handed over are not reported, since any goroutine may end
// them, and locks a goroutine holds when it starts another goroutine are
// lent to it: they are not ordered before the locks the goroutine takes
// next, nor is taking one again a recursive lock, until it unlocks them.
//
// The algorithm is the standard library's: newcomers may take a free lock
// ahead of woken waiters (which keeps throughput high), and a waiter that
// has waited more than a millisecond is handed the lock directly (which
// bounds the wait).
//
// An unlocked Mutex with no waiters equals its zero value: what gridlock
// keeps about it lives outside it (see home).
type Mutex struct {
	state atomic.Int32
	// l is the engine's record of m while m is locked with the engine on,
	// for Unlock; nil while m is unlocked. Written by the holder after
	// it acquires, cleared by Unlock before it releases.
	l *engine.Lock
	q atomic.Pointer[lockq] // while a goroutine is in a slow path (see lockq)
}

func (m *Mutex) home() *home { return homeOf(unsafe.Pointer(m)) }

// acquired records an acquisition that did not wait.
func (m *Mutex) acquired(gid uint64, pc uintptr, kind waitgraph.ResourceKind) {
	h := m.home()
	g := engine.Note(gid, &h.ref, kind, engine.Write, pc, nil)
	m.l = h.ref.Peek()
	if g != nil {
		g.ValidateTop()
	}
}

// Mutex state bits.
const (
	mutexLocked  = 1 << iota // held
	mutexWoken               // a waiter was woken and competes; wake no other
	mutexQueued              // the queue is not empty
	mutexHandoff             // the head waiter is starving: unlock hands the lock to it

	starvation = time.Millisecond
)

var multicore = runtime.NumCPU() > 1

// Lock locks m. If the lock is already in use, the calling goroutine blocks
// until the mutex is available.
//
//go:noinline
func (m *Mutex) Lock() {
	gid, pc := rt.Enter()
	if !engine.Hot() {
		m.lockAt(gid, pc, waitgraph.Mutex)
		return
	}
	// lockAt with the engine on and no hook, by hand, and
	// engine.Acquired's commonest cases inlined: the uncontended path
	// makes no call but rt.Enter.
	if m.state.CompareAndSwap(0, mutexLocked) {
		a := uintptr(unsafe.Pointer(m))
		slot := &lockCache[homeIndex(a)]
		if l := slot.Load(); l != nil && l.Addr() == a {
			if g := l.Fast(gid); g != nil && (g.Push1(&m.l, l, pc) || g.PushNested(&m.l, l, pc)) {
				return
			}
		}
		if g := m.acquiredSlow(gid, pc, slot); g != nil {
			// From here, not from acquiredSlow: one frame less under
			// the validation (see engine.Note).
			g.ValidateTop()
		}
		return
	}
	m.lockContended(gid, pc, waitgraph.Mutex, nil, "")
}

// acquiredSlow is acquired for Lock, when its cached record did not do:
// it caches the record in slot. It returns what engine.Note returns.
func (m *Mutex) acquiredSlow(gid uint64, pc uintptr, slot *atomic.Pointer[engine.Lock]) *engine.G {
	h := m.home()
	g := engine.Note(gid, &h.ref, waitgraph.Mutex, engine.Write, pc, nil)
	l := h.ref.Peek()
	m.l = l
	if slot.Load() != l { // a lock whose chain always takes this path
		slot.Store(l)
	}
	return g
}

// LockContext locks m, or gives up when ctx is done. It returns nil if it
// acquired the lock, and otherwise a *gridlock.WaitError that wraps the
// context's error and says why the wait could not finish: who held the
// lock, what that goroutine was waiting for, and so on. It is the
// article's escape hatch: a freeze becomes an error that explains itself.
//
//go:noinline
func (m *Mutex) LockContext(ctx context.Context) error {
	gid, pc := rt.Enter()
	if sched.On() {
		if s, mode := m.schedLockCtx(pc, ctx); mode != sched.Free {
			return schedLockedCtx(s, unsafe.Pointer(m), sched.Mutex, m.lockContended(gid, pc, waitgraph.Mutex, ctx, "LockContext"))
		}
	}
	if m.state.CompareAndSwap(0, mutexLocked) {
		if engine.Enabled() {
			m.acquired(gid, pc, waitgraph.Mutex)
		}
		return nil
	}
	return m.lockContended(gid, pc, waitgraph.Mutex, ctx, "LockContext")
}

// lockAt locks m for a caller at call site pc, recording it as a lock of
// the given kind (a Once's mutex is a once).
func (m *Mutex) lockAt(gid uint64, pc uintptr, kind waitgraph.ResourceKind) {
	if sched.On() {
		m.schedLock(pc)
	}
	if m.state.CompareAndSwap(0, mutexLocked) {
		if engine.Enabled() {
			m.acquired(gid, pc, kind)
		}
		return
	}
	m.lockContended(gid, pc, kind, nil, "")
}

// lockContended checks the acquisition before it waits (so that a
// recursive lock is reported before the goroutine hangs on itself), then
// waits. It returns a *WaitError if ctx was done first.
func (m *Mutex) lockContended(gid uint64, pc uintptr, kind waitgraph.ResourceKind, ctx context.Context, op string) error {
	if !engine.Enabled() {
		return m.lockSlow(nil, nil, pc, ctx, op)
	}
	return m.lockContendedRef(gid, pc, kind, ctx, op, &m.home().ref)
}

// lockContendedRef is lockContended with the engine on, for the lock
// whose record is in ref.
func (m *Mutex) lockContendedRef(gid uint64, pc uintptr, kind waitgraph.ResourceKind, ctx context.Context, op string, ref *engine.Ref) error {
	if !engine.Enabled() {
		return m.lockSlow(nil, nil, pc, ctx, op)
	}
	g, l := engine.Before(gid, ref, kind, engine.Write, pc, nil, ctx != nil)
	if err := m.lockSlow(g, l, pc, ctx, op); err != nil {
		return err
	}
	engine.After(g, l, engine.Write, pc)
	m.l = l
	return nil
}

// TryLock tries to lock m and reports whether it succeeded. A failed
// TryLock changes nothing, and trying a lock cannot deadlock, so no order
// is checked into it.
//
// Note that while correct uses of TryLock do exist, they are rare, and use
// of TryLock is often a sign of a deeper problem in a particular use of
// mutexes.
//
//go:noinline
func (m *Mutex) TryLock() bool {
	gid, pc := rt.Enter()
	if sched.On() {
		schedTry() // a non-blocking attempt: others may go first
	}
	old := m.state.Load()
	if old&(mutexLocked|mutexHandoff) != 0 || !m.state.CompareAndSwap(old, old|mutexLocked) {
		return false
	}
	if engine.Enabled() {
		h := m.home()
		engine.Tried(gid, &h.ref, waitgraph.Mutex, engine.Write, pc, nil)
		m.l = h.ref.Peek()
	}
	if sched.On() {
		schedTried(unsafe.Pointer(m), sched.Mutex)
	}
	return true
}

// Unlock unlocks m. It is a run-time error if m is not locked on entry to
// Unlock.
func (m *Mutex) Unlock() {
	if !engine.Hot() {
		m.unlockCold()
		return
	}
	// unlockCold with the engine on and no hook: the owner's Unlock of
	// the lock it took last makes no call.
	if l := m.l; l != nil && !l.ReleaseFast(&m.l, rt.SP()) {
		m.l = nil
		engine.ReleaseWriteOf(l)
	}
	if !m.state.CompareAndSwap(mutexLocked, 0) {
		m.unlockSlow()
	}
}

// unlockCold is Unlock when the engine may be off or hooks are on.
func (m *Mutex) unlockCold() {
	// engine.ReleaseWrite, by hand: one call less. The stack address
	// tells the owner's Unlock from another goroutine's, without asking
	// for the goroutine's id; when in doubt, ReleaseWriteSlow asks.
	if l := m.l; l != nil {
		m.l = nil
		if o := l.Owner(); o != nil {
			l.ClearOwner()
			if !o.OnStack(rt.SP()) || !o.PopTop(l) {
				engine.ReleaseWriteSlow(l, o)
			}
		}
	}
	if !m.state.CompareAndSwap(mutexLocked, 0) {
		m.unlockSlow()
	}
	if sched.On() {
		schedUnlocked(unsafe.Pointer(m), sched.Mutex)
	}
}

// spin tries to take the lock a few times before parking, when another
// processor may release it soon.
func (m *Mutex) spin() bool {
	if !multicore {
		return false
	}
	for range 4 {
		for range 64 {
			if m.state.Load()&(mutexLocked|mutexHandoff) == 0 {
				break
			}
		}
		old := m.state.Load()
		if old&(mutexLocked|mutexHandoff) == 0 && m.state.CompareAndSwap(old, old|mutexLocked) {
			return true
		}
	}
	return false
}

// lockSlow acquires m after the fast path failed. It returns a
// *WaitError if ctx is done before the lock is acquired.
func (m *Mutex) lockSlow(g *engine.G, l *engine.Lock, pc uintptr, ctx context.Context, op string) error {
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	if m.spin() {
		return nil
	}
	lq := enterQueue(&m.q)
	defer leaveQueue(&m.q, lq)
	q := &lq.rwq.writers
	w := getWaiter()
	defer putWaiter(w)
	var wt *engine.Wait
	defer func() { wt.End() }()
	requeue := false
	for {
		q.mu.Lock()
		old := m.state.Load()
		for {
			if old&(mutexLocked|mutexHandoff) == 0 {
				if m.state.CompareAndSwap(old, old|mutexLocked) {
					q.mu.Unlock()
					return nil
				}
			} else if m.state.CompareAndSwap(old, old|mutexQueued) {
				break
			}
			old = m.state.Load()
		}
		// A waiter that was woken and lost the race goes back to the
		// front; once it has waited too long, it asks for a hand-off.
		q.push(w, requeue)
		if requeue && time.Since(w.start) > starvation {
			w.starving = true
		}
		if q.head.starving && !m.setHandoff() {
			// The lock was released since it was seen held, by an
			// Unlock that took no queue: hand it over, or wake the head,
			// as that Unlock would have.
			next, msg := m.dispatch(q)
			q.mu.Unlock()
			if next == w {
				return nil // the starving head: handed the lock
			}
			if next != nil {
				next.ch <- msg
			}
		} else {
			q.mu.Unlock()
		}
		if wt == nil && l != nil {
			wt = engine.BeginLockWait(g, l, engine.Write, pc, done != nil, w.ch)
		}
		msg, ok := park(w, wt, done)
		if !ok {
			if m.cancel(q, w) {
				return nil // handed the lock as the context ended
			}
			return wt.Explain(op, ctx.Err())
		}
		if msg == msgHandoff {
			return nil
		}
		m.setBits(0, mutexWoken)
		requeue = true
	}
}

// setBits sets and clears state bits atomically.
func (m *Mutex) setBits(set, clear int32) {
	for {
		old := m.state.Load()
		if m.state.CompareAndSwap(old, old&^clear|set) {
			return
		}
	}
}

// cancel removes w from the queue after its done channel closed. If w was
// already signalled, it honours the signal: a hand-off means it holds the
// lock (and cancel reports true); a wake-up is passed on.
func (m *Mutex) cancel(q *waitq, w *waiter) bool {
	q.mu.Lock()
	if w.queued {
		q.remove(w)
		m.fixBits(q)
		next, msg := m.dispatch(q)
		q.mu.Unlock()
		if next != nil {
			next.ch <- msg
		}
		return false
	}
	q.mu.Unlock()
	if <-w.ch == msgHandoff {
		return true
	}
	m.setBits(0, mutexWoken)
	q.mu.Lock()
	next, msg := m.dispatch(q)
	q.mu.Unlock()
	if next != nil {
		next.ch <- msg
	}
	return false
}

// dispatch picks the head waiter to signal when the lock is free and no
// woken waiter competes for it: a starving head is handed the lock, any
// other is woken. Called with q.mu held; the caller signals after
// unlocking q.mu.
func (m *Mutex) dispatch(q *waitq) (*waiter, uint8) {
	for {
		old := m.state.Load()
		if old&(mutexLocked|mutexWoken) != 0 || q.head == nil {
			return nil, 0
		}
		if q.head.starving {
			if m.state.CompareAndSwap(old, old|mutexLocked) {
				w := q.pop()
				m.fixBits(q)
				return w, msgHandoff
			}
		} else if m.state.CompareAndSwap(old, old|mutexWoken) {
			w := q.pop()
			m.fixBits(q)
			return w, msgWoken
		}
	}
}

// fixBits makes the queued and hand-off bits match the queue. Called with
// q.mu held. A hand-off is asked only of a held lock (see setHandoff).
func (m *Mutex) fixBits(q *waitq) {
	switch {
	case q.head == nil:
		m.setBits(0, mutexQueued|mutexHandoff)
	case !q.head.starving:
		m.setBits(0, mutexHandoff)
	default:
		m.setHandoff()
	}
}

// setHandoff asks the holder to hand the lock to the head waiter, which is
// starving, when it unlocks. It reports false if the lock is not held: an
// Unlock with no waiter to wake takes no queue (see unlockSlow), so the
// hand-off bit is set only on a held lock, and the caller, which holds
// q.mu, dispatches a free one itself.
func (m *Mutex) setHandoff() bool {
	for {
		old := m.state.Load()
		if old&mutexLocked == 0 {
			return false
		}
		if old&mutexHandoff != 0 || m.state.CompareAndSwap(old, old|mutexHandoff) {
			return true
		}
	}
}

func (m *Mutex) unlockSlow() {
	// With no waiter to wake (none queued, or a woken one already
	// competing) and no hand-off asked, unlocking needs no queue, as in
	// the standard library.
	for {
		old := m.state.Load()
		if old&mutexLocked == 0 {
			panic("sync: unlock of unlocked mutex")
		}
		if old&mutexHandoff != 0 || old&(mutexWoken|mutexQueued) == mutexQueued {
			break
		}
		if m.state.CompareAndSwap(old, old&^mutexLocked) {
			return
		}
	}
	lq := enterQueue(&m.q)
	defer leaveQueue(&m.q, lq)
	q := &lq.rwq.writers
	q.mu.Lock()
	old := m.state.Load()
	if old&mutexLocked == 0 {
		q.mu.Unlock()
		panic("sync: unlock of unlocked mutex")
	}
	if old&mutexHandoff != 0 && q.head != nil {
		// Starvation: the lock goes to the head waiter and stays locked.
		w := q.pop()
		m.fixBits(q)
		q.mu.Unlock()
		w.ch <- msgHandoff
		return
	}
	var w *waiter
	for {
		old = m.state.Load()
		next := old &^ (mutexLocked | mutexHandoff)
		wake := old&mutexWoken == 0 && q.head != nil
		if wake {
			next |= mutexWoken
			if q.n == 1 {
				next &^= mutexQueued
			}
		}
		if m.state.CompareAndSwap(old, next) {
			if wake {
				w = q.pop()
			}
			break
		}
	}
	q.mu.Unlock()
	if w != nil {
		w.ch <- msgWoken
	}
}
