// Package c is a library with lock helpers.
package c

import "sync"

type Table struct {
	mu   sync.Mutex
	rows []string
}

func (t *Table) Lock()    { t.mu.Lock() }
func (t *Table) Unlock()  { t.mu.Unlock() }
func (t *Table) Len() int { return len(t.rows) }
