//go:build !gridlock_off

//lint:file-ignore SA2001 tests take locks for the order they show, with nothing inside

package sync_test

import (
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/sync"
)

// TestHandOverToStartedGoroutine is client_golang's summary.asyncFlush: a
// goroutine locks mtx under buf, starts a goroutine (a go statement, which
// gridlock test rewrites to gridlock.Go) that finishes the work and
// unlocks mtx, then goes on: it releases buf, takes buf again and even
// mtx again (waiting for the goroutine it started) before that goroutine
// has unlocked. None of that is an inversion or a recursive lock, and
// nothing is reported.
func TestHandOverToStartedGoroutine(t *testing.T) {
	r := gridlocktest.Record(t)
	var buf, mtx sync.Mutex
	var rw sync.RWMutex
	for range 20 {
		buf.Lock()
		mtx.Lock() // buf → mtx
		rw.RLock()
		release := make(chan bool)
		gridlock.Go("", func() {
			<-release
			rw.RUnlock()
			mtx.Unlock()
		})
		buf.Unlock()
		buf.Lock() // mtx is the started goroutine's now: no mtx → buf
		buf.Unlock()
		rw.RLock() // not a recursive read lock
		rw.RUnlock()
		close(release)
		mtx.Lock() // waits for the started goroutine: not recursive
		mtx.Unlock()
	}
	for _, f := range r.Findings() {
		t.Errorf("unexpected finding: %s", report.Line(f))
	}
}

// TestHandOverReleasedAtOnce checks that a lock unlocked by another
// goroutine leaves its locker's held set at once, before the locker's
// next lock operation: a blocking operation of the locker's right after
// is not under the lock.
func TestHandOverReleasedAtOnce(t *testing.T) {
	r := gridlocktest.Record(t)
	var mu sync.Mutex
	var rw sync.RWMutex
	var wg sync.WaitGroup
	mu.Lock()
	rw.RLock()
	handed := make(chan bool)
	go func() { // a plain go statement: the hand-over is seen at the unlock
		mu.Unlock()
		rw.RUnlock()
		close(handed)
	}()
	<-handed
	wg.Add(1)
	go func() {
		mu.Lock() // the lock is free: the locker holds nothing now
		rw.Lock()
		rw.Unlock()
		mu.Unlock()
		wg.Done()
	}()
	wg.Wait() // not a wait under mu or rw
	for _, f := range r.Findings() {
		t.Errorf("unexpected finding: %s", report.Line(f))
	}
}

// TestLockKeptAcrossGoStatement checks that a goroutine that starts
// another while it holds a lock, and unlocks it itself, is still checked
// once it has: the lending ends with the lock.
func TestLockKeptAcrossGoStatement(t *testing.T) {
	r := gridlocktest.Record(t)
	var a, b sync.Mutex
	done := make(chan bool)
	a.Lock()
	gridlock.Go("", func() { close(done) })
	a.Unlock()
	<-done
	a.Lock()
	b.Lock() // a → b
	b.Unlock()
	a.Unlock()
	b.Lock()
	a.Lock() // b → a: an inversion
	a.Unlock()
	b.Unlock()
	wantKind(t, r, report.LockOrderInversion, 1)
}

// TestHandOverCycleThroughLentLock: goroutine A holds mtx, lent to the
// goroutine it started, which will unlock it, and waits for buf; B holds
// buf and waits for mtx. That is no circular wait: the goroutine A started
// releases mtx.
func TestHandOverCycleThroughLentLock(t *testing.T) {
	r := gridlocktest.Record(t)
	var buf, mtx sync.Mutex
	release := make(chan bool)
	bHolds, aLent := make(chan bool), make(chan bool)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // B
		defer wg.Done()
		buf.Lock()
		close(bHolds)
		<-aLent
		mtx.Lock() // held by A, lent to A's flusher
		mtx.Unlock()
		buf.Unlock()
	}()
	go func() { // A
		defer wg.Done()
		<-bHolds
		mtx.Lock()
		gridlock.Go("flusher", func() {
			<-release
			mtx.Unlock()
		})
		close(aLent)
		buf.Lock() // held by B
		buf.Unlock()
	}()
	// Let both waits register and be checked; the test passes whatever
	// the timing.
	time.Sleep(150 * time.Millisecond)
	close(release)
	wg.Wait()
	for _, f := range r.Findings() {
		t.Errorf("unexpected finding: %s", report.Line(f))
	}
}
