// Package ordered is a deadlock kernel (correct: fixed AB-BA).
//
// The fixed transfer: both locks are taken in one global order, by id,
// whichever way the money goes.
package ordered

import "sync"

type Conn struct {
	ID      int
	mu      sync.Mutex
	balance int
}

func Transfer(from, to *Conn, n int) {
	first, second := from, to
	if second.ID < first.ID {
		first, second = second, first
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	second.mu.Lock()
	defer second.mu.Unlock()
	from.balance -= n
	to.balance += n
}
