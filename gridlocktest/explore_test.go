package gridlocktest_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/report"
	gsync "github.com/gridlock-go/gridlock/sync"
)

// tornRead is the first rare bug: a reader that looks between the two
// locked steps of a writer waits for a confirmation that the writer,
// having looked for readers before, never sends.
func tornRead() {
	var (
		mu      gsync.Mutex
		a, b    int
		waiting bool
		wg      gsync.WaitGroup
	)
	confirm := gridlock.Made(make(chan struct{}))
	wg.Add(2)
	gridlock.Go("writer", func() {
		defer wg.Done()
		mu.Lock()
		a++
		w := waiting
		mu.Unlock()
		mu.Lock()
		b++
		mu.Unlock()
		if w {
			gridlock.Send(confirm, struct{}{})
		}
	})
	gridlock.Go("reader", func() {
		defer wg.Done()
		mu.Lock()
		torn := a != b
		if torn {
			waiting = true
		}
		mu.Unlock()
		if torn {
			gridlock.Recv(confirm)
		}
	})
	wg.Wait()
}

// lostWakeup is the second: a waiter that checks a flag, unlocks, and
// calls Cond.Wait after the Signal already went by.
func lostWakeup() {
	var (
		mu    gsync.Mutex
		ready bool
		wg    gsync.WaitGroup
	)
	cond := gsync.NewCond(&mu)
	wg.Add(2)
	gridlock.Go("waiter", func() {
		defer wg.Done()
		mu.Lock()
		r := ready
		mu.Unlock()
		if !r {
			mu.Lock()
			cond.Wait()
			mu.Unlock()
		}
	})
	gridlock.Go("setter", func() {
		defer wg.Done()
		mu.Lock()
		ready = true
		mu.Unlock()
		cond.Signal()
	})
	wg.Wait()
}

// pipeline is correct: a producer, three workers, a collector, a shared
// counter under a lock, a results channel closed once the workers are done.
func pipeline() {
	jobs := gridlock.Made(make(chan int, 2))
	results := gridlock.Made(make(chan int))
	var (
		mu    gsync.Mutex
		count int
		wg    gsync.WaitGroup
	)
	gridlock.Go("producer", func() {
		for i := range 6 {
			gridlock.Send(jobs, i)
		}
		gridlock.Close(jobs)
	})
	for range 3 {
		wg.Add(1)
		gridlock.Go("worker", func() {
			defer wg.Done()
			for j := range gridlock.Range(jobs) {
				mu.Lock()
				count++
				mu.Unlock()
				gridlock.Send(results, j*j)
			}
		})
	}
	gridlock.Go("closer", func() {
		wg.Wait()
		gridlock.Close(results)
	})
	sum := 0
	for r := range gridlock.Range(results) {
		sum += r
	}
	mu.Lock()
	defer mu.Unlock()
	if count != 6 || sum != 55 {
		panic(fmt.Sprint("pipeline lost work: ", count, sum))
	}
}

// fakeT is a testing.TB whose failures are recorded, not reported.
type fakeT struct {
	testing.TB
	failed atomic.Bool
}

func (f *fakeT) Name() string                 { return "TestFake" }
func (f *fakeT) Failed() bool                 { return f.failed.Load() }
func (f *fakeT) Helper()                      {}
func (f *fakeT) Fatal(args ...any)            { f.failed.Store(true); f.TB.Log(args...) }
func (f *fakeT) Errorf(string, ...any)        { f.failed.Store(true) }
func (f *fakeT) Logf(format string, a ...any) {}

// explore runs body under cfg from a goroutine of its own (a finding ends
// it) and returns the result.
func explore(t *testing.T, cfg sched.Config, body func()) sched.Result {
	t.Helper()
	ft := &fakeT{TB: t}
	done := make(chan sched.Result, 1)
	go func() {
		sched.Explore(ft, cfg, body, func(r sched.Result) { done <- r })
	}()
	return <-done
}

func TestExploreFindsRareBugs(t *testing.T) {
	for _, tc := range []struct {
		name     string
		body     func()
		strategy sched.Strategy
		want     report.Kind
		names    []string
	}{
		{"torn read/pct", tornRead, sched.PCT, report.Deadlock, []string{"reader"}},
		{"torn read/random", tornRead, sched.Random, report.Deadlock, []string{"reader"}},
		{"torn read/dfs", tornRead, sched.DFS, report.Deadlock, []string{"reader"}},
		{"lost wakeup/pct", lostWakeup, sched.PCT, report.PartialDeadlock, []string{"waiter"}},
		{"lost wakeup/random", lostWakeup, sched.Random, report.PartialDeadlock, []string{"waiter"}},
		{"lost wakeup/dfs", lostWakeup, sched.DFS, report.PartialDeadlock, []string{"waiter"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := explore(t, sched.Config{Strategy: tc.strategy, Schedules: 1000, Seed: 1}, tc.body)
			if !r.Failed || r.Finding == nil {
				t.Fatalf("not found in %d schedules", r.Schedules)
			}
			f := r.Finding
			if f.Kind != tc.want {
				t.Errorf("kind %s, want %s:\n%s", f.Kind, tc.want, report.Text(f))
			}
			for _, n := range tc.names {
				found := false
				for _, g := range f.Goroutines {
					found = found || g.Name == n
				}
				if !found {
					t.Errorf("finding does not name goroutine %q:\n%s", n, report.Text(f))
				}
			}
			tok, err := sched.ParseToken(r.Replay)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				rr := explore(t, sched.Config{Replay: &tok}, tc.body)
				if rr.Finding == nil || rr.Finding.Key != f.Key {
					t.Fatalf("replay %d of %s: got %+v, want the same finding", i, r.Replay, rr.Finding)
				}
			}
			t.Logf("found after %d schedules; replay %s", r.Schedules, r.Replay)
		})
	}
}

func TestExploreCorrectPipelineIsSilent(t *testing.T) {
	for _, s := range []sched.Strategy{sched.PCT, sched.Random, sched.DFS} {
		t.Run(s.String(), func(t *testing.T) {
			r := explore(t, sched.Config{Strategy: s, Schedules: 1000, Seed: 7, Depth: 2}, pipeline)
			if r.Failed {
				msg := "test failed"
				if r.Finding != nil {
					msg = report.Text(r.Finding)
				}
				t.Fatalf("schedule %d (replay %s): %s", r.Schedules, r.Replay, msg)
			}
			if r.Schedules < 2 {
				t.Errorf("ran %d schedules", r.Schedules)
			}
		})
	}
}

func ExampleExplore() {
	// In a test:
	//
	//	func TestHandOff(t *testing.T) {
	//		gridlocktest.Explore(t, func(t *testing.T) {
	//			... code using gridlock/sync, gridlock.Go and gridlock's channels ...
	//		}, gridlocktest.Schedules(500))
	//	}
	_ = gridlocktest.Explore
}
