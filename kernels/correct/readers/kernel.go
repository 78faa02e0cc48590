// Package readers is a deadlock kernel (correct: many readers and a writer).
//
// Readers and writers of an RWMutex, each taking it once, never nested.
package readers

import "sync"

type Config struct {
	mu sync.RWMutex
	kv map[string]int
}

func (c *Config) Get(k string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.kv[k]
}

func (c *Config) Set(k string, v int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kv[k] = v
}
