// Package waitbeforeread is a deadlock kernel (communication deadlock: channel & WaitGroup).
//
// The collector waits for the workers before reading their results; the
// workers wait for it to read (unbuffered).
package waitbeforeread

import "sync"

func Collect(n int) []int {
	results := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results <- i * i // waits for the collector
		}(i)
	}
	wg.Wait() // waits for the workers, before reading
	close(results)
	var out []int
	for r := range results {
		out = append(out, r)
	}
	return out
}
