// Package waitinworker is a deadlock kernel (communication deadlock: channel & WaitGroup).
//
// A worker waits on the WaitGroup it is itself counted in.
package waitinworker

import "sync"

func run() {
	var wg sync.WaitGroup
	wg.Add(2)
	for i := 0; i < 2; i++ {
		go func(i int) {
			defer wg.Done()
			if i == 0 {
				wg.Wait() // waits for itself
			}
		}(i)
	}
	wg.Wait()
}
