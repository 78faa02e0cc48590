//lint:file-ignore SA2001 benchmarks take locks for their cost

// Package locks compares the cost of gridlock's watched locks with the
// standard library's and with github.com/sasha-s/go-deadlock, the detector
// Go teams reach for today, side by side in one run:
//
//	go test -run '^$' -bench . -count 10 ./locks | tee locks.txt
//	benchstat -col /impl locks.txt
package locks

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
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
	registerConnSite()
}

// registerConnSite registers the line marked "the class site" below as
// gridlock test's overlay would: the lock taken there is a struct field,
// conn.mu, so every lock first taken there is of one class.
func registerConnSite() {
	f, err := os.Open("locks_test.go")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var table []string
	for line := 1; sc.Scan(); line++ {
		if strings.HasSuffix(sc.Text(), "// the class site") {
			table = append(table, fmt.Sprintf("%d\tm\texample.com/p.conn.mu\tp.conn.mu\tconn.mu of *conn\t#0", line))
		}
	}
	if len(table) == 0 {
		panic("no class site in locks_test.go")
	}
	gridlock.LockSites("github.com/gridlock-go/gridlock/bench/locks", "locks_test.go", strings.Join(table, "\n"), 0)
}

// lockNew locks and unlocks a new lock of one class.
//
//go:noinline
func lockNew[M any, PM mutex[M]]() {
	m := new(M)
	PM(m).Lock() // the class site
	PM(m).Unlock()
}

// lockPair locks two locks of one class, a parent's then its child's, as
// a walk down a tree does, and unlocks them.
//
//go:noinline
func lockPair[M any, PM mutex[M]](x, y *M) {
	for _, m := range []*M{x, y} {
		PM(m).Lock() // the class site
	}
	PM(y).Unlock()
	PM(x).Unlock()
}

// named names a lock of gridlock's, as a program names the lock of each
// connection it creates; the other implementations have no names.
func named[M any](m *M, level bool) {
	if g, ok := any(m).(*gsync.Mutex); ok {
		if level {
			gridlock.Level(g, 2)
		} else {
			gridlock.Name(g, "conn")
		}
	}
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
	case "NewLockUnderHeld":
		// A lock first taken under a held one, of a class seen before:
		// the lock of a new connection, under the server's.
		var outer M
		po := PM(&outer)
		po.Lock()
		b.ReportAllocs()
		for b.Loop() {
			lockNew[M, PM]()
		}
		po.Unlock()
	case "NestedOneClass":
		// NestedAB with locks of one declaration class: ordered by
		// instance.
		var x, y M
		b.ReportAllocs()
		for b.Loop() {
			lockPair[M, PM](&x, &y)
		}
	case "Name", "Level":
		// Naming (or giving a level to) the lock of each new connection,
		// then taking it under the server's.
		var outer M
		po := PM(&outer)
		po.Lock()
		b.ReportAllocs()
		for b.Loop() {
			m := new(M)
			named(m, bench == "Level")
			PM(m).Lock()
			PM(m).Unlock()
		}
		po.Unlock()
	case "RLock8":
		// The lock alone on its cache lines: a neighbour written by the
		// goroutines (a testing.PB's counter) would make its cost depend
		// on where the allocator put it.
		padded := new(struct {
			_  [64]byte
			rw RW
			_  [64]byte
		})
		p := PRW(&padded.rw)
		b.ReportAllocs()
		b.SetParallelism(4) // 8 goroutines on 2 processors
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p.RLock()
				p.RUnlock()
			}
		})
	case "Contended8":
		padded := new(struct { // see RLock8
			_ [64]byte
			m M
			_ [64]byte
		})
		p := PM(&padded.m)
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

func BenchmarkNewLockUnderHeld(b *testing.B) { bench(b, "NewLockUnderHeld") }
func BenchmarkName(b *testing.B)             { bench(b, "Name") }
func BenchmarkLevel(b *testing.B)            { bench(b, "Level") }
func BenchmarkNestedOneClass(b *testing.B)   { bench(b, "NestedOneClass") }
