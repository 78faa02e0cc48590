// Batch is a batch processor that waits for its workers while holding the
// lock that guards the results — the lock each worker needs to store its
// result. The workers wait for the lock, the processor waits for the
// workers: a deadlock between a WaitGroup and a Mutex. gridlock reports
// it, saying which workers owe the WaitGroup a Done and why it thinks so
// (they were started by WaitGroup.Go).
//
// The fix (-fixed) releases the lock before waiting.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/sync"
)

// Processor processes batches of items.
type Processor struct {
	mu      sync.Mutex // guards results
	results map[int]int
}

// Process runs one worker per item and waits for them, holding the lock:
// the bug.
func (p *Processor) Process(items []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Go(func() {
			v := it * it
			p.mu.Lock() // store the result
			p.results[it] = v
			p.mu.Unlock()
		})
	}
	wg.Wait() // waits for workers that wait for p.mu
}

// ProcessFixed waits for the workers without holding the lock.
func (p *Processor) ProcessFixed(items []int) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Go(func() {
			v := it * it
			p.mu.Lock()
			p.results[it] = v
			p.mu.Unlock()
		})
	}
	wg.Wait()
}

func run(fixed bool, timeout time.Duration) bool {
	p := &Processor{results: map[int]int{}}
	done := make(chan bool)
	gridlock.Go("batch", func() {
		for batch := range 10 {
			items := []int{batch * 3, batch*3 + 1, batch*3 + 2}
			if fixed {
				p.ProcessFixed(items)
			} else {
				p.Process(items)
			}
		}
		close(done)
	})
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

func main() {
	fixed := flag.Bool("fixed", false, "run the fixed version")
	flag.Parse()
	if !run(*fixed, 3*time.Second) {
		fmt.Println("the batch processor is stuck, as reported above")
		os.Exit(1)
	}
	fmt.Println("processed 10 batches")
}
