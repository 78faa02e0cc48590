// Command chansend sends on an unbuffered channel under the lock that the
// receiver takes before it receives.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

// Hub hands events to one consumer.
type Hub struct {
	mu     sync.Mutex
	events chan int
	seen   int
}

func (h *Hub) publish(v int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events <- v
}

func (h *Hub) consume() {
	time.Sleep(20 * time.Millisecond)
	for {
		h.mu.Lock()
		h.seen++
		h.mu.Unlock()
		<-h.events
	}
}

func main() {
	h := &Hub{events: make(chan int)}
	go h.publish(1)
	go h.consume()
	harness.Wait()
}
