// Command locals takes two mutexes local to main in opposite orders, in
// function literals.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

func main() {
	var a, b sync.Mutex
	go func() {
		a.Lock()
		time.Sleep(20 * time.Millisecond)
		b.Lock()
	}()
	go func() {
		b.Lock()
		time.Sleep(20 * time.Millisecond)
		a.Lock()
	}()
	harness.Wait()
}
