// Package semaphore is a deadlock kernel (correct: a channel semaphore, one permit per task).
//
// A buffered channel bounds concurrency; each task takes exactly one
// permit and gives it back.
package semaphore

import "sync"

func Limited(n, limit int) int {
	sem := make(chan struct{}, limit)
	var mu sync.Mutex
	var wg sync.WaitGroup
	done := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			mu.Lock()
			done++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return done
}
