// Package sendunderlock is a deadlock kernel (communication deadlock: channel & lock).
//
// A goroutine sends on an unbuffered channel while holding a lock; the
// receiver takes that lock before each receive. The interleaving that hangs
// is forced, so that the kernel hangs on every run.
package sendunderlock

import (
	"sync"
	"time"
)

type Hub struct {
	mu      sync.Mutex
	updates chan int
	count   int
}

func (h *Hub) Publish(v int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.count++
	h.updates <- v // with the lock held
}

func (h *Hub) consume(n int) {
	for i := 0; i < n; i++ {
		h.mu.Lock() // held by Publish, which waits for us
		_ = h.count
		h.mu.Unlock()
		<-h.updates
	}
}

func run() {
	h := &Hub{updates: make(chan int)}
	done := make(chan struct{})
	go func() { h.consume(2); close(done) }()
	time.Sleep(20 * time.Millisecond) // the consumer waits for its first update
	h.mu.Lock()
	go h.Publish(1) // first in line for the lock
	time.Sleep(20 * time.Millisecond)
	h.updates <- 0 // the consumer takes it, then queues for the lock
	time.Sleep(20 * time.Millisecond)
	h.mu.Unlock() // Publish takes it and sends; the consumer waits for it
	<-done
}
