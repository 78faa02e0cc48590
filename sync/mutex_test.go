//go:build !gridlock_off

//lint:file-ignore SA2001 tests take locks for the order they show, with nothing inside

package sync_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/gridlocktest"
	"github.com/gridlock-go/gridlock/sync"
)

// modes runs f with detection on and off: the locks must be correct locks
// either way.
func modes(t *testing.T, f func(t *testing.T)) {
	t.Run("on", func(t *testing.T) {
		gridlocktest.Check(t)
		f(t)
	})
	t.Run("off", func(t *testing.T) {
		gridlocktest.Record(t)
		gridlock.Configure(gridlock.Config{Mode: gridlock.Off})
		f(t)
	})
}

func hammerMutex(m *sync.Mutex, loops int, shared *int, cdone chan bool) {
	for i := range loops {
		if i%3 == 0 {
			if m.TryLock() {
				*shared++
				m.Unlock()
			}
			continue
		}
		m.Lock()
		*shared++
		m.Unlock()
	}
	cdone <- true
}

func TestMutexHammer(t *testing.T) {
	modes(t, func(t *testing.T) {
		var m sync.Mutex
		shared := 0
		m.Lock()
		if m.TryLock() {
			t.Fatal("TryLock succeeded with mutex locked")
		}
		m.Unlock()
		if !m.TryLock() {
			t.Fatal("TryLock failed with mutex unlocked")
		}
		m.Unlock()
		c := make(chan bool)
		for range 10 {
			go hammerMutex(&m, 1000, &shared, c)
		}
		for range 10 {
			<-c
		}
		if shared == 0 {
			t.Fatal("no increments")
		}
	})
}

func TestMutexMutualExclusion(t *testing.T) {
	modes(t, func(t *testing.T) {
		var m sync.Mutex
		var inside atomic.Int32
		var wg stdsync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 2000 {
					m.Lock()
					if n := inside.Add(1); n != 1 {
						t.Errorf("%d goroutines inside the critical section", n)
					}
					if i%100 == 0 {
						runtime.Gosched()
					}
					inside.Add(-1)
					m.Unlock()
				}
			}()
		}
		wg.Wait()
	})
}

func TestMutexFairness(t *testing.T) {
	// A goroutine that keeps re-taking the lock must not starve another
	// forever: after a millisecond the waiter is handed the lock.
	modes(t, func(t *testing.T) {
		var mu sync.Mutex
		stop := make(chan bool)
		defer close(stop)
		go func() {
			for {
				mu.Lock()
				time.Sleep(100 * time.Microsecond)
				mu.Unlock()
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
		done := make(chan bool, 1)
		go func() {
			for range 10 {
				time.Sleep(100 * time.Microsecond)
				mu.Lock()
				mu.Unlock()
			}
			done <- true
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("can't acquire mutex in 10 seconds")
		}
	})
}

func TestUnlockOfUnlocked(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"Mutex", func() { var m sync.Mutex; m.Unlock() }, "sync: unlock of unlocked mutex"},
		{"RWMutex.Unlock", func() { var m sync.RWMutex; m.Unlock() }, "sync: Unlock of unlocked RWMutex"},
		{"RWMutex.RUnlock", func() { var m sync.RWMutex; m.RUnlock() }, "sync: RUnlock of unlocked RWMutex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("panic %v, want %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
}

func TestMutexCancel(t *testing.T) {
	modes(t, func(t *testing.T) {
		var m sync.Mutex
		m.Lock()
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan error)
		go func() { got <- m.LockContext(ctx) }()
		time.Sleep(10 * time.Millisecond)
		cancel()
		if err := <-got; !errors.Is(err, context.Canceled) {
			t.Fatalf("LockContext of a held mutex = %v, want context.Canceled", err)
		}
		m.Unlock()
		// The queue is clean: the mutex still works, fast and slow.
		m.Lock()
		locked := make(chan bool)
		go func() { m.Lock(); locked <- true }()
		time.Sleep(time.Millisecond)
		m.Unlock()
		<-locked
		m.Unlock()
	})
}

func TestMutexCancelStorm(t *testing.T) {
	// Waiters giving up at random while others hand the lock around: no
	// wake-up may be lost, no one may end up holding a lock it gave up.
	modes(t, func(t *testing.T) {
		var m sync.Mutex
		var inside atomic.Int32
		var wg stdsync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(g), 1))
				for range 300 {
					ctx, cancel := context.WithCancel(context.Background())
					if rng.IntN(2) == 0 {
						d := time.Duration(rng.IntN(50)) * time.Microsecond
						go func() { time.Sleep(d); cancel() }()
					}
					err := m.LockContext(ctx)
					cancel()
					if err != nil {
						continue
					}
					if inside.Add(1) != 1 {
						t.Error("two goroutines hold the mutex")
					}
					time.Sleep(time.Duration(rng.IntN(20)) * time.Microsecond)
					inside.Add(-1)
					m.Unlock()
				}
			}()
		}
		finished := make(chan bool)
		go func() { wg.Wait(); close(finished) }()
		select {
		case <-finished:
		case <-time.After(30 * time.Second):
			t.Fatal("lost wake-up: goroutines still waiting after 30s")
		}
		if !m.TryLock() {
			t.Fatal("mutex left locked")
		}
		m.Unlock()
	})
}

