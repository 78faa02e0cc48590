// Command wgsend waits for its workers before reading their results, while
// each worker waits to send its result.
package main

import (
	"sync"

	"example.com/frozen/internal/harness"
)

func collect(n int) []int {
	results := make(chan int)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- i * i
		}()
	}
	wg.Wait()
	close(results)
	var out []int
	for r := range results {
		out = append(out, r)
	}
	return out
}

func main() {
	go collect(3)
	harness.Wait()
}
