// Command closures sends, holding a mutex local to main, on a channel that
// its receiver reads only after taking the mutex: both captured by
// function literals.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

func main() {
	var mu sync.Mutex
	ready := make(chan int)
	go func() {
		mu.Lock()
		defer mu.Unlock()
		ready <- 1
	}()
	go func() {
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		mu.Unlock()
		<-ready
	}()
	harness.Wait()
}