func hammerRWMutex(rw *sync.RWMutex, activity *atomic.Int32, loops int, t *testing.T, wg *stdsync.WaitGroup) {
	defer wg.Done()
	for i := range loops {
		switch i % 4 {
		case 0:
			rw.Lock()
			if n := activity.Add(10000); n != 10000 {
				t.Errorf("writer sees activity %d", n)
			}
			activity.Add(-10000)
			rw.Unlock()
		case 1:
			if rw.TryRLock() {
				if n := activity.Add(1); n < 1 || n >= 10000 {
					t.Errorf("reader sees activity %d", n)
				}
				activity.Add(-1)
				rw.RUnlock()
			}
		default:
			rw.RLock()
			if n := activity.Add(1); n < 1 || n >= 10000 {
				t.Errorf("reader sees activity %d", n)
			}
			activity.Add(-1)
			rw.RUnlock()
		}
	}
}

func TestRWMutexHammer(t *testing.T) {
	modes(t, func(t *testing.T) {
		var rw sync.RWMutex
		var activity atomic.Int32
		var wg stdsync.WaitGroup
		for range 10 {
			wg.Add(1)
			go hammerRWMutex(&rw, &activity, 1000, t, &wg)
		}
		wg.Wait()
	})
}

// TestRWMutexWritersAmongChurningReaders has readers that take and drop
// the lock without pause while writers, some of them giving up through a
// context, take it in turn: a reader that finds a writer undoes its count
// as an RUnlock would, and the last one out must hand the lock to the
// waiting writer. A lost hand-off leaves a writer parked for good; the
// test then never ends (go test's -timeout reports it with every stack).
func TestRWMutexWritersAmongChurningReaders(t *testing.T) {
	modes(t, func(t *testing.T) {
		var rw sync.RWMutex
		var activity atomic.Int32
		stop := make(chan struct{})
		var readers stdsync.WaitGroup
		for range 6 {
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					rw.RLock()
					if n := activity.Add(1); n < 1 || n >= 10000 {
						t.Errorf("reader sees activity %d", n)
					}
					activity.Add(-1)
					rw.RUnlock()
				}
			}()
		}
		var writers stdsync.WaitGroup
		for w := range 3 {
			writers.Add(1)
			go func() {
				defer writers.Done()
				for i := range 300 {
					if w == 0 && i%3 == 0 {
						ctx, cancel := context.WithTimeout(context.Background(), 50*time.Microsecond)
						err := rw.LockContext(ctx)
						cancel()
						if err != nil {
							continue
						}
					} else {
						rw.Lock()
					}
					if n := activity.Add(10000); n != 10000 {
						t.Errorf("writer sees activity %d", n)
					}
					activity.Add(-10000)
					rw.Unlock()
				}
			}()
		}
		writers.Wait()
		close(stop)
		readers.Wait()
		if rw.TryLock() {
			rw.Unlock()
		} else {
			t.Error("the lock is not free once everyone left")
		}
	})
}

