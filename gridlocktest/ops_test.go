package gridlocktest_test

import (
	"context"
	"testing"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/report"
	gsync "github.com/gridlock-go/gridlock/sync"
)

// waitFirst waits for the worker before it takes the worker's result,
// with WaitContext and a context that is never done: a deadlock, which
// the schedule sees at once.
func waitFirst() {
	results := gridlock.Made(make(chan int))
	var wg gsync.WaitGroup
	wg.Add(1)
	gridlock.Go("worker", func() {
		defer wg.Done()
		gridlock.Send(results, 1)
	})
	wg.WaitContext(context.Background())
	gridlock.Recv(results)
}

// spinners is correct: non-blocking attempts in loops (TryLock, TrySend,
// TryRecv, TryAcquire), and waits with a context that can be cancelled.
func spinners() {
	var mu gsync.Mutex
	var wg gsync.WaitGroup
	n := 0
	c := gridlock.NewChan[int](1)
	sem := gridlock.NewSemaphore(1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wg.Add(2)
	gridlock.Go("locker", func() {
		defer wg.Done()
		mu.Lock()
		n++
		mu.Unlock()
		for !c.TrySend(1) {
		}
	})
	gridlock.Go("acquirer", func() {
		defer wg.Done()
		for !sem.TryAcquire(1) {
		}
		sem.Release(1)
		if err := sem.Acquire(ctx, 1); err == nil {
			sem.Release(1)
		}
	})
	for !mu.TryLock() {
	}
	n++
	mu.Unlock()
	for {
		if _, _, ok := c.TryRecv(); ok {
			break
		}
	}
	if err := wg.WaitContext(ctx); err != nil {
		panic(err)
	}
}

func TestExploreNonBlockingAndContexts(t *testing.T) {
	for _, tc := range []struct {
		name string
		body func()
		kind report.Kind // "" if it must stay silent
	}{
		{"wait with a context first", waitFirst, report.Deadlock},
		{"spinners", spinners, ""},
	} {
		for _, s := range []sched.Strategy{sched.PCT, sched.Random} {
			t.Run(tc.name+"/"+s.String(), func(t *testing.T) {
				r := explore(t, sched.Config{Strategy: s, Schedules: 1000, Seed: 11}, tc.body)
				if tc.kind == "" {
					if r.Failed || r.Schedules != 1000 {
						t.Fatalf("schedule %d (replay %s) failed: %+v", r.Schedules, r.Replay, r.Finding)
					}
					return
				}
				if !r.Failed || r.Finding == nil {
					t.Fatalf("not found in %d schedules", r.Schedules)
				}
				if r.Finding.Kind != tc.kind {
					t.Errorf("kind %s, want %s:\n%s", r.Finding.Kind, tc.kind, report.Text(r.Finding))
				}
				if r.Depended != "" {
					t.Errorf("depended: %s", r.Depended)
				}
				tok, _ := sched.ParseToken(r.Replay)
				for i := range 3 {
					rr := explore(t, sched.Config{Replay: &tok}, tc.body)
					if rr.Finding == nil || rr.Finding.Key != r.Finding.Key {
						t.Fatalf("replay %d of %s: got %+v, want the same finding", i, r.Replay, rr.Finding)
					}
				}
			})
		}
	}
}

// TestExploreTryLockBackOffIsSilent: pairs of goroutines take two locks in
// opposite orders, the second with TryLock, backing off when it is busy
// (the kernel correct/trylock). Under PCT's fixed priorities both sides'
// polls kept failing for good; past a bound of polls a schedule goes on
// in a random order, and every schedule ends.
func TestExploreTryLockBackOffIsSilent(t *testing.T) {
	both := func(first, second *gsync.Mutex) {
		for {
			first.Lock()
			if second.TryLock() {
				second.Unlock()
				first.Unlock()
				return
			}
			first.Unlock()
		}
	}
	r := explore(t, sched.Config{Strategy: sched.PCT, Schedules: 50, Seed: 5}, func() {
		var a, b gsync.Mutex
		var wg gsync.WaitGroup
		for range 50 {
			wg.Add(2)
			gridlock.Go("ab", func() { defer wg.Done(); both(&a, &b) })
			gridlock.Go("ba", func() { defer wg.Done(); both(&b, &a) })
		}
		wg.Wait()
	})
	if r.Failed || r.Schedules != 50 {
		t.Fatalf("want 50 silent schedules, got %+v", r)
	}
}
