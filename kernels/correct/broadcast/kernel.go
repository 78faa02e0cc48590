// Package broadcast is a deadlock kernel (correct: broadcast by close).
//
// Many goroutines wait on one channel; closing it releases them all at
// once.
package broadcast

import "sync"

func Fanout(n int) int {
	start := make(chan struct{})
	var mu sync.Mutex
	var wg sync.WaitGroup
	count := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			mu.Lock()
			count++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return count
}
