// Package deferdone is a deadlock kernel (correct: Done on every path).
//
// The fixed worker group: defer wg.Done() right after the goroutine
// starts, so early returns count too.
package deferdone

import "sync"

func Process(items []int) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for _, it := range items {
		wg.Add(1)
		go func(it int) {
			defer wg.Done()
			if it < 0 {
				return
			}
			mu.Lock()
			total += it
			mu.Unlock()
		}(it)
	}
	wg.Wait()
	return total
}
