// Package lockedvariant is a deadlock kernel (correct: fixed double locking).
//
// The fixed cache: the lock is taken once, and the helper that needs it
// held says so in its name.
package lockedvariant

import "sync"

type Cache struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *Cache) Get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[k]; ok {
		return v
	}
	return c.loadLocked(k)
}

// loadLocked must be called with c.mu held.
func (c *Cache) loadLocked(k string) int {
	c.m[k] = len(k)
	return c.m[k]
}
