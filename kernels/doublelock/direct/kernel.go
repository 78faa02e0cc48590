// Package direct is a deadlock kernel (resource deadlock: double locking).
//
// Cache.Get locks the cache and, on a miss, calls Cache.load, which locks
// it again (Docker-style).
package direct

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
	return c.load(k)
}

func (c *Cache) load(k string) int {
	c.mu.Lock() // locked again: Go locks are not re-entrant
	defer c.mu.Unlock()
	c.m[k] = len(k)
	return c.m[k]
}
