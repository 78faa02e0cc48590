// Package hang is a deadlock kernel (resource deadlock: AB-BA).
//
// Two goroutines take two mutexes in opposite orders, at the same moment.
package hang

import (
	"runtime"
	"sync"
	"sync/atomic"
)

var a, b sync.Mutex

func first(ready *sync.WaitGroup, start *atomic.Bool) {
	a.Lock()
	ready.Done()
	for !start.Load() { // spins, without blocking, until every lock is taken
		runtime.Gosched()
	}
	b.Lock() // a then b
	b.Unlock()
	a.Unlock()
}

func second(ready *sync.WaitGroup, start *atomic.Bool) {
	b.Lock()
	ready.Done()
	for !start.Load() { // spins, without blocking, until every lock is taken
		runtime.Gosched()
	}
	a.Lock() // b then a
	a.Unlock()
	b.Unlock()
}

func run() {
	var ready, done sync.WaitGroup
	start := new(atomic.Bool)
	ready.Add(2)
	done.Add(2)
	go func() { defer done.Done(); first(&ready, start) }()
	go func() { defer done.Done(); second(&ready, start) }()
	ready.Wait()
	start.Store(true)
	done.Wait()
}
