// Package locks compares the cost of gridlock's watched locks with the
// standard library's and with github.com/sasha-s/go-deadlock, the detector
// Go teams reach for today, side by side in one run:
//
//	go test -run '^$' -bench . -count 10 ./locks | tee locks.txt
//	benchstat -col /impl locks.txt
package locks

import (
	"io"
	stdsync "sync"
	"testing"

	"github.com/gridlock-go/gridlock"
	gsync "github.com/gridlock-go/gridlock/sync"
	deadlock "github.com/sasha-s/go-deadlock"
)

func init() {
	// Every check on, findings would go nowhere (there are none).
	gridlock.Configure(gridlock.Config{Mode: gridlock.On, Output: io.Discard})
	deadlock.Opts.LogBuf = io.Discard
}

// locker is the interface the benchmarks need; each implementation is
// used through its concrete type inside the benchmark loop so that the
// comparison is not one of interface calls.
type impl struct {
	name string
	run  func(b *testing.B, bench string)
}

var impls = []impl{
	{"sync", func(b *testing.B, bench string) {
		type M = stdsync.Mutex
		type RW = stdsync.RWMutex
		runAll[M, RW](b, bench)
	}},
	{"go-deadlock", func(b *testing.B, bench string) {
		type M = deadlock.Mutex
		type RW = deadlock.RWMutex
		runAll[M, RW](b, bench)
	}},
	{"gridlock", func(b *testing.B, bench string) {
		type M = gsync.Mutex
		type RW = gsync.RWMutex
		runAll[M, RW](b, bench)
	}},
}

type mutex[T any] interface {
	*T
	Lock()
	Unlock()
}

type rwmutex[T any] interface {
	*T
	Lock()
	Unlock()
	RLock()
	RUnlock()
}

func runAll[M any, RW any, PM mutex[M], PRW rwmutex[RW]](b *testing.B, bench string) {
	switch bench {
	case "Uncontended":
		var m M
		p := PM(&m)
		b.ReportAllocs()
		for b.Loop() {
			p.Lock()
			p.Unlock()
		}
	case "NestedAB":
		var x, y M
		px, py := PM(&x), PM(&y)
		b.ReportAllocs()
		for b.Loop() {
			px.Lock()
			py.Lock()
			py.Unlock()
			px.Unlock()
		}
	case "Nested4":
		var ms [4]M
		b.ReportAllocs()
		for b.Loop() {
			for i := range ms {
				PM(&ms[i]).Lock()
			}
			for i := len(ms) - 1; i >= 0; i-- {
				PM(&ms[i]).Unlock()
			}
		}
	case "RLock8":
		var rw RW
		p := PRW(&rw)
		b.ReportAllocs()
		b.SetParallelism(4) // 8 goroutines on 2 processors
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p.RLock()
				p.RUnlock()
			}
		})
	case "Contended8":
		var m M
		p := PM(&m)
		b.ReportAllocs()
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p.Lock()
				p.Unlock()
			}
		})
	}
}

func bench(b *testing.B, name string) {
	for _, i := range impls {
		b.Run("impl="+i.name, func(b *testing.B) { i.run(b, name) })
	}
}

func BenchmarkUncontended(b *testing.B) { bench(b, "Uncontended") }
func BenchmarkNestedAB(b *testing.B)    { bench(b, "NestedAB") }
func BenchmarkNested4(b *testing.B)     { bench(b, "Nested4") }
func BenchmarkRLock8(b *testing.B)      { bench(b, "RLock8") }
func BenchmarkContended8(b *testing.B)  { bench(b, "Contended8") }
