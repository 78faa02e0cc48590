// Command busy is healthy: its workers merely contend for a lock.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

var (
	mu    sync.Mutex
	count int
)

func work() {
	for {
		mu.Lock()
		count++
		time.Sleep(time.Millisecond)
		mu.Unlock()
	}
}

func main() {
	for range 8 {
		go work()
	}
	harness.Wait()
}
