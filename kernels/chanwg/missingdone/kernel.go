// Package missingdone is a deadlock kernel (communication deadlock: channel & WaitGroup).
//
// One path of the worker returns without calling Done; Wait blocks for
// good.
package missingdone

import "sync"

func process(items []int) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for _, it := range items {
		wg.Add(1)
		go func(it int) {
			if it < 0 {
				return // forgot wg.Done()
			}
			mu.Lock()
			total += it
			mu.Unlock()
			wg.Done()
		}(it)
	}
	wg.Wait()
	return total
}
