// Command condouter waits on a condition while holding another mutex,
// which the goroutine that would signal it needs first.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

// Queue hands items from a producer to a consumer.
type Queue struct {
	admin sync.Mutex
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
}

func (q *Queue) take() int {
	q.admin.Lock()
	defer q.admin.Unlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v
}

func (q *Queue) put(v int) {
	time.Sleep(20 * time.Millisecond)
	q.admin.Lock()
	defer q.admin.Unlock()
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
	q.cond.Signal()
}

func main() {
	q := &Queue{}
	q.cond = sync.NewCond(&q.mu)
	go q.take()
	go q.put(1)
	harness.Wait()
}
