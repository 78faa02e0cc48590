// Package otherlock is a deadlock kernel (communication deadlock: condition variable).
//
// The waiter holds a second lock across Cond.Wait; the signaller needs
// that lock before it can signal.
package otherlock

import "sync"

type Queue struct {
	mu    sync.Mutex
	c     *sync.Cond
	items []int
	stats sync.Mutex
}

func (q *Queue) Take() int {
	q.stats.Lock() // held across the Wait below
	defer q.stats.Unlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.c.Wait() // releases mu, not stats
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v
}

func (q *Queue) Put(v int) {
	q.stats.Lock() // held by Take
	q.stats.Unlock()
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
	q.c.Signal()
}
