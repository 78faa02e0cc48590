// Package article is a deadlock kernel (article: RwLock writer starvation).
//
// The article's writer starvation: a reader holds the read lock and blocks
// forever on a channel nobody sends on; the writer waits for it for good.
package article

import "sync"

type Config struct {
	mu      sync.RWMutex
	version int
}

func (c *Config) Watch(updates chan int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	<-updates // nobody ever sends: the read lock is never released
}

func (c *Config) Bump() {
	c.mu.Lock() // waits for the watcher for good
	c.version++
	c.mu.Unlock()
}

func run() {
	c := &Config{}
	started := make(chan struct{})
	go func() {
		updates := make(chan int)
		close(started)
		c.Watch(updates)
	}()
	<-started
	c.Bump()
}
