//go:build !gridlock_off

//lint:file-ignore SA2001 tests take locks for the waits and states they make, with nothing inside

package sync_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/sync"
)

type cache struct {
	mu sync.Mutex
	n  int
}

var errFull = errors.New("full")

// put forgets to unlock on its error path. It calls full there, first.
func (s *cache) put(at *string, full func()) error {
	*at = next()
	s.mu.Lock()
	if s.n == 1 {
		full()
		return errFull
	}
	s.n++
	s.mu.Unlock()
	return nil
}

// TestLockLeakForgottenUnlock: a goroutine started by a go statement
// returns holding a lock (a forgotten Unlock on an error path) and another
// goroutine waits for it, having started waiting before the exit or
// after. The finding names the lock, the exited goroutine and where it
// locked.
func TestLockLeakForgottenUnlock(t *testing.T) {
	for _, waitFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("waitFirst=%v", waitFirst), func(t *testing.T) {
			// Built without the runtime's leak detector, a waiter is known
			// to wait for good at the long-wait threshold.
			r := gridlocktest.Record(t, gridlocktest.LongWait(300*time.Millisecond))
			s := &cache{n: 1}
			var at string
			locked, proceed, returned := make(chan bool), make(chan bool), make(chan bool)
			gridlock.Go("putter", func() {
				s.put(&at, func() {
					close(locked)
					<-proceed
				})
				close(returned)
			})
			<-locked
			waiting := make(chan bool)
			waiter := func() {
				close(waiting)
				s.mu.Lock() // waits for good
				s.mu.Unlock()
			}
			if waitFirst {
				go waiter()
				<-waiting
				time.Sleep(10 * time.Millisecond) // let it park (either way works)
			}
			close(proceed)
			<-returned
			if !waitFirst {
				time.Sleep(10 * time.Millisecond)
				if fs := r.Of(report.LockLeak); len(fs) > 0 {
					t.Fatalf("lock-leak while no one waits: %s", report.Line(fs[0]))
				}
				go waiter()
			}
			f := r.Wait(report.LockLeak, 5*time.Second)
			if f == nil {
				t.Fatalf("no lock-leak; findings: %v", summaries(r.Findings()))
			}
			if len(f.Positions) == 0 || !strings.HasSuffix(f.Positions[0], "/"+at) {
				t.Errorf("positions = %v, want %s first", f.Positions, at)
			}
			var gone bool
			for _, g := range f.Goroutines {
				if g.State == "exited" && g.Name == "putter" {
					gone = true
					if len(g.Holds) != 1 || pos(g.Holds[0].Stack.Top()) != at {
						t.Errorf("exited goroutine holds %+v, want one lock taken at %s", g.Holds, at)
					}
				}
			}
			if !gone {
				t.Errorf("no exited goroutine named putter in %+v", f.Goroutines)
			}
			if !strings.Contains(f.Summary, "exited holding mutex#") || !strings.Contains(f.Summary, at) {
				t.Errorf("summary = %q", f.Summary)
			}
			s.mu.Unlock() // free the waiter
			wantKind(t, r, report.LockLeak, 1)
		})
	}
}

// TestLockLeakTestGoroutine: the goroutine that exits holding the lock is
// one gridlock did not start (a test's own, started by the testing
// package); its exit is found in a dump of the goroutines once the wait
// has lasted a while.
func TestLockLeakTestGoroutine(t *testing.T) {
	r := gridlocktest.Record(t, gridlocktest.LongWait(time.Second))
	var mu sync.Mutex
	var at string
	t.Run("leaker", func(t *testing.T) {
		at = next()
		mu.Lock()
	})
	waitForLeak(t, r, &mu, at)
	wantKind(t, r, report.LockLeak, 1)
}

// waitForLeak waits for mu, which an exited goroutine locked at at, until
// r records a lock-leak, checks that the finding points at at first, then
// unlocks mu and waits for the waiter to get it.
func waitForLeak(t *testing.T, r *gridlocktest.Recorder, mu *sync.Mutex, at string) {
	t.Helper()
	waited := make(chan bool)
	go func() {
		mu.Lock()
		mu.Unlock()
		close(waited)
	}()
	f := r.Wait(report.LockLeak, 10*time.Second)
	if f == nil {
		t.Fatalf("no lock-leak; findings: %v", summaries(r.Findings()))
	}
	if len(f.Positions) == 0 || !strings.HasSuffix(f.Positions[0], "/"+at) {
		t.Errorf("positions = %v, want %s first", f.Positions, at)
	}
	mu.Unlock()
	<-waited
}

// TestLockLeakSilent: a lock kept on purpose by an exited goroutine that
// no one waits for, and a lock whose locker started the goroutine that
// unlocks it and exited first, are not lock leaks.
func TestLockLeakSilent(t *testing.T) {
	r := gridlocktest.Record(t)
	var closed sync.Mutex
	done := make(chan bool)
	gridlock.Go("closer", func() {
		closed.Lock() // "we won't release the lock"
		close(done)
	})
	<-done

	var mu sync.Mutex
	release, exited, waited := make(chan bool), make(chan bool), make(chan bool)
	gridlock.Go("locker", func() {
		mu.Lock()
		gridlock.Go("unlocker", func() {
			<-release
			mu.Unlock()
		})
		close(exited)
	})
	<-exited
	go func() {
		mu.Lock()
		mu.Unlock()
		close(waited)
	}()
	// Give the wait time to register and be re-checked; the test passes
	// whatever the timing.
	time.Sleep(150 * time.Millisecond)
	close(release)
	<-waited
	for _, f := range r.Findings() {
		t.Errorf("unexpected finding: %s", report.Line(f))
	}
}

// TestLockLeakHandOverAfterExit: a goroutine locks and exits, and another
// unlocks the lock later, while a third waits for it (yamux's ping of
// death test blocks a connection's writes this way): the waiter is not
// blocked for good, so there is no lock-leak.
func TestLockLeakHandOverAfterExit(t *testing.T) {
	r := gridlocktest.Record(t, gridlocktest.LongWait(time.Hour))
	var blocker sync.Mutex
	locked := make(chan bool)
	gridlock.Go("blocker", func() {
		blocker.Lock()
		close(locked)
	})
	<-locked
	done := make(chan bool)
	gridlock.Go("writer", func() {
		blocker.Lock()
		blocker.Unlock()
		close(done)
	})
	time.Sleep(700 * time.Millisecond) // the writer's wait is re-checked
	gridlock.Go("unblocker", func() { blocker.Unlock() })
	<-done
	if fs := r.Of(report.LockLeak); len(fs) > 0 {
		t.Fatalf("lock handed over after its locker exited reported: %s", report.Line(fs[0]))
	}
}

// TestLockLeakFoundByALongWait: a wait that outlasts the long-wait
// threshold before its lock's holder, a goroutine gridlock did not start,
// is known to have exited, is reported as a lock-leak once the goroutine
// dump shows the holder gone: the lock's site comes first, as in the
// lock-leak the engine finds itself.
func TestLockLeakFoundByALongWait(t *testing.T) {
	r := gridlocktest.Record(t, gridlocktest.LongWait(100*time.Millisecond))
	var mu sync.Mutex
	var at string
	locked := make(chan bool)
	go func() {
		at = next()
		mu.Lock()
		close(locked)
	}()
	<-locked
	waitForLeak(t, r, &mu, at)
}
