// Package c is a library whose functions block, or do not.
package c

import (
	"sync"
	"time"
)

type Queue struct {
	ch chan int
}

// Put may block: it sends on an unbuffered channel.
func (q *Queue) Put(v int) { q.put(v) }

func (q *Queue) put(v int) { q.ch <- v }

// TryPut never blocks.
func (q *Queue) TryPut(v int) bool {
	select {
	case q.ch <- v:
		return true
	default:
		return false
	}
}

// Backoff sleeps.
func Backoff(n int) { time.Sleep(time.Duration(n) * time.Millisecond) }

// Map runs f on every item in parallel and waits: bounded fork-join.
func Map(items []int, f func(int) int) []int {
	out := make([]int, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = f(it)
		}()
	}
	wg.Wait()
	return out
}

// Collect receives from a channel it made, fed by goroutines it started.
func Collect(n int) int {
	ch := make(chan int)
	for i := range n {
		go func() { ch <- i }()
	}
	sum := 0
	for range n {
		sum += <-ch
	}
	return sum
}
