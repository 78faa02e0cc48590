package engine

import (
	"container/heap"
	"sync"
	"time"
)

// The re-checks of detached waits (see Wait.detach) run one after another
// from a queue ordered by when each is due, and not each from a timer of
// its own: a timer's function runs on a goroutine started when it fires,
// and thousands of waits that began together (goroutines started
// together, contending) fire together, faster than a loaded processor runs
// them; the runtime allocates a goroutine for each it has no free one
// for, and keeps them for ever. The queue has one timer, for its first
// re-check, whose goroutine runs the re-checks due and exits: no goroutine
// of the engine stays parked, which would keep a frozen program from
// being seen frozen (internal/stuck). A wait that ends leaves the queue
// at once, with its record.

// checkQueue is the queue of re-checks.
type checkQueue struct {
	mu      sync.Mutex
	h       checkHeap
	t       *time.Timer // runs the queue when its first re-check is due
	running bool        // a goroutine runs the queue
}

var checks checkQueue

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
	if !q.running && q.h[0] == c {
		q.arm(d)
	}
}

// arm sets the queue's timer to d from now. Called with q.mu held.
func (q *checkQueue) arm(d time.Duration) {
	if q.t == nil {
		q.t = time.AfterFunc(d, q.run)
	} else {
		q.t.Reset(d)
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

// run runs the re-checks due, then arms the timer for the next.
func (q *checkQueue) run() {
	q.mu.Lock()
	if q.running {
		q.mu.Unlock()
		return
	}
	q.running = true
	for {
		if len(q.h) == 0 {
			q.h = nil // the room of a burst of waits
			break
		}
		c := q.h[0]
		if d := time.Until(c.at); d > 0 {
			q.arm(d)
			break
		}
		heap.Pop(&q.h)
		q.mu.Unlock()
		c.tick()
		q.mu.Lock()
	}
	q.running = false
	q.mu.Unlock()
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
