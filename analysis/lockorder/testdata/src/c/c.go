// Package c is a library with two locks taken in one order.
package c

import "sync"

type Cache struct {
	mu   sync.Mutex
	disk *Disk
}

type Disk struct {
	mu sync.Mutex
}

func (d *Disk) Flush() {
	d.mu.Lock()
	defer d.mu.Unlock()
}

// Evict takes Cache.mu, then Disk.mu.
func (c *Cache) Evict() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.disk.Flush()
}

func (c *Cache) Touch() {
	c.mu.Lock()
	defer c.mu.Unlock()
}

// LockDisk and UnlockDisk are lock helpers.
func LockDisk(d *Disk)   { d.mu.Lock() }
func UnlockDisk(d *Disk) { d.mu.Unlock() }
