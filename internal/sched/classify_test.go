package sched_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/report"
	gsync "github.com/gridlock-go/gridlock/sync"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// The shapes below are what the classifier of stuck goroutines must tell
// apart the way gridlock test does (see the kernels' EXPECTED files): a
// circular wait (deadlock) through locks, a condition, RWMutex writer
// preference or channels; a lock taken again (recursive-lock,
// recursive-rlock); goroutines blocked for good with no circular wait
// (partial-deadlock).

// abba: two goroutines take two locks in opposite orders.
func abba() {
	var a, b gsync.Mutex
	gridlock.Name(&a, "accountA")
	gridlock.Name(&b, "accountB")
	var wg gsync.WaitGroup
	wg.Add(2)
	gridlock.Go("ab", func() {
		defer wg.Done()
		a.Lock()
		b.Lock()
		work()
		b.Unlock()
		a.Unlock()
	})
	gridlock.Go("ba", func() {
		defer wg.Done()
		b.Lock()
		a.Lock()
		work()
		a.Unlock()
		b.Unlock()
	})
	wg.Wait()
}

// relock: a goroutine locks a mutex it holds.
func relock() {
	var mu gsync.Mutex
	done := gridlock.Made(make(chan struct{}))
	gridlock.Go("relocker", func() {
		mu.Lock()
		mu.Lock()
		work()
		mu.Unlock()
		mu.Unlock()
		gridlock.Close(done)
	})
	gridlock.Recv(done)
}

// onceAgain: a Once's function calls Do on the same Once.
func onceAgain() {
	var once gsync.Once
	var do func()
	do = func() { once.Do(do) }
	do()
}

// rwr: a reader read-locks again while a writer waits in between.
func rwr() {
	var rw gsync.RWMutex
	var wg gsync.WaitGroup
	inner := gridlock.Made(make(chan struct{}))
	wg.Add(2)
	gridlock.Go("reader", func() {
		defer wg.Done()
		rw.RLock()
		gridlock.Close(inner)
		rw.RLock()
		work()
		rw.RUnlock()
		rw.RUnlock()
	})
	gridlock.Go("writer", func() {
		defer wg.Done()
		gridlock.Recv(inner)
		rw.Lock()
		work()
		rw.Unlock()
	})
	wg.Wait()
}

// writerPreference: a circular wait that only writer preference closes:
// the holder of a read lock waits for a mutex whose holder waits to
// read-lock behind a waiting writer, who waits for the first reader.
func writerPreference() {
	var rw gsync.RWMutex
	var mu gsync.Mutex
	gridlock.Name(&rw, "config")
	gridlock.Name(&mu, "registry")
	var wg gsync.WaitGroup
	wg.Add(3)
	gridlock.Go("reader", func() {
		defer wg.Done()
		rw.RLock()
		mu.Lock()
		work()
		mu.Unlock()
		rw.RUnlock()
	})
	gridlock.Go("holder", func() {
		defer wg.Done()
		mu.Lock()
		rw.RLock()
		work()
		rw.RUnlock()
		mu.Unlock()
	})
	gridlock.Go("writer", func() {
		defer wg.Done()
		rw.Lock()
		work()
		rw.Unlock()
	})
	wg.Wait()
}

// condOtherLock: the waiter holds a second lock across Cond.Wait, which
// the signaller needs before it can signal.
func condOtherLock() {
	var mu, stats gsync.Mutex
	gridlock.Name(&stats, "stats")
	c := gsync.NewCond(&mu)
	items := 0
	done := gridlock.Made(make(chan struct{}))
	gridlock.Go("taker", func() {
		stats.Lock()
		mu.Lock()
		for items == 0 {
			c.Wait()
		}
		mu.Unlock()
		stats.Unlock()
		gridlock.Close(done)
	})
	gridlock.Go("putter", func() {
		stats.Lock()
		work()
		stats.Unlock()
		mu.Lock()
		items++
		mu.Unlock()
		c.Signal()
	})
	gridlock.Recv(done)
}

