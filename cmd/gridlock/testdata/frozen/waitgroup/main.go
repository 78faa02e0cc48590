// Command waitgroup waits for its workers while holding the lock they need.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

// Cache is filled by workers.
type Cache struct {
	mu    sync.Mutex
	items map[int]int
}

func (c *Cache) fill(wg *sync.WaitGroup, i int) {
	defer wg.Done()
	time.Sleep(20 * time.Millisecond)
	c.mu.Lock()
	c.items[i] = i * i
	c.mu.Unlock()
}

func (c *Cache) refresh() {
	c.mu.Lock()
	defer c.mu.Unlock()
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go c.fill(&wg, i)
	}
	wg.Wait()
}

func main() {
	c := &Cache{items: map[int]int{}}
	go c.refresh()
	harness.Wait()
}
