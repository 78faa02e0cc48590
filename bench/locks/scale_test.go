//lint:file-ignore SA2001 the benchmarks measure Lock and Unlock with nothing between them

package locks

import (
	"runtime"
	"runtime/metrics"
	stdsync "sync"
	"testing"
	"time"

	gsync "github.com/gridlock-go/gridlock/sync"
)

// The engine's cost at scale and its primitives beyond Mutex, side by side
// with sync (go-deadlock has no Cond or Once):
//
//	go test -run '^$' -bench 'RLock1|Cond|Once|Scale' -count 6 ./locks

// rlocker is an RWMutex's read side.
type rlocker[T any] interface {
	*T
	RLock()
	RUnlock()
}

func rlock1[RW any, P rlocker[RW]](b *testing.B) {
	var rw RW
	p := P(&rw)
	b.ReportAllocs()
	for b.Loop() {
		p.RLock()
		p.RUnlock()
	}
}

// BenchmarkRLock1 is RLock and RUnlock by one goroutine.
func BenchmarkRLock1(b *testing.B) {
	b.Run("impl=sync", rlock1[stdsync.RWMutex])
	b.Run("impl=gridlock", rlock1[gsync.RWMutex])
}

// rlockOther is rlock1 on a lock that another goroutine, still alive,
// read-locked first: the path of all readers but one of a lock read by
// many (RLock8's, mostly).
func rlockOther[RW any, P rlocker[RW]](b *testing.B) {
	var rw RW
	p := P(&rw)
	first, exit := make(chan bool), make(chan bool)
	go func() {
		p.RLock()
		p.RUnlock()
		first <- true
		<-exit
	}()
	<-first
	b.ReportAllocs()
	for b.Loop() {
		p.RLock()
		p.RUnlock()
	}
	close(exit)
}

// BenchmarkRLockOther is RLock and RUnlock by one goroutine of a lock
// another goroutine read first.
func BenchmarkRLockOther(b *testing.B) {
	b.Run("impl=sync", rlockOther[stdsync.RWMutex])
	b.Run("impl=gridlock", rlockOther[gsync.RWMutex])
}

// BenchmarkCondPingPong is two goroutines taking turns through one Cond:
// each Signal wakes the other's Wait.
func BenchmarkCondPingPong(b *testing.B) {
	b.Run("impl=sync", func(b *testing.B) {
		var mu stdsync.Mutex
		c := stdsync.NewCond(&mu)
		pingPong(b, &mu, c.Wait, c.Signal)
	})
	b.Run("impl=gridlock", func(b *testing.B) {
		var mu gsync.Mutex
		c := gsync.NewCond(&mu)
		pingPong(b, &mu, c.Wait, c.Signal)
	})
}

func pingPong(b *testing.B, mu stdsync.Locker, wait, signal func()) {
	turn := 0
	done := make(chan struct{})
	n := b.N
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		defer close(done)
		mu.Lock()
		for i := 0; i < n; i++ {
			for turn != 1 {
				wait()
			}
			turn = 0
			signal()
		}
		mu.Unlock()
	}()
	mu.Lock()
	for i := 0; i < n; i++ {
		for turn != 0 {
			wait()
		}
		turn = 1
		signal()
	}
	mu.Unlock()
	<-done
}

// BenchmarkOnceFirst is the first Do on a new Once.
func BenchmarkOnceFirst(b *testing.B) {
	f := func() {}
	b.Run("impl=sync", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			new(stdsync.Once).Do(f)
		}
	})
	b.Run("impl=gridlock", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			new(gsync.Once).Do(f)
		}
	})
}

// BenchmarkScale is 100,000 goroutines each nesting 3 of 1,000,000 locks,
// in the one order of the locks' indices, then exiting. It reports the
// memory in use (heap objects and stacks) once every goroutine has taken
// its locks and before any exits (peak-MB), and the live heap once they
// have exited and the locks are dropped (after-MB), both after a GC, and
// of the peak the goroutine stacks alone (stacks-MB).
func BenchmarkScale(b *testing.B) {
	b.Run("impl=sync", func(b *testing.B) { scale[stdsync.Mutex](b) })
	b.Run("impl=gridlock", func(b *testing.B) { scale[gsync.Mutex](b) })
}

const (
	scaleLocks      = 1_000_000
	scaleGoroutines = 100_000
)

func scale[M any, PM mutex[M]](b *testing.B) {
	var peak, after, stk float64
	for b.Loop() {
		locks := make([]M, scaleLocks)
		var took, exited stdsync.WaitGroup
		start, exit := make(chan struct{}), make(chan struct{})
		for i := range scaleGoroutines {
			took.Add(1)
			exited.Add(1)
			go func() {
				defer exited.Done()
				<-start
				// Three locks in increasing index order: one order for all.
				a := (i * 7919) % (scaleLocks - 2)
				for j := range 3 {
					PM(&locks[a+j]).Lock()
				}
				for j := 2; j >= 0; j-- {
					PM(&locks[a+j]).Unlock()
				}
				took.Done()
				<-exit
			}()
		}
		close(start)
		took.Wait()
		b.StopTimer()
		peak = max(peak, inUseMB())
		stk = max(stk, readMB("/memory/classes/heap/stacks:bytes"))
		b.StartTimer()
		close(exit)
		exited.Wait()
		b.StopTimer()
		runtime.KeepAlive(locks)
		locks = nil
		after = max(after, liveMB())
		b.StartTimer()
	}
	b.ReportMetric(peak, "peak-MB")
	b.ReportMetric(stk, "stacks-MB")
	b.ReportMetric(after, "after-MB")
}

// inUseMB returns the memory in heap objects and goroutine stacks, in MB,
// after a GC.
func inUseMB() float64 {
	runtime.GC()
	return readMB("/memory/classes/heap/objects:bytes", "/memory/classes/heap/stacks:bytes")
}

// liveMB returns the live heap in MB once the program has settled: a GC,
// a pause in which the work a collection queues runs (cleanups; gridlock
// sweeps the records of exited goroutines and dropped locks after each
// collection), and a GC that frees what that work let go.
func liveMB() float64 {
	runtime.GC()
	time.Sleep(200 * time.Millisecond)
	runtime.GC()
	return readMB("/gc/heap/live:bytes")
}

func readMB(names ...string) float64 {
	s := make([]metrics.Sample, len(names))
	for i, n := range names {
		s[i].Name = n
	}
	metrics.Read(s)
	var t uint64
	for _, x := range s {
		t += x.Value.Uint64()
	}
	return float64(t) / (1 << 20)
}