// condLost: the signal comes before the wait, which nothing signals again.
func condLost() {
	var mu gsync.Mutex
	c := gsync.NewCond(&mu)
	signalled := gridlock.Made(make(chan struct{}))
	done := gridlock.Made(make(chan struct{}))
	gridlock.Go("signaller", func() {
		c.Signal()
		gridlock.Close(signalled)
	})
	gridlock.Go("waiter", func() {
		gridlock.Recv(signalled)
		mu.Lock()
		c.Wait()
		mu.Unlock()
		gridlock.Close(done)
	})
	gridlock.Recv(done)
}

// readerBlockedOnOwnChannel: a reader holds the read lock and receives
// from a channel only it has; the writer waits for it for good (the
// article's writer starvation).
func readerBlockedOnOwnChannel() {
	var rw gsync.RWMutex
	started := gridlock.Made(make(chan struct{}))
	gridlock.Go("watcher", func() {
		updates := gridlock.Made(make(chan int))
		rw.RLock()
		gridlock.Close(started)
		gridlock.Recv(updates)
		rw.RUnlock()
	})
	gridlock.Recv(started)
	rw.Lock()
	work()
	rw.Unlock()
}

// selfSemaphore: a buffered channel used as a lock, taken twice by its
// holder.
func selfSemaphore() {
	sem := gridlock.Made(make(chan struct{}, 1))
	gridlock.Send(sem, struct{}{})
	gridlock.Send(sem, struct{}{})
}

// selfUnbuffered: a send on an unbuffered channel that nobody else has.
func selfUnbuffered() {
	ch := gridlock.Made(make(chan int))
	gridlock.Send(ch, 1)
}

// chanCycle: each of two goroutines waits to receive what the other sends
// after it.
func chanCycle() {
	ping := gridlock.Made(make(chan int))
	pong := gridlock.Made(make(chan int))
	var wg gsync.WaitGroup
	wg.Add(2)
	gridlock.Go("left", func() {
		defer wg.Done()
		gridlock.Recv(pong)
		gridlock.Send(ping, 1)
	}, ping, pong)
	gridlock.Go("right", func() {
		defer wg.Done()
		gridlock.Recv(ping)
		gridlock.Send(pong, 1)
	}, ping, pong)
	wg.Wait()
}

// receiversOnly: a goroutine receives, holding a lock, from a channel
// whose only sender is gone; the other goroutine seen with the channel
// only received from it, and waits for that lock: it cannot send, so
// there is no circular wait, only goroutines blocked for good.
func receiversOnly() {
	ch := gridlock.Made(make(chan int, 1))
	var mu gsync.Mutex
	var wg gsync.WaitGroup
	sent := gridlock.Made(make(chan struct{}))
	locked := gridlock.Made(make(chan struct{}))
	got := gridlock.Made(make(chan struct{}))
	wg.Add(3)
	gridlock.Go("sender", func() {
		defer wg.Done()
		gridlock.Send(ch, 1)
		gridlock.Close(sent)
	})
	gridlock.Go("first", func() {
		defer wg.Done()
		mu.Lock()
		gridlock.Close(locked)
		gridlock.Recv(got)
		gridlock.Recv(ch)
		mu.Unlock()
	})
	gridlock.Go("second", func() {
		defer wg.Done()
		gridlock.Recv(sent)
		gridlock.Recv(locked)
		gridlock.Recv(ch)
		gridlock.Close(got)
		mu.Lock()
		work()
		mu.Unlock()
	})
	wg.Wait()
}

// lockLeak: a goroutine exits holding a lock another waits for.
func lockLeak() {
	var mu gsync.Mutex
	done := gridlock.Made(make(chan struct{}))
	gridlock.Go("leaver", func() {
		mu.Lock() // never unlocked
		gridlock.Close(done)
	})
	gridlock.Recv(done)
	mu.Lock()
}

