// Command pool is healthy: its workers wait on an empty job channel that a
// producer fills from time to time, and report on a results channel.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

type job struct{ n int }

func worker(jobs <-chan job, results chan<- int, wg *sync.WaitGroup) {
	defer wg.Done()
	for j := range jobs {
		results <- j.n * j.n
	}
}

func produce(jobs chan<- job) {
	for i := 0; ; i++ {
		time.Sleep(time.Hour)
		jobs <- job{i}
	}
}

func main() {
	jobs := make(chan job)
	results := make(chan int, 16)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go worker(jobs, results, &wg)
	}
	go produce(jobs)
	go func() {
		wg.Wait()
		close(results)
	}()
	go func() {
		for range results {
		}
	}()
	harness.Wait()
}
