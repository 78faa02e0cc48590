// Package rwmutex is a deadlock kernel (resource deadlock: AB-BA).
//
// AB-BA across an RWMutex: a reader of a waits for b, the holder of b
// waits to write a.
package rwmutex

import (
	"runtime"
	"sync"
	"sync/atomic"
)

var (
	config sync.RWMutex
	state  sync.Mutex
)

func reader(ready *sync.WaitGroup, start *atomic.Bool) {
	config.RLock()
	ready.Done()
	for !start.Load() { // spins, without blocking, until every lock is taken
		runtime.Gosched()
	}
	state.Lock() // held by writer
	state.Unlock()
	config.RUnlock()
}

func writer(ready *sync.WaitGroup, start *atomic.Bool) {
	state.Lock()
	ready.Done()
	for !start.Load() { // spins, without blocking, until every lock is taken
		runtime.Gosched()
	}
	config.Lock() // waits for the reader
	config.Unlock()
	state.Unlock()
}

func run() {
	var ready, done sync.WaitGroup
	start := new(atomic.Bool)
	ready.Add(2)
	done.Add(2)
	go func() { defer done.Done(); reader(&ready, start) }()
	go func() { defer done.Done(); writer(&ready, start) }()
	ready.Wait()
	start.Store(true)
	done.Wait()
}