// waitGroupCycle: the test waits, holding a lock, for a worker that needs
// the lock before its Done.
func waitGroupCycle() {
	var mu gsync.Mutex
	var wg gsync.WaitGroup
	mu.Lock()
	wg.Add(1)
	gridlock.Go("worker", func() {
		defer wg.Done()
		mu.Lock()
		work()
		mu.Unlock()
	})
	wg.Wait()
	mu.Unlock()
}

// waitGroupNotOwed: the test waits, holding a lock, for a Done that a
// goroutine which exited forgot; the goroutine waiting for the lock was
// started before the Add, and owes no Done: no circular wait.
func waitGroupNotOwed() {
	var mu gsync.Mutex
	var wg gsync.WaitGroup
	mu.Lock()
	gridlock.Go("bystander", func() {
		mu.Lock()
		work()
		mu.Unlock()
	})
	wg.Add(1)
	gridlock.Go("forgetful", func() {})
	wg.Wait()
	mu.Unlock()
}

// selectCycle: a goroutine selects, holding a lock, on a channel only it
// has and on one a goroutine was given to send on, which waits for that
// lock first: a circular wait through the select's second case.
func selectCycle() {
	var mu gsync.Mutex
	var wg gsync.WaitGroup
	b := gridlock.NewChan[int](0)
	locked := gridlock.Made(make(chan struct{}))
	wg.Add(2)
	gridlock.Go("selector", func() {
		defer wg.Done()
		a := gridlock.NewChan[int](0)
		mu.Lock()
		gridlock.Close(locked)
		gridlock.Select(a.CaseRecv(nil), b.CaseRecv(nil))
		mu.Unlock()
	})
	gridlock.Go("sender", func() {
		defer wg.Done()
		gridlock.Recv(locked)
		mu.Lock()
		b.Send(1)
		mu.Unlock()
	}, b)
	wg.Wait()
}

// semaphoreCycle: the test waits, holding a lock, for a permit whose
// holder waits for that lock.
func semaphoreCycle() {
	var mu gsync.Mutex
	sem := gridlock.NewSemaphore(1)
	got := gridlock.Made(make(chan struct{}))
	gridlock.Go("holder", func() {
		_ = sem.Acquire(context.Background(), 1)
		gridlock.Close(got)
		mu.Lock()
		work()
		mu.Unlock()
		sem.Release(1)
	})
	gridlock.Recv(got)
	mu.Lock()
	_ = sem.Acquire(context.Background(), 1)
	mu.Unlock()
}

// semaphoreBystander: the test waits, holding a lock, for a permit whose
// holder is blocked for good on a channel only it has; the goroutine
// waiting for the lock holds no permit: no circular wait.
func semaphoreBystander() {
	var mu gsync.Mutex
	sem := gridlock.NewSemaphore(1)
	got := gridlock.Made(make(chan struct{}))
	gridlock.Go("holder", func() {
		_ = sem.Acquire(context.Background(), 1)
		gridlock.Close(got)
		never := gridlock.Made(make(chan struct{}))
		gridlock.Recv(never)
		sem.Release(1)
	})
	gridlock.Recv(got)
	mu.Lock()
	gridlock.Go("bystander", func() {
		mu.Lock()
		work()
		mu.Unlock()
	})
	_ = sem.Acquire(context.Background(), 1)
	mu.Unlock()
}

// Correct code: each must stay silent under every schedule tried.

// condLoop waits on a condition in a predicate loop.
func condLoop() {
	var mu gsync.Mutex
	c := gsync.NewCond(&mu)
	ready := false
	var wg gsync.WaitGroup
	wg.Add(2)
	for range 2 {
		gridlock.Go("waiter", func() {
			defer wg.Done()
			mu.Lock()
			for !ready {
				c.Wait()
			}
			mu.Unlock()
		})
	}
	mu.Lock()
	ready = true
	mu.Unlock()
	c.Broadcast()
	wg.Wait()
}

