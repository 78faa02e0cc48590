package gridlocktest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/report"
	gsync "github.com/gridlock-go/gridlock/sync"
)

// sleepOrdered is a sleep-ordered race: the second goroutine sleeps 10ms
// "to let the first go first", then takes for granted that the first
// registered: when the first is slow (a loaded machine), it waits for a
// notification nobody will send.
func sleepOrdered() {
	var (
		mu         gsync.Mutex
		registered bool
		wg         gsync.WaitGroup
	)
	notify := gridlock.Made(make(chan struct{}))
	wg.Add(2)
	gridlock.Go("first", func() {
		defer wg.Done()
		mu.Lock()
		registered = true
		mu.Unlock()
		gridlock.Recv(notify)
	})
	gridlock.Go("second", func() {
		defer wg.Done()
		gridlock.Sleep(10 * time.Millisecond) // let the first go first
		mu.Lock()
		r := registered
		mu.Unlock()
		if r {
			gridlock.Send(notify, struct{}{})
		}
	})
	wg.Wait()
}

// longSleeps is correct and sleeps 3.5s in all: retries with back-off, a
// timer, a ticker, a timeout that does not fire.
func longSleeps() {
	results := gridlock.Made(make(chan int))
	var wg gsync.WaitGroup
	wg.Add(2)
	gridlock.Go("retry", func() {
		defer wg.Done()
		for i := range 3 {
			gridlock.Sleep(time.Duration(1<<i) * 100 * time.Millisecond)
		}
		gridlock.Send(results, 1)
	})
	gridlock.Go("ticker", func() {
		defer wg.Done()
		tk := gridlock.NewTicker(time.Second)
		defer gridlock.TickerStop(tk)
		for range 2 {
			gridlock.Recv(tk.C)
		}
		t := gridlock.NewTimer(time.Second)
		gridlock.Recv(t.C)
		gridlock.Send(results, 2)
	})
	sum := 0
	for range 2 {
		timeout := gridlock.After(time.Hour)
		sel := gridlock.SelectStart(gridlock.SelectRecv(results), gridlock.SelectRecv(timeout))
		select {
		case r := <-results:
			sel.Case(0)
			sum += r
		case <-timeout:
			sel.Case(1)
			panic("timed out")
		}
	}
	wg.Wait()
	if sum != 3 {
		panic(fmt.Sprint("sum ", sum))
	}
}

func TestExploreSleepOrderedRace(t *testing.T) {
	for _, s := range []sched.Strategy{sched.PCT, sched.Random, sched.DFS} {
		t.Run(s.String(), func(t *testing.T) {
			r := explore(t, sched.Config{Strategy: s, Schedules: 1000, Seed: 3}, sleepOrdered)
			if !r.Failed || r.Finding == nil {
				t.Fatalf("not found in %d schedules", r.Schedules)
			}
			if r.Finding.Kind != report.Deadlock && r.Finding.Kind != report.PartialDeadlock {
				t.Errorf("kind %s:\n%s", r.Finding.Kind, report.Text(r.Finding))
			}
			if r.Depended != "" {
				t.Errorf("the schedule depended on timing: %s", r.Depended)
			}
			tok, err := sched.ParseToken(r.Replay)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				rr := explore(t, sched.Config{Replay: &tok}, sleepOrdered)
				if rr.Finding == nil || rr.Finding.Key != r.Finding.Key {
					t.Fatalf("replay %d of %s (schedule %d): got %+v, want the same finding:\n%s", i, r.Replay, r.Schedules, rr.Finding, report.Text(r.Finding))
				}
			}
		})
	}
}

func TestExploreVirtualTime(t *testing.T) {
	start := time.Now()
	r := explore(t, sched.Config{Strategy: sched.PCT, Schedules: 1000, Seed: 5}, longSleeps)
	if r.Failed {
		msg := "test failed"
		if r.Finding != nil {
			msg = report.Text(r.Finding)
		}
		t.Fatalf("schedule %d (replay %s): %s", r.Schedules, r.Replay, msg)
	}
	if r.Schedules != 1000 {
		t.Fatalf("ran %d schedules", r.Schedules)
	}
	// 1,000 schedules of 3.5s of sleeps each: virtual time or nothing.
	if d := time.Since(start); d > time.Hour {
		t.Fatalf("took %v", d)
	}
}
