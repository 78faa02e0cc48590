// Package lostwakeup is a deadlock kernel (communication deadlock: condition variable).
//
// Signal comes before Wait, and Wait is not guarded by a condition: the
// wake-up is lost.
package lostwakeup

import "sync"

type Latch struct {
	mu sync.Mutex
	c  *sync.Cond
}

func NewLatch() *Latch {
	l := &Latch{}
	l.c = sync.NewCond(&l.mu)
	return l
}

func (l *Latch) Open() { l.c.Signal() }

func (l *Latch) Wait() {
	l.mu.Lock()
	l.c.Wait() // no predicate: misses a Signal that came first
	l.mu.Unlock()
}
