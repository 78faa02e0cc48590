//go:build !gridlock_off

package sync

import (
	"context"
	"sync/atomic"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// An RWMutex is a reader/writer mutual exclusion lock, watched by gridlock.
// The lock can be held by an arbitrary number of readers or a single
// writer. The zero value is an unlocked mutex. An RWMutex must not be
// copied after first use.
//
// As with the standard sync.RWMutex, a writer that calls Lock blocks new
// readers until it has acquired and released the lock, so a goroutine that
// read-locks an RWMutex it already read-holds deadlocks if a writer waits
// in between; gridlock reports that as recursive-rlock. When a writer
// unlocks, the readers that queued behind it are admitted before the next
// writer.
//
// An unlocked RWMutex with no waiters equals its zero value: what
// gridlock keeps about it lives outside it (see home).
type RWMutex struct {
	state atomic.Uint64
	// l is the engine's record of rw while it is locked for writing with
	// the engine on, for Unlock; nil otherwise (see Mutex.l).
	l *engine.Lock
	q atomic.Pointer[lockq] // while a goroutine is in a slow path (see lockq)
}

func (rw *RWMutex) home() *home { return homeOf(unsafe.Pointer(rw)) }

// acquired records a write acquisition that did not wait.
func (rw *RWMutex) acquired(gid uint64, pc uintptr) {
	h := rw.home()
	g := engine.Note(gid, &h.ref, waitgraph.RWMutex, engine.Write, pc, &rw.state)
	rw.l = h.ref.Peek()
	if g != nil {
		g.ValidateTop()
	}
}

// RWMutex state: the reader count in the low bits, then flags.
const (
	rwReaders    = 1<<32 - 1
	rwWriter     = 1 << 32 // a writer holds the lock
	rwPending    = 1 << 33 // writers are queued: new readers wait
	rwReadQueued = 1 << 34 // readers are queued
)

// rwq holds an RWMutex's queued readers and writers.
type rwq struct {
	readers waitq // its mu guards both queues
	writers waitq
}

// RLock locks rw for reading. It should not be used for recursive read
// locking; a blocked Lock call excludes new readers from acquiring the
// lock.
//
//go:noinline
func (rw *RWMutex) RLock() {
	gid, pc := rt.Enter()
	if !engine.Hot() {
		rw.rlock(gid, pc)
		return
	}
	// rlock with the engine on and no hook, by hand: one call less on the
	// uncontended path.
	if rw.fastRLock() {
		// homeOf, by hand.
		a := uintptr(unsafe.Pointer(rw))
		h := homeCache[homeIndex(a)].Load()
		if h == nil || h.addr != a {
			h = homeSlow(unsafe.Pointer(rw), true)
		}
		if g := engine.Note(gid, &h.ref, waitgraph.RWMutex, engine.Read, pc, &rw.state); g != nil {
			g.ValidateTop()
		}
		return
	}
	rw.rlockContended(gid, pc, nil, "")
}

// readAcquired records a read acquisition that did not wait (RLock's
// uncontended path does the same by hand).
func (rw *RWMutex) readAcquired(gid uint64, pc uintptr) {
	h := rw.home()
	if g := engine.Note(gid, &h.ref, waitgraph.RWMutex, engine.Read, pc, &rw.state); g != nil {
		g.ValidateTop()
	}
}

func (rw *RWMutex) rlock(gid uint64, pc uintptr) {
	if sched.On() {
		rw.schedRLock(pc)
	}
	if rw.fastRLock() {
		if engine.Enabled() {
			rw.readAcquired(gid, pc)
		}
		return
	}
	rw.rlockContended(gid, pc, nil, "")
}

// RLockContext locks rw for reading, or gives up when ctx is done; see
// Mutex.LockContext.
//
//go:noinline
func (rw *RWMutex) RLockContext(ctx context.Context) error {
	gid, pc := rt.Enter()
	if sched.On() {
		if s, mode := rw.schedLockCtx(pc, ctx, sched.RLock); mode != sched.Free {
			return schedLockedCtx(s, unsafe.Pointer(rw), sched.RLock, rw.rlockContended(gid, pc, ctx, "RLockContext"))
		}
	}
	if rw.fastRLock() {
		if engine.Enabled() {
			rw.readAcquired(gid, pc)
		}
		return nil
	}
	return rw.rlockContended(gid, pc, ctx, "RLockContext")
}

func (rw *RWMutex) rlockContended(gid uint64, pc uintptr, ctx context.Context, op string) error {
	if !engine.Enabled() {
		return rw.rlockSlow(nil, nil, pc, ctx, op)
	}
	g, l := engine.Before(gid, &rw.home().ref, waitgraph.RWMutex, engine.Read, pc, &rw.state, ctx != nil)
	if err := rw.rlockSlow(g, l, pc, ctx, op); err != nil {
		return err
	}
	engine.After(g, l, engine.Read, pc)
	return nil
}

// fastRLock takes a read lock with one atomic add, as the standard
// library's RLock does: under contention among readers an add always
// succeeds where a compare-and-swap loop retries. If a writer holds the
// lock or waits for it, the add is undone as an RUnlock would (the last
// reader out hands the lock to a waiting writer) and it reports false; a
// reader counted for that moment is one that came and went.
func (rw *RWMutex) fastRLock() bool {
	if rw.state.Add(1)&(rwWriter|rwPending) == 0 {
		return true
	}
	rw.releaseRead()
	return false
}

// releaseRead drops one reader; the last one out while a writer waits
// hands the lock to it.
func (rw *RWMutex) releaseRead() {
	if n := rw.state.Add(^uint64(0)); n&rwReaders == rwReaders || n&(rwReaders|rwWriter|rwPending) == rwPending {
		rw.releasedRead(n)
	}
}

// releasedRead is releaseRead's uncommon cases, once the reader count
// went to n: there was no reader, or the last one is out and a writer
// waits.
//
//go:noinline
func (rw *RWMutex) releasedRead(n uint64) {
	if n&rwReaders == rwReaders {
		rw.state.Add(1)
		panic("sync: RUnlock of unlocked RWMutex")
	}
	rw.handToWriter()
}

// tryRLock takes a read lock if no writer holds or waits for it, and
// changes nothing otherwise (TryRLock, and readers in a slow path).
func (rw *RWMutex) tryRLock() bool {
	for {
		old := rw.state.Load()
		if old&(rwWriter|rwPending) != 0 || old&rwReaders == rwReaders {
			return false
		}
		if rw.state.CompareAndSwap(old, old+1) {
			return true
		}
	}
}

// TryRLock tries to lock rw for reading and reports whether it succeeded.
//
//go:noinline
func (rw *RWMutex) TryRLock() bool {
	gid, pc := rt.Enter()
	if sched.On() {
		schedTry() // a non-blocking attempt: others may go first
	}
	if !rw.tryRLock() {
		return false
	}
	if engine.Enabled() {
		engine.Tried(gid, &rw.home().ref, waitgraph.RWMutex, engine.Read, pc, &rw.state)
	}
	if sched.On() {
		schedTried(unsafe.Pointer(rw), sched.RLock)
	}
	return true
}

// RUnlock undoes a single RLock call. It is a run-time error if rw is not
// locked for reading on entry to RUnlock.
func (rw *RWMutex) RUnlock() {
	if !engine.Hot() {
		rw.runlockCold()
		return
	}
	// runlockCold with the engine on and no hook, by hand: the record of
	// a read hold on top of the goroutine's list is found there.
	if !engine.ReleaseReadTop(uintptr(unsafe.Pointer(rw))) {
		rw.releaseReadOf()
	}
	if n := rw.state.Add(^uint64(0)); n&rwReaders == rwReaders || n&(rwReaders|rwWriter|rwPending) == rwPending {
		rw.releasedRead(n) // releaseRead, by hand
	}
}

// runlockCold is RUnlock when the engine may be off or hooks are on.
func (rw *RWMutex) runlockCold() {
	if engine.Enabled() {
		rw.releaseReadOf()
	}
	rw.releaseRead()
	if sched.On() {
		schedUnlocked(unsafe.Pointer(rw), sched.RLock)
	}
}

// releaseReadOf records that the calling goroutine releases its read
// hold of rw.
func (rw *RWMutex) releaseReadOf() {
	// peekHome, by hand.
	a := uintptr(unsafe.Pointer(rw))
	h := homeCache[homeIndex(a)].Load()
	if h == nil || h.addr != a {
		h = homeSlow(unsafe.Pointer(rw), false)
	}
	if h != nil {
		engine.ReleaseRead(&h.ref)
	}
}

// Lock locks rw for writing. If the lock is already locked for reading or
// writing, Lock blocks until the lock is available.
//
//go:noinline
func (rw *RWMutex) Lock() {
	gid, pc := rt.Enter()
	if sched.On() {
		rw.schedLock(pc)
	}
	// lockAt, by hand: one call less on the uncontended path.
	if rw.state.CompareAndSwap(0, rwWriter) {
		if engine.Enabled() {
			rw.acquired(gid, pc)
		}
		return
	}
	rw.lockContended(gid, pc, nil, "")
}

func (rw *RWMutex) lockAt(gid uint64, pc uintptr) {
	if sched.On() {
		rw.schedLock(pc)
	}
	if rw.state.CompareAndSwap(0, rwWriter) {
		if engine.Enabled() {
			rw.acquired(gid, pc)
		}
		return
	}
	rw.lockContended(gid, pc, nil, "")
}

// LockContext locks rw for writing, or gives up when ctx is done; see
// Mutex.LockContext.
//
//go:noinline
func (rw *RWMutex) LockContext(ctx context.Context) error {
	gid, pc := rt.Enter()
	if sched.On() {
		if s, mode := rw.schedLockCtx(pc, ctx, sched.WLock); mode != sched.Free {
			return schedLockedCtx(s, unsafe.Pointer(rw), sched.WLock, rw.lockContended(gid, pc, ctx, "LockContext"))
		}
	}
	if rw.state.CompareAndSwap(0, rwWriter) {
		if engine.Enabled() {
			rw.acquired(gid, pc)
		}
		return nil
	}
	return rw.lockContended(gid, pc, ctx, "LockContext")
}

func (rw *RWMutex) lockContended(gid uint64, pc uintptr, ctx context.Context, op string) error {
	if !engine.Enabled() {
		return rw.lockSlow(nil, nil, pc, ctx, op)
	}
	g, l := engine.Before(gid, &rw.home().ref, waitgraph.RWMutex, engine.Write, pc, &rw.state, ctx != nil)
	if err := rw.lockSlow(g, l, pc, ctx, op); err != nil {
		return err
	}
	engine.After(g, l, engine.Write, pc)
	rw.l = l
	return nil
}

// TryLock tries to lock rw for writing and reports whether it succeeded.
//
//go:noinline
func (rw *RWMutex) TryLock() bool {
	gid, pc := rt.Enter()
	if sched.On() {
		schedTry() // a non-blocking attempt: others may go first
	}
	if !rw.state.CompareAndSwap(0, rwWriter) {
		return false
	}
	if engine.Enabled() {
		h := rw.home()
		engine.Tried(gid, &h.ref, waitgraph.RWMutex, engine.Write, pc, &rw.state)
		rw.l = h.ref.Peek()
	}
	if sched.On() {
		schedTried(unsafe.Pointer(rw), sched.WLock)
	}
	return true
}

// Unlock unlocks rw for writing. It is a run-time error if rw is not locked
// for writing on entry to Unlock.
func (rw *RWMutex) Unlock() {
	if l := rw.l; l != nil {
		rw.l = nil
		engine.ReleaseWriteOf(l)
	}
	if !rw.state.CompareAndSwap(rwWriter, 0) {
		rw.unlockSlow()
	}
	if sched.On() {
		schedUnlocked(unsafe.Pointer(rw), sched.WLock)
	}
}

// RLocker returns a Locker interface that implements the Lock and Unlock
// methods by calling rw.RLock and rw.RUnlock.
func (rw *RWMutex) RLocker() Locker { return (*rlocker)(rw) }

type rlocker RWMutex

//go:noinline
func (r *rlocker) Lock() {
	gid, pc := rt.Enter()
	(*RWMutex)(r).rlock(gid, pc)
}

func (r *rlocker) Unlock() { (*RWMutex)(r).RUnlock() }

func (rw *RWMutex) setBits(set, clear uint64) {
	for {
		old := rw.state.Load()
		if rw.state.CompareAndSwap(old, old&^clear|set) {
			return
		}
	}
}

func (rw *RWMutex) rlockSlow(g *engine.G, l *engine.Lock, pc uintptr, ctx context.Context, op string) error {
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	lq := enterQueue(&rw.q)
	defer leaveQueue(&rw.q, lq)
	q := &lq.rwq
	q.readers.mu.Lock()
	for {
		old := rw.state.Load()
		if old&(rwWriter|rwPending) == 0 && old&rwReaders != rwReaders {
			if rw.state.CompareAndSwap(old, old+1) {
				q.readers.mu.Unlock()
				return nil
			}
			continue
		}
		if rw.state.CompareAndSwap(old, old|rwReadQueued) {
			break
		}
	}
	w := getWaiter()
	defer putWaiter(w)
	q.readers.push(w, false)
	q.readers.mu.Unlock()
	wt := engine.BeginLockWait(g, l, engine.Read, pc, done != nil, w.ch)
	defer wt.End()
	if _, ok := park(w, wt, done); ok {
		return nil // admitted: the reader count includes us
	}
	q.readers.mu.Lock()
	if w.queued {
		q.readers.remove(w)
		if q.readers.head == nil {
			rw.setBits(0, rwReadQueued)
		}
		q.readers.mu.Unlock()
		return wt.Explain(op, ctx.Err())
	}
	q.readers.mu.Unlock()
	<-w.ch
	return nil
}

func (rw *RWMutex) lockSlow(g *engine.G, l *engine.Lock, pc uintptr, ctx context.Context, op string) error {
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	lq := enterQueue(&rw.q)
	defer leaveQueue(&rw.q, lq)
	q := &lq.rwq
	q.readers.mu.Lock()
	for {
		old := rw.state.Load()
		if old&(rwWriter|rwReaders) == 0 && q.writers.head == nil {
			if rw.state.CompareAndSwap(old, old|rwWriter) {
				q.readers.mu.Unlock()
				return nil
			}
			continue
		}
		if rw.state.CompareAndSwap(old, old|rwPending) {
			break
		}
	}
	w := getWaiter()
	defer putWaiter(w)
	w.write = true
	q.writers.push(w, false)
	q.readers.mu.Unlock()
	wt := engine.BeginLockWait(g, l, engine.Write, pc, done != nil, w.ch)
	defer wt.End()
	if _, ok := park(w, wt, done); ok {
		return nil // handed the lock
	}
	q.readers.mu.Lock()
	if w.queued {
		q.writers.remove(w)
		var admit []*waiter
		if q.writers.head == nil {
			rw.setBits(0, rwPending)
			admit = rw.admitReaders(q)
		}
		q.readers.mu.Unlock()
		for _, r := range admit {
			r.ch <- msgHandoff
		}
		return wt.Explain(op, ctx.Err())
	}
	q.readers.mu.Unlock()
	<-w.ch
	return nil
}

// admitReaders lets every queued reader in, if no writer holds the lock.
// Called with the queue lock held; the caller signals the readers.
func (rw *RWMutex) admitReaders(q *rwq) []*waiter {
	if q.readers.head == nil || rw.state.Load()&rwWriter != 0 {
		return nil
	}
	var rs []*waiter
	for w := q.readers.pop(); w != nil; w = q.readers.pop() {
		rs = append(rs, w)
	}
	for {
		old := rw.state.Load()
		if rw.state.CompareAndSwap(old, (old+uint64(len(rs)))&^rwReadQueued) {
			return rs
		}
	}
}

// handToWriter gives the lock to the first queued writer if no reader or
// writer holds it: the last reader out calls it.
func (rw *RWMutex) handToWriter() {
	// A pending writer is in a slow path: the queue hangs from rw, unless
	// the writer gave up meanwhile (and then it cleared rwPending).
	lq := enterExistingQueue(&rw.q)
	if lq == nil {
		return
	}
	defer leaveQueue(&rw.q, lq)
	q := &lq.rwq
	q.readers.mu.Lock()
	var next *waiter
	for {
		old := rw.state.Load()
		if old&(rwReaders|rwWriter) != 0 || q.writers.head == nil {
			break
		}
		n := old | rwWriter
		if q.writers.n == 1 {
			n &^= rwPending
		}
		if rw.state.CompareAndSwap(old, n) {
			next = q.writers.pop()
			break
		}
	}
	q.readers.mu.Unlock()
	if next != nil {
		next.ch <- msgHandoff
	}
}

func (rw *RWMutex) unlockSlow() {
	lq := enterQueue(&rw.q)
	defer leaveQueue(&rw.q, lq)
	q := &lq.rwq
	q.readers.mu.Lock()
	if rw.state.Load()&rwWriter == 0 {
		q.readers.mu.Unlock()
		panic("sync: Unlock of unlocked RWMutex")
	}
	var wake []*waiter
	switch {
	case q.readers.head != nil:
		// Readers that queued behind this writer go first.
		rw.setBits(0, rwWriter)
		wake = rw.admitReaders(q)
	case q.writers.head != nil:
		// The lock goes to the next writer and stays locked.
		wake = append(wake, q.writers.pop())
		if q.writers.head == nil {
			rw.setBits(0, rwPending)
		}
	default:
		rw.setBits(0, rwWriter)
	}
	q.readers.mu.Unlock()
	for _, w := range wake {
		w.ch <- msgHandoff
	}
}
