//go:build !gridlock_off && go1.25

// testing/synctest bubbles (synctest.Test) arrived in Go 1.25; on older
// toolchains these tests are left out.

//lint:file-ignore SA2001 tests take locks for the waits and states they make, with nothing inside

package sync_test

import (
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/sync"
)

// contend makes goroutines park in mu's queue: the holder yields until
// every other goroutine has had the chance to spin and park.
func contend(mu *sync.Mutex, rw *sync.RWMutex) {
	var wg sync.WaitGroup
	mu.Lock()
	rw.Lock()
	for range 4 {
		wg.Go(func() {
			mu.Lock()
			mu.Unlock()
		})
		wg.Go(func() {
			rw.RLock()
			rw.RUnlock()
		})
	}
	for range 100 {
		runtime.Gosched()
	}
	mu.Unlock()
	rw.Unlock()
	wg.Wait()
}

// TestSynctestBubbles runs contended locks in several testing/synctest
// bubbles and outside them: nothing the mirror allocates for a wait (its
// waiters' channels, the engine's timers) may be used across a bubble's
// boundary, which the runtime punishes with a fatal error.
func TestSynctestBubbles(t *testing.T) {
	r := gridlocktest.Record(t)
	var shared sync.Mutex // used inside and outside the bubbles
	for range 3 {
		synctest.Test(t, func(t *testing.T) {
			var mu sync.Mutex
			var rw sync.RWMutex
			contend(&mu, &rw)
			contend(&shared, &rw)
		})
		var rw sync.RWMutex
		contend(&shared, &rw)
	}
	for _, f := range r.Findings() {
		t.Errorf("unexpected finding: %s", report.Line(f))
	}
}

// TestSynctestDurableWaits checks that WaitGroup.Wait and Cond.Wait in a
// bubble are durably blocking, as the standard library's are: the bubble's
// clock advances while they wait, and synctest.Wait returns. A wait parked
// on a channel or timer from outside the bubble would hang the test.
func TestSynctestDurableWaits(t *testing.T) {
	r := gridlocktest.Record(t, gridlocktest.LongWait(time.Second))
	synctest.Test(t, func(t *testing.T) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			time.Sleep(time.Minute) // fake time: advances once all wait
			wg.Done()
		}()
		start := time.Now()
		wg.Wait()
		if d := time.Since(start); d != time.Minute {
			t.Errorf("WaitGroup.Wait returned after %v of fake time, want 1m", d)
		}

		var mu sync.Mutex
		c := sync.NewCond(&mu)
		ready := false
		go func() {
			time.Sleep(time.Hour)
			mu.Lock()
			ready = true
			c.Signal()
			mu.Unlock()
		}()
		mu.Lock()
		for !ready {
			c.Wait()
		}
		mu.Unlock()

		waiting := make(chan bool)
		go func() {
			mu.Lock()
			defer mu.Unlock()
			close(waiting)
			c.Wait() // woken below, after synctest.Wait saw it parked
		}()
		<-waiting
		synctest.Wait()
		mu.Lock()
		c.Broadcast()
		mu.Unlock()
	})
	// Waits in a bubble are measured in fake time: an hour of it is not
	// a long wait.
	for _, f := range r.Findings() {
		t.Errorf("unexpected finding: %s", report.Line(f))
	}
}
