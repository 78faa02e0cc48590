// Package hang is a deadlock kernel (resource deadlock: RWR).
//
// A reader read-locks again while a writer waits in between: the second
// RLock waits for the writer, which waits for the first.
package hang

import "sync"

var mu sync.RWMutex

func read(inner chan struct{}, writerWaiting chan struct{}) {
	mu.RLock()
	close(inner)
	<-writerWaiting
	mu.RLock() // blocked behind the waiting writer
	mu.RUnlock()
	mu.RUnlock()
}

func run() {
	inner, waiting := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() { read(inner, waiting); close(done) }()
	<-inner
	go func() {
		close(waiting)
		mu.Lock() // waits for the reader
		mu.Unlock()
	}()
	<-done
}
