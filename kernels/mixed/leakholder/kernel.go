// Package leakholder is a deadlock kernel (mixed: lock held by a goroutine blocked for good).
//
// A goroutine takes a lock and then blocks forever on a channel nobody
// will send on; every later Lock waits for good.
package leakholder

import "sync"

type Conn struct {
	mu    sync.Mutex
	reply chan string
}

func (c *Conn) Call() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return <-c.reply // the reply never comes
}
