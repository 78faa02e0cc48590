// Package three is a deadlock kernel (resource deadlock: AB-BA).
//
// A cycle of three locks over three goroutines: a then b, b then c, c then
// a.
package three

import (
	"runtime"
	"sync"
	"sync/atomic"
)

var locks [3]sync.Mutex

func worker(i int, ready *sync.WaitGroup, start *atomic.Bool) {
	locks[i].Lock()
	ready.Done()
	for !start.Load() { // spins, without blocking, until every lock is taken
		runtime.Gosched()
	}
	locks[(i+1)%3].Lock() // the next lock, held by the next worker
	locks[(i+1)%3].Unlock()
	locks[i].Unlock()
}

func run() {
	var ready, done sync.WaitGroup
	start := new(atomic.Bool)
	ready.Add(3)
	done.Add(3)
	for i := 0; i < 3; i++ {
		go func(i int) { defer done.Done(); worker(i, &ready, start) }(i)
	}
	ready.Wait()
	start.Store(true)
	done.Wait()
}
