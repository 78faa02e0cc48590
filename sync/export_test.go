//go:build !gridlock_off

//lint:file-ignore SA2001 tests take locks for the order they show, with nothing inside

package sync

import "github.com/gridlock-go/gridlock/internal/rt"

// LockDone locks m unless done closes first; for tests of cancellation.
func (m *Mutex) LockDone(done <-chan struct{}) bool {
	gid, pc := rt.Enter()
	if m.state.CompareAndSwap(0, mutexLocked) {
		return true
	}
	return m.lockContended(gid, pc, done)
}

// LockDone write-locks rw unless done closes first.
func (rw *RWMutex) LockDone(done <-chan struct{}) bool {
	gid, pc := rt.Enter()
	if rw.state.CompareAndSwap(0, rwWriter) {
		return true
	}
	return rw.lockContended(gid, pc, done)
}

// RLockDone read-locks rw unless done closes first.
func (rw *RWMutex) RLockDone(done <-chan struct{}) bool {
	gid, pc := rt.Enter()
	if rw.tryRLock() {
		return true
	}
	return rw.rlockContended(gid, pc, done)
}
