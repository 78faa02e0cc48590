// Package rwrchan is a deadlock kernel (mixed: RWR and channel).
//
// A reader holds the read lock and waits for a helper; the helper's RLock
// queues behind a waiting writer, which waits for the reader.
package rwrchan

import (
	"sync"
	"time"
)

var mu sync.RWMutex

func run() {
	helperDone := make(chan struct{})
	mu.RLock()
	go func() {
		mu.Lock() // the writer waits for the reader
		mu.Unlock()
	}()
	time.Sleep(20 * time.Millisecond)
	go func() {
		mu.RLock() // queued behind the writer
		mu.RUnlock()
		close(helperDone)
	}()
	<-helperDone // the reader waits for the helper
	mu.RUnlock()
}
