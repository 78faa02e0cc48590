// Package deferloop is a deadlock kernel (resource deadlock: double locking).
//
// defer inside a loop: the Unlock runs when the function returns, so the
// second iteration locks a held mutex.
package deferloop

import "sync"

type Table struct {
	mu   sync.Mutex
	rows []int
}

func (t *Table) AddAll(vs []int) {
	for _, v := range vs {
		t.mu.Lock()
		defer t.mu.Unlock() // runs at return, not at the end of the iteration
		t.rows = append(t.rows, v)
	}
}
