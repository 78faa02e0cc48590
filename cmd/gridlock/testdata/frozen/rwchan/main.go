// Command rwchan read-locks across a channel receive; a writer queues, and
// the sender's own read lock waits behind the writer.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

// Config is watched for updates.
type Config struct {
	mu      sync.RWMutex
	values  map[string]string
	updates chan string
}

func (c *Config) watch() {
	c.mu.RLock()
	defer c.mu.RUnlock()
	k := <-c.updates
	_ = c.values[k]
}

func (c *Config) set(k, v string) {
	time.Sleep(40 * time.Millisecond)
	c.mu.Lock()
	c.values[k] = v
	c.mu.Unlock()
}

func (c *Config) announce(k string) {
	time.Sleep(100 * time.Millisecond)
	c.mu.RLock()
	_, ok := c.values[k]
	c.mu.RUnlock()
	if !ok {
		c.updates <- k
	}
}

func main() {
	c := &Config{values: map[string]string{}, updates: make(chan string)}
	go c.watch()
	go c.set("a", "1")
	go c.announce("a")
	harness.Wait()
}
