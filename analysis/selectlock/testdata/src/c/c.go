// Package c is a library whose Updates takes the connection's lock.
package c

import "sync"

type Conn struct {
	mu      sync.Mutex
	updates chan int
}

func (c *Conn) Lock()   { c.mu.Lock() }
func (c *Conn) Unlock() { c.mu.Unlock() }

// Updates returns the channel of updates; it takes c.mu.
func (c *Conn) Updates() <-chan int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.updates
}
