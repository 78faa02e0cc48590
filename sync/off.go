//go:build gridlock_off

package sync

import (
	"context"
	"sync"
	"time"
)

// Mutex is the standard library's sync.Mutex (built with gridlock_off),
// with LockContext.
type Mutex struct{ sync.Mutex }

// LockContext locks m, or gives up when ctx is done and returns its error.
func (m *Mutex) LockContext(ctx context.Context) error { return poll(ctx, m.TryLock) }

// RWMutex is the standard library's sync.RWMutex (built with
// gridlock_off), with LockContext and RLockContext.
type RWMutex struct{ sync.RWMutex }

// LockContext locks rw for writing, or gives up when ctx is done.
func (rw *RWMutex) LockContext(ctx context.Context) error { return poll(ctx, rw.TryLock) }

// RLockContext locks rw for reading, or gives up when ctx is done.
func (rw *RWMutex) RLockContext(ctx context.Context) error { return poll(ctx, rw.TryRLock) }

// WaitGroup is the standard library's sync.WaitGroup (built with
// gridlock_off), with WaitContext.
type WaitGroup struct{ sync.WaitGroup }

// Go calls f in a new goroutine and adds that task to the WaitGroup, as
// the standard library's WaitGroup.Go does from Go 1.25 on; it is defined
// here so that code written against the mirror builds on every release
// the module supports (Go 1.24 too).
func (wg *WaitGroup) Go(f func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		f()
	}()
}

// WaitContext waits for the counter to reach zero or ctx to be done.
func (wg *WaitGroup) WaitContext(ctx context.Context) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Cond is the standard library's sync.Cond.
type Cond = sync.Cond

// NewCond returns a new Cond with Locker l.
func NewCond(l Locker) *Cond { return sync.NewCond(l) }

// Once is the standard library's sync.Once.
type Once = sync.Once

// poll tries to take a lock until it succeeds or ctx is done, backing off
// up to 10ms between tries.
func poll(ctx context.Context, try func() bool) error {
	if try() {
		return nil
	}
	d := 50 * time.Microsecond
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if try() {
				return nil
			}
			return ctx.Err()
		case <-t.C:
			if try() {
				return nil
			}
			d = min(2*d, 10*time.Millisecond)
			t.Reset(d)
		}
	}
}
