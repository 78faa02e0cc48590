package a

import "sync"

type Cache struct {
	mu    sync.Mutex
	rw    sync.RWMutex
	items map[string]int
}

// Caught.

func (c *Cache) Twice() {
	c.mu.Lock()
	c.mu.Lock() // want `recursive-lock: locking c.mu again while it is already locked`
	c.mu.Unlock()
	c.mu.Unlock()
}

func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

func (c *Cache) size() int { return c.Len() }

func (c *Cache) Put(k string, v int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size() > 10 { // want `recursive-lock: call locks c.mu, already locked: \(\*a.Cache\).size → \(\*a.Cache\).Len → Lock at a.go:21`
		return
	}
	c.items[k] = v
}

func (c *Cache) Get(k string) int {
	c.rw.RLock()
	defer c.rw.RUnlock()
	return c.items[k]
}

func (c *Cache) GetTwo(a, b string) int {
	c.rw.RLock()
	defer c.rw.RUnlock()
	return c.items[a] + c.Get(b) // want `recursive-rlock: call read-locks c.rw, already read-locked: \(\*a.Cache\).Get → RLock at a.go:38`
}

func (c *Cache) Upgrade(k string) {
	c.rw.RLock()
	if _, ok := c.items[k]; !ok {
		c.rw.Lock() // want `recursive-lock: locking c.rw again while it is already read-locked`
		c.items[k] = 0
		c.rw.Unlock()
	}
	c.rw.RUnlock()
}

var global sync.Mutex

func lockGlobal() { global.Lock(); global.Unlock() }

func Global() {
	global.Lock()
	defer global.Unlock()
	lockGlobal() // want `call locks global, already locked: a.lockGlobal → Lock at a.go:\d+`
}

// Silent.

func (c *Cache) PutFixed(k string, v int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sizeLocked() > 10 {
		return
	}
	c.items[k] = v
}

func (c *Cache) sizeLocked() int { return len(c.items) }

func (c *Cache) Sequential() {
	c.mu.Lock()
	c.items = nil
	c.mu.Unlock()
	c.mu.Lock()
	c.items = map[string]int{}
	c.mu.Unlock()
}

// Two caches of the same class: not the same lock.
func Merge(dst, src *Cache) {
	dst.mu.Lock()
	defer dst.mu.Unlock()
	_ = src.Len()
}

func (c *Cache) Try() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.TryLock() {
		panic("impossible")
	}
}

func (c *Cache) Loop(keys []string) {
	for _, k := range keys {
		c.mu.Lock()
		c.items[k]++
		c.mu.Unlock()
	}
}

// refresh locks c.mu only when asked to.
func (c *Cache) refresh(lock bool) {
	if lock {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	c.items = map[string]int{}
}

func (c *Cache) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refresh(false)
}

// reloadAndUnlock is called with c.mu held; it releases it, then takes it
// again to publish.
func (c *Cache) reloadAndUnlock() {
	c.mu.Unlock()
	items := map[string]int{}
	c.mu.Lock()
	c.items = items
	c.mu.Unlock()
}

func (c *Cache) Reload() {
	c.mu.Lock()
	c.reloadAndUnlock()
}
