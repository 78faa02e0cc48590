// Package rwmutex is a deadlock kernel (resource deadlock: AB-BA).
//
// AB-BA across an RWMutex: a reader of a waits for b, the holder of b
// waits to write a.
package rwmutex

import "sync"

var (
	config sync.RWMutex
	state  sync.Mutex
)

func reader(ready *sync.WaitGroup, start chan struct{}) {
	config.RLock()
	ready.Done()
	<-start
	state.Lock() // held by writer
	state.Unlock()
	config.RUnlock()
}

func writer(ready *sync.WaitGroup, start chan struct{}) {
	state.Lock()
	ready.Done()
	<-start
	config.Lock() // waits for the reader
	config.Unlock()
	state.Unlock()
}

func run() {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(2)
	done.Add(2)
	go func() { defer done.Done(); reader(&ready, start) }()
	go func() { defer done.Done(); writer(&ready, start) }()
	ready.Wait()
	close(start)
	done.Wait()
}
