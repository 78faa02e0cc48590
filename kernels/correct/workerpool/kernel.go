// Package workerpool is a deadlock kernel (correct: a worker pool).
//
// A fixed pool of workers reads jobs from a channel closed by the
// producer; results are collected after a WaitGroup, closed by a helper
// goroutine.
package workerpool

import "sync"

func Pool(jobs []int, workers int) int {
	in := make(chan int)
	out := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range in {
				out <- j * 2
			}
		}()
	}
	go func() {
		for _, j := range jobs {
			in <- j
		}
		close(in)
	}()
	go func() { wg.Wait(); close(out) }()
	sum := 0
	for r := range out {
		sum += r
	}
	return sum
}
