// Package copythensend is a deadlock kernel (correct: unlock before sending).
//
// The fixed hub: copy what is needed under the lock, release it, then
// send.
package copythensend

import "sync"

type Hub struct {
	mu      sync.Mutex
	updates chan int
	count   int
}

func (h *Hub) Publish(v int) {
	h.mu.Lock()
	h.count++
	h.mu.Unlock()
	h.updates <- v // no lock held
}

func (h *Hub) Consume(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		h.mu.Lock()
		_ = h.count
		h.mu.Unlock()
		s += <-h.updates
	}
	return s
}
