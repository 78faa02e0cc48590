package gridlock_test

import (
	"context"
	"errors"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/sync"
)

// Correct concurrent code under load: gridlock must say nothing.

func TestPipelineIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	// Fan-out to 16 workers, fan-in to one collector, close to end.
	const items = 20000
	in := gridlock.NewChan[int](8)
	out := gridlock.NewChan[int](8)
	var workers sync.WaitGroup
	for range 16 {
		workers.Go(func() {
			for v := range in.All() {
				out.Send(v * 2)
			}
		})
	}
	gridlock.Go("closer", func() {
		workers.Wait()
		out.Close()
	})
	gridlock.Go("producer", func() {
		for i := range items {
			in.Send(i)
		}
		in.Close()
	})
	sum := 0
	for v := range out.All() {
		sum += v
	}
	if want := items * (items - 1); sum != want {
		t.Errorf("sum = %d, want %d", sum, want)
	}
}

func TestWorkerPoolIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	// Workers started before any Add, each job counted with Add/Done; the
	// results map under a mutex; a semaphore limiting concurrent I/O.
	jobs := gridlock.NewChan[int](0)
	var pending sync.WaitGroup
	var mu sync.Mutex
	results := map[int]int{}
	sem := gridlock.NewSemaphore(4)
	for w := range 8 {
		gridlock.Go("worker", func() {
			for j := range jobs.All() {
				if err := sem.Acquire(context.Background(), 1); err != nil {
					t.Error(err)
				}
				time.Sleep(time.Duration(j%3) * time.Microsecond)
				sem.Release(1)
				mu.Lock()
				results[j] = w
				mu.Unlock()
				pending.Done()
			}
		})
	}
	for round := range 20 {
		for j := range 200 {
			pending.Add(1)
			jobs.Send(round*200 + j)
		}
		pending.Wait()
	}
	jobs.Close()
	if len(results) != 4000 {
		t.Errorf("%d results, want 4000", len(results))
	}
}

func TestErrgroupJoinIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	// errgroup-style: the first error cancels the rest, Wait joins.
	for range 50 {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var once sync.Once
		var first error
		for i := range 10 {
			wg.Go(func() {
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(i) * 100 * time.Microsecond):
					if i == 3 {
						once.Do(func() { first = errors.New("boom"); cancel() })
					}
				}
			})
		}
		wg.Wait()
		cancel()
		if first == nil {
			t.Fatal("no error collected")
		}
	}
}

func TestCloseBroadcastIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	for range 20 {
		stop := gridlock.NewChan[struct{}](0)
		var wg sync.WaitGroup
		var woken atomic.Int32
		for range 32 {
			wg.Go(func() {
				stop.Recv()
				woken.Add(1)
			})
		}
		time.Sleep(time.Millisecond)
		stop.Close()
		wg.Wait()
		if woken.Load() != 32 {
			t.Fatalf("%d woken, want 32", woken.Load())
		}
	}
}

func TestTickerAndSelectAreSilent(t *testing.T) {
	gridlocktest.Check(t)
	ticks := gridlock.NewChan[time.Time](1)
	quit := gridlock.NewChan[bool](0)
	gridlock.Go("ticker", func() {
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case now := <-tk.C:
				ticks.TrySend(now)
			case <-quit.C():
				return
			}
		}
	})
	n := 0
	deadline := time.After(300 * time.Millisecond)
	for done := false; !done; {
		gridlock.Select(
			ticks.CaseRecv(func(time.Time, bool) { n++ }),
			gridlock.NewChan[int](0).CaseRecv(nil), // never ready
		)
		select {
		case <-deadline:
			done = true
		default:
		}
	}
	quit.Send(true)
	if n == 0 {
		t.Error("no ticks")
	}
}

func TestCondQueueIsSilent(t *testing.T) {
	gridlocktest.Check(t)
	// A Cond-based bounded queue with producers and consumers.
	var mu sync.Mutex
	notEmpty := sync.NewCond(&mu)
	notFull := sync.NewCond(&mu)
	var queue []int
	var consumed atomic.Int64
	var wg stdsync.WaitGroup
	for range 4 {
		wg.Add(1)
		gridlock.Go("producer", func() {
			defer wg.Done()
			for i := range 2000 {
				mu.Lock()
				for len(queue) == 8 {
					notFull.Wait()
				}
				queue = append(queue, i)
				notEmpty.Signal()
				mu.Unlock()
			}
		})
	}
	var cwg stdsync.WaitGroup
	for range 4 {
		cwg.Add(1)
		gridlock.Go("consumer", func() {
			defer cwg.Done()
			for {
				mu.Lock()
				for len(queue) == 0 && consumed.Load() < 8000 {
					notEmpty.Wait()
				}
				if len(queue) == 0 {
					mu.Unlock()
					notEmpty.Broadcast()
					return
				}
				queue = queue[1:]
				if consumed.Add(1) == 8000 {
					notEmpty.Broadcast()
				}
				notFull.Signal()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	cwg.Wait()
	if consumed.Load() != 8000 {
		t.Errorf("consumed %d, want 8000", consumed.Load())
	}
}

func TestContextWaitsAreSilent(t *testing.T) {
	gridlocktest.Check(t)
	// Timeouts that expire are errors the program handles, not findings.
	var mu sync.Mutex
	held := make(chan bool)
	release := make(chan bool)
	gridlock.Go("holder", func() {
		mu.Lock()
		close(held)
		<-release
		mu.Unlock()
	})
	<-held
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		if err := mu.LockContext(ctx); err == nil {
			t.Fatal("LockContext acquired a held mutex")
		}
		cancel()
	}
	close(release)
	// A LockContext on a lock one holds oneself is not a hang either.
	mu.Lock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if mu.LockContext(ctx) == nil {
		t.Fatal("LockContext acquired a mutex the goroutine holds")
	}
	mu.Unlock()
}
