//go:build !gridlock_off

//lint:file-ignore SA2001 tests take locks for the order they show, with nothing inside

package sync_test

import (
	stdsync "sync"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/sync"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// TestOnceDoBlockedOnLockHeldByWaiter checks that a first Do whose
// function waits for a lock held by a goroutine that waits for the same
// Once is a deadlock naming the Once and the mutex: the record of the
// Do's mutex is kept once another goroutine waits for it.
func TestOnceDoBlockedOnLockHeldByWaiter(t *testing.T) {
	r := gridlocktest.Record(t)
	var once sync.Once
	var mu sync.Mutex
	inDo, holds := make(chan struct{}), make(chan struct{})
	go func() {
		once.Do(func() {
			close(inDo)
			<-holds
			mu.Lock() // held by the goroutine below, which waits for the Once
			mu.Unlock()
		})
	}()
	go func() {
		<-inDo
		mu.Lock()
		close(holds)
		once.Do(func() {})
		mu.Unlock()
	}()
	f := r.Wait(report.Deadlock, 5*time.Second)
	if f == nil {
		t.Fatalf("no deadlock reported; findings: %v", summaries(r.Findings()))
	}
	kinds := map[waitgraph.ResourceKind]int{}
	for _, res := range f.Resources {
		kinds[res.Kind]++
	}
	if kinds[waitgraph.Once] != 1 || kinds[waitgraph.Mutex] != 1 || len(f.Goroutines) != 2 {
		t.Errorf("deadlock names resources %v and %d goroutines, want a once, a mutex and 2", kinds, len(f.Goroutines))
	}
}

// TestOnceOrderInversion checks that a lock taken inside a first Do and
// the same Once's Do under that lock, in two goroutines that never
// overlap, is an inversion: the first Do's order is learned.
func TestOnceOrderInversion(t *testing.T) {
	r := gridlocktest.Record(t)
	var mu sync.Mutex
	var once sync.Once
	var wg stdsync.WaitGroup
	release := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		once.Do(func() {
			mu.Lock()
			mu.Unlock()
			<-release // a second caller of Do waits for this one
		})
	}()
	// Under mu, the Do waits for the one running: taking the Once under
	// mu inverts the order the function showed.
	time.Sleep(10 * time.Millisecond)
	mu.Lock()
	go func() { time.Sleep(10 * time.Millisecond); close(release) }()
	once.Do(func() {})
	mu.Unlock()
	wg.Wait()
	if fs := r.Of(report.LockOrderInversion); len(fs) != 1 {
		t.Fatalf("got %d inversions, want 1; findings: %v", len(fs), summaries(r.Findings()))
	}
}

// TestFirstDosAreSilent runs first Dos on new Onces in the ways that let
// the engine reuse the record of one Do for the next (nothing held,
// nothing inside) next to those that keep it (a lock inside, a lock held
// around, another caller): no Once may be taken for another, so nothing
// is reported.
func TestFirstDosAreSilent(t *testing.T) {
	r := gridlocktest.Record(t)
	var mu, inner sync.Mutex
	var wg stdsync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				o := new(sync.Once)
				switch (i + w) % 4 {
				case 0:
					o.Do(func() {})
				case 1:
					o.Do(func() { inner.Lock(); inner.Unlock() }) // once → inner
				case 2:
					mu.Lock()
					o.Do(func() {}) // mu → once
					mu.Unlock()
				case 3:
					var both stdsync.WaitGroup
					both.Add(2)
					for range 2 {
						go func() { defer both.Done(); o.Do(func() {}) }()
					}
					both.Wait()
				}
			}
		}()
	}
	wg.Wait()
	if fs := r.Findings(); len(fs) > 0 {
		t.Errorf("correct code reported: %v", summaries(fs))
	}
}

// TestCondWaitUnderOtherLock checks that a Wait that gives back its
// Cond's lock but keeps another, which the goroutine that signals needs,
// is reported as a deadlock and as a lock held across the wait once the
// wait has outlasted its grace period.
func TestCondWaitUnderOtherLock(t *testing.T) {
	r := gridlocktest.Record(t)
	var mu, stats sync.Mutex
	c := sync.NewCond(&mu)
	round := 0
	released := false // stats was unlocked for the waiter
	go func() {
		stats.Lock()
		mu.Lock()
		for round < 2 {
			c.Wait() // gives back mu, keeps stats
		}
		if !released {
			stats.Unlock()
		}
		mu.Unlock()
	}()
	go func() {
		mu.Lock()
		round = 1
		c.Signal() // the signaller, seen by the Cond
		mu.Unlock()
		time.Sleep(10 * time.Millisecond)
		stats.Lock() // the bug: it needs stats before it signals again
		mu.Lock()
		round = 2
		c.Signal()
		mu.Unlock()
		stats.Unlock()
	}()
	if f := r.Wait(report.Deadlock, 5*time.Second); f == nil {
		t.Fatalf("no deadlock reported; findings: %v", summaries(r.Findings()))
	}
	if f := r.Wait(report.LockHeldAcrossBlocking, 5*time.Second); f == nil {
		t.Fatalf("no lock-held-across-blocking reported; findings: %v", summaries(r.Findings()))
	}
	// Let both goroutines finish: stats is unlocked for the waiter.
	mu.Lock()
	released = true
	mu.Unlock()
	stats.Unlock()
}

// TestCondPingPongIsSilent runs two goroutines taking turns through a Cond
// for a few grace periods, under another lock both take in one order:
// waits that end are registered only once they outlast the grace period,
// and nothing is reported.
func TestCondPingPongIsSilent(t *testing.T) {
	r := gridlocktest.Record(t)
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	turn := 0
	deadline := time.Now().Add(100 * time.Millisecond)
	var wg stdsync.WaitGroup
	for me := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			for i := 0; ; i++ {
				for turn != me && turn != -1 {
					c.Wait()
				}
				if me == 0 && time.Now().After(deadline) {
					turn = -1
					c.Broadcast()
					return
				}
				if turn == -1 {
					return
				}
				if i%64 == 0 {
					mu.Unlock()
					time.Sleep(2 * time.Millisecond) // the other outlasts its grace period
					mu.Lock()
				}
				turn = 1 - me
				c.Signal()
			}
		}()
	}
	wg.Wait()
	if fs := r.Findings(); len(fs) > 0 {
		t.Errorf("correct code reported: %v", summaries(fs))
	}
}
