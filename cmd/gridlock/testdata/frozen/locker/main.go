// Command locker takes its locks through a sync.Locker interface and a
// method value, in opposite orders.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

var (
	cacheMu sync.Mutex
	diskMu  sync.RWMutex
)

func withBoth(first, second sync.Locker) {
	first.Lock()
	time.Sleep(30 * time.Millisecond)
	second.Lock()
	second.Unlock()
	first.Unlock()
}

func evict() {
	lock, unlock := diskMu.Lock, diskMu.Unlock
	lock()
	time.Sleep(30 * time.Millisecond)
	cacheMu.Lock()
	cacheMu.Unlock()
	unlock()
}

func main() {
	go withBoth(&cacheMu, &diskMu)
	go evict()
	harness.Wait()
}
