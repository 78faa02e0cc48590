// Command selectlock waits in a select with two channel cases while
// holding the lock that the only sender takes first.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

// Worker takes jobs until told to quit.
type Worker struct {
	mu   sync.Mutex
	busy bool
	jobs chan int
	quit chan struct{}
}

func (w *Worker) next() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.busy = false
	select {
	case j := <-w.jobs:
		w.busy = true
		return j
	case <-w.quit:
		return -1
	}
}

func (w *Worker) submit(j int) {
	time.Sleep(20 * time.Millisecond)
	w.mu.Lock()
	idle := !w.busy
	w.mu.Unlock()
	if idle {
		w.jobs <- j
	}
}

// Close stops the worker.
func (w *Worker) Close() { close(w.quit) }

func main() {
	w := &Worker{jobs: make(chan int), quit: make(chan struct{})}
	go w.next()
	go w.submit(1)
	harness.Wait()
	w.Close()
}
