// Package signalone is a deadlock kernel (communication deadlock: condition variable).
//
// Two waiters, and Signal where Broadcast was needed: one waiter stays
// asleep for good.
package signalone

import "sync"

type Gate struct {
	mu   sync.Mutex
	c    *sync.Cond
	open bool
}

func (g *Gate) Pass() {
	g.mu.Lock()
	for !g.open {
		g.c.Wait()
	}
	g.mu.Unlock()
}

func (g *Gate) Open() {
	g.mu.Lock()
	g.open = true
	g.mu.Unlock()
	g.c.Signal() // wakes one waiter: should be Broadcast
}
