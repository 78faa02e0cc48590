// Package sendunderlock is a deadlock kernel (communication deadlock: channel & lock).
//
// A goroutine sends on an unbuffered channel while holding a lock; the
// receiver takes that lock before each receive.
package sendunderlock

import "sync"

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
	go func() { h.consume(1); close(done) }()
	h.mu.Lock()
	go h.Publish(1)
	h.mu.Unlock()
	<-done
}
