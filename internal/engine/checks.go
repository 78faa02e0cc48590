package engine

import (
	"container/heap"
	"sync"
	"time"
)

// The re-checks of detached waits (see Wait.detach) run on one goroutine,
// from a queue ordered by when each is due, and not each from a timer of
// its own: a timer's function runs on a goroutine started when it fires,
// and thousands of waits that began together (goroutines started
// together, contending) fire together, faster than a loaded processor runs
// them; the runtime allocates a goroutine for each it has no free one
// for, and keeps them for ever. The goroutine of the queue exits when the
// queue is empty. A wait that ends leaves the queue at once, with its
// record.

// checkQueue is the queue of re-checks.
type checkQueue struct {
	mu sync.Mutex
	h  checkHeap
	// wake tells the running goroutine that a re-check due before those
	// it sleeps for was queued.
	wake    chan struct{}
	running bool // a goroutine runs the queue
}

var checks = checkQueue{wake: make(chan struct{}, 1)}

// schedule queues c's next re-check d from now, unless its wait has ended.
func (q *checkQueue) schedule(c *checker, d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if c.stopped {
		return
	}
	c.at = time.Now().Add(d)
	if c.index >= 0 {
		heap.Fix(&q.h, c.index)
	} else {
		heap.Push(&q.h, c)
	}
	switch {
	case !q.running:
		q.running = true
		go q.run()
	case q.h[0] == c:
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

// remove takes c out of the queue for good: its wait has ended.
func (q *checkQueue) remove(c *checker) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c.stopped = true
	if c.index >= 0 {
		heap.Remove(&q.h, c.index)
	}
}

// run runs the re-checks as they fall due, until none is queued.
func (q *checkQueue) run() {
	t := time.NewTimer(maxCheck)
	defer t.Stop()
	for {
		q.mu.Lock()
		if len(q.h) == 0 {
			q.h = nil // the room of a burst of waits
			q.running = false
			q.mu.Unlock()
			return
		}
		c := q.h[0]
		if d := time.Until(c.at); d > 0 {
			q.mu.Unlock()
			t.Reset(d)
			select {
			case <-t.C:
			case <-q.wake:
			}
			continue
		}
		heap.Pop(&q.h)
		q.mu.Unlock()
		c.tick()
	}
}

// checkHeap is a heap of checkers by when they are due.
type checkHeap []*checker

func (h checkHeap) Len() int           { return len(h) }
func (h checkHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h checkHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *checkHeap) Push(x any) {
	c := x.(*checker)
	c.index = len(*h)
	*h = append(*h, c)
}

func (h *checkHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	c.index = -1
	return c
}