// readersWriter: readers and a writer, one read lock at a time.
func readersWriter() {
	var rw gsync.RWMutex
	var wg gsync.WaitGroup
	n := 0
	wg.Add(3)
	for range 2 {
		gridlock.Go("reader", func() {
			defer wg.Done()
			rw.RLock()
			_ = n
			rw.RUnlock()
		})
	}
	gridlock.Go("writer", func() {
		defer wg.Done()
		rw.Lock()
		n++
		rw.Unlock()
	})
	wg.Wait()
}

// handOff: a token passed around a ring of goroutines over channels.
func handOff() {
	a := gridlock.Made(make(chan int))
	b := gridlock.Made(make(chan int))
	done := gridlock.Made(make(chan int))
	gridlock.Go("first", func() {
		v := gridlock.Recv(a)
		gridlock.Send(b, v+1)
	}, a, b)
	gridlock.Go("second", func() {
		v := gridlock.Recv(b)
		gridlock.Send(done, v+1)
	}, b, done)
	gridlock.Send(a, 1)
	if gridlock.Recv(done) != 3 {
		panic("lost the token")
	}
}

// work stands for what a goroutine does under a lock.
func work() {}

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

// TestMain turns off the engine's findings on lock use (an order, a lock
// taken again), which it makes before a schedule hangs: the tests below
// check what the scheduler finds when it does.
func TestMain(m *testing.M) {
	o := engine.CurrentOptions()
	o.Off = append(o.Off, report.LockOrderInversion, report.RecursiveLock, report.RecursiveRLock,
		report.LockHeldAcrossBlocking, report.HierarchyViolation, report.SemaphoreHoldAndWait)
	engine.Configure(o)
	os.Exit(m.Run())
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		body func()
		want report.Kind // "" for correct code
		// goroutines and resources the finding must name (a resource by
		// its kind, and "kind:name" for a lock named with gridlock.Name:
		// the label of another local lock is not stable); the first
		// cycle goroutines named are the circular wait, which the
		// finding lists first.
		goroutines []string
		cycle      int
		resources  []string
	}{
		{"abba", abba, report.Deadlock, []string{"ab", "ba"}, 2, []string{"mutex:accountA", "mutex:accountB"}},
		{"recursive lock", relock, report.RecursiveLock, []string{"relocker"}, 1, []string{"mutex"}},
		{"Once.Do inside its own Do", onceAgain, report.RecursiveLock, []string{"TestFake"}, 1, []string{"mutex"}},
		{"recursive read lock behind a writer", rwr, report.RecursiveRLock, []string{"reader", "writer"}, 1, []string{"rwmutex"}},
		{"writer preference", writerPreference, report.Deadlock, []string{"reader", "holder", "writer"}, 3, []string{"rwmutex:config", "mutex:registry"}},
		{"cond, other lock held across Wait", condOtherLock, report.Deadlock, []string{"taker", "putter"}, 2, []string{"mutex:stats", "cond"}},
		{"cond, lost wake-up", condLost, report.PartialDeadlock, []string{"waiter"}, 0, []string{"cond"}},
		{"read lock held, own channel", readerBlockedOnOwnChannel, report.PartialDeadlock, []string{"watcher", "TestFake"}, 0, []string{"rwmutex", "chan"}},
		{"buffered channel as a lock, taken twice", selfSemaphore, report.Deadlock, []string{"TestFake"}, 1, []string{"chan"}},
		{"send on an unbuffered channel only it has", selfUnbuffered, report.PartialDeadlock, []string{"TestFake"}, 0, []string{"chan"}},
		{"channel cycle", chanCycle, report.Deadlock, []string{"left", "right"}, 2, []string{"chan", "chan"}},
		{"receivers only", receiversOnly, report.PartialDeadlock, []string{"first", "second"}, 0, []string{"chan", "mutex"}},
		{"lock held by a goroutine that exited", lockLeak, report.LockLeak, []string{"TestFake", "leaver"}, 1, []string{"mutex"}},
		{"wait group, lock held across Wait", waitGroupCycle, report.Deadlock, []string{"TestFake", "worker"}, 2, []string{"mutex", "waitgroup"}},
		{"wait group, Done forgotten, a bystander", waitGroupNotOwed, report.PartialDeadlock, []string{"TestFake", "bystander"}, 0, []string{"mutex", "waitgroup"}},
		{"select in a circular wait", selectCycle, report.Deadlock, []string{"selector", "sender"}, 2, []string{"select", "mutex"}},
		{"semaphore, lock held across Acquire", semaphoreCycle, report.Deadlock, []string{"TestFake", "holder"}, 2, []string{"mutex", "semaphore"}},
		{"semaphore, holder blocked for good, a bystander", semaphoreBystander, report.PartialDeadlock, []string{"TestFake", "holder", "bystander"}, 0, []string{"mutex", "semaphore"}},
		{"cond loop", condLoop, "", nil, 0, nil},
		{"readers and a writer", readersWriter, "", nil, 0, nil},
		{"hand-off ring", handOff, "", nil, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := explore(t, sched.Config{Strategy: sched.PCT, Schedules: 1000, Seed: 1}, tc.body)
			if tc.want == "" {
				if r.Failed {
					t.Fatalf("correct code: schedule %d failed (replay %s):\n%s", r.Schedules, r.Replay, text(r.Finding))
				}
				return
			}
			if !r.Failed || r.Finding == nil {
				t.Fatalf("nothing found in %d schedules", r.Schedules)
			}
			f := r.Finding
			if f.Kind != tc.want {
				t.Fatalf("kind %s, want %s:\n%s", f.Kind, tc.want, text(f))
			}
			for _, n := range tc.goroutines {
				found := false
				for _, g := range f.Goroutines {
					found = found || g.Name == n
				}
				if !found {
					t.Errorf("the finding does not name goroutine %q:\n%s", n, text(f))
				}
			}
			if len(f.Goroutines) < tc.cycle {
				t.Fatalf("the finding names %d goroutines, want a circular wait of %d:\n%s", len(f.Goroutines), tc.cycle, text(f))
			}
			for _, g := range f.Goroutines[:tc.cycle] {
				if !slices.Contains(tc.goroutines[:tc.cycle], g.Name) {
					t.Errorf("goroutine %q is in the circular wait, want only %v:\n%s", g.Name, tc.goroutines[:tc.cycle], text(f))
				}
			}
			res := slices.Clone(f.Resources)
			for _, want := range tc.resources {
				kind, name, _ := strings.Cut(want, ":")
				i := slices.IndexFunc(res, func(r *waitgraph.Resource) bool {
					return string(r.Kind) == kind && strings.Contains(r.ID, name)
				})
				if i < 0 {
					t.Errorf("the finding does not name a %s:\n%s", want, text(f))
					continue
				}
				res = slices.Delete(res, i, i+1) // each wanted once
			}
			if !strings.HasPrefix(f.Summary, "under a controlled schedule") {
				t.Errorf("summary %q", f.Summary)
			}
		})
	}
}

// TestClassifyNamesOnce checks that a Once's lock is named as gridlock
// test names it.
func TestClassifyNamesOnce(t *testing.T) {
	r := explore(t, sched.Config{Strategy: sched.PCT, Schedules: 10, Seed: 1}, onceAgain)
	if r.Finding == nil || len(r.Finding.Resources) != 1 {
		t.Fatalf("want a finding on one resource, got:\n%s", text(r.Finding))
	}
	if id := r.Finding.Resources[0].ID; !strings.HasPrefix(id, "once#") {
		t.Errorf("the Once is named %s, want once#N:\n%s", id, text(r.Finding))
	}
}

func text(f *report.Finding) string {
	if f == nil {
		return "(no finding)"
	}
	return report.Text(f)
}
