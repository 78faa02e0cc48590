// Package hang is a deadlock kernel (resource deadlock: AB-BA).
//
// Two goroutines take two mutexes in opposite orders, at the same moment.
package hang

import "sync"

var a, b sync.Mutex

func first(ready *sync.WaitGroup, start chan struct{}) {
	a.Lock()
	ready.Done()
	<-start
	b.Lock() // a then b
	b.Unlock()
	a.Unlock()
}

func second(ready *sync.WaitGroup, start chan struct{}) {
	b.Lock()
	ready.Done()
	<-start
	a.Lock() // b then a
	a.Unlock()
	b.Unlock()
}

func run() {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(2)
	done.Add(2)
	go func() { defer done.Done(); first(&ready, start) }()
	go func() { defer done.Done(); second(&ready, start) }()
	ready.Wait()
	close(start)
	done.Wait()
}