func TestRWMutexWriterBlocksNewReaders(t *testing.T) {
	modes(t, func(t *testing.T) {
		var rw sync.RWMutex
		rw.RLock()
		writer := make(chan bool)
		go func() {
			rw.Lock()
			writer <- true
			rw.Unlock()
		}()
		// Wait until the writer is queued: TryRLock then fails.
		deadline := time.Now().Add(5 * time.Second)
		for rw.TryRLock() {
			rw.RUnlock()
			if time.Now().After(deadline) {
				t.Fatal("writer never queued")
			}
			time.Sleep(time.Millisecond)
		}
		if rw.TryLock() {
			t.Fatal("TryLock succeeded with a reader inside")
		}
		rw.RUnlock()
		<-writer
		rw.RLock()
		rw.RUnlock()
	})
}

func TestRWMutexReadersQueuedBehindWriterGoFirst(t *testing.T) {
	modes(t, func(t *testing.T) {
		var rw sync.RWMutex
		rw.Lock()
		var order []string
		var omu stdsync.Mutex
		note := func(s string) { omu.Lock(); order = append(order, s); omu.Unlock() }
		var wg stdsync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); rw.RLock(); note("reader"); rw.RUnlock() }()
		time.Sleep(20 * time.Millisecond)
		go func() { defer wg.Done(); rw.Lock(); note("writer"); rw.Unlock() }()
		time.Sleep(20 * time.Millisecond)
		rw.Unlock()
		wg.Wait()
		if len(order) != 2 || order[0] != "reader" {
			t.Errorf("order = %v, want the queued reader first", order)
		}
	})
}

func TestRWMutexCancel(t *testing.T) {
	modes(t, func(t *testing.T) {
		var rw sync.RWMutex
		rw.Lock()
		ctx, cancel := context.WithCancel(context.Background())
		r := make(chan error)
		w := make(chan error)
		go func() { r <- rw.RLockContext(ctx) }()
		go func() { w <- rw.LockContext(ctx) }()
		time.Sleep(10 * time.Millisecond)
		cancel()
		if <-r == nil || <-w == nil {
			t.Fatal("a cancelled wait acquired the lock")
		}
		rw.Unlock()
		// A writer that gives up must let the readers it blocked in.
		rw.RLock()
		wctx, wcancel := context.WithCancel(context.Background())
		wgot := make(chan error)
		go func() { wgot <- rw.LockContext(wctx) }()
		time.Sleep(10 * time.Millisecond)
		rgot := make(chan bool)
		go func() { rw.RLock(); rgot <- true; rw.RUnlock() }()
		time.Sleep(10 * time.Millisecond)
		wcancel()
		if <-wgot == nil {
			t.Fatal("cancelled writer acquired the lock")
		}
		select {
		case <-rgot:
		case <-time.After(5 * time.Second):
			t.Fatal("reader blocked by a writer that gave up")
		}
		rw.RUnlock()
		rw.Lock()
		rw.Unlock()
	})
}

func TestRLocker(t *testing.T) {
	gridlocktest.Check(t)
	var rw sync.RWMutex
	l := rw.RLocker()
	l.Lock()
	in := make(chan bool)
	out := make(chan bool)
	go func() { l.Lock(); in <- true; <-out; l.Unlock(); out <- true }()
	<-in
	if rw.TryLock() {
		t.Fatal("TryLock succeeded with readers inside")
	}
	out <- true
	<-out
	l.Unlock()
	if !rw.TryLock() {
		t.Fatal("TryLock failed after readers left")
	}
	rw.Unlock()
}

// Unlocks that take no queue race with waiters that queue, starve and ask
// for a hand-off: eight goroutines contend on one mutex, some holding it
// long enough for waiters to starve, and all must finish. (A lost wake-up
// leaves them all parked on an unlocked mutex.)
func TestMutexContendedNoLostWakeup(t *testing.T) {
	modes(t, func(t *testing.T) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		n := 0
		const workers, iters = 8, 200000
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range iters {
					mu.Lock()
					n++
					if w == 0 && i%20000 == 0 {
						time.Sleep(2 * time.Millisecond) // the waiters starve
					}
					mu.Unlock()
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			buf := make([]byte, 1<<20)
			t.Fatalf("contending goroutines never finished:\n%s", buf[:runtime.Stack(buf, true)])
		}
		if n != workers*iters {
			t.Errorf("n = %d, want %d", n, workers*iters)
		}
	})
}
