// Package nohang is a deadlock kernel (resource deadlock: RWR).
//
// A recursive read lock with no writer in this run: it deadlocks as soon
// as a writer waits in between.
package nohang

import "sync"

type Config struct {
	mu sync.RWMutex
	kv map[string]string
}

func (c *Config) Get(k string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.kv[k]
}

func (c *Config) GetAll(keys ...string) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []string
	for _, k := range keys {
		out = append(out, c.Get(k)) // RLock again
	}
	return out
}
