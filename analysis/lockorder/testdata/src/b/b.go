// Package b closes a cycle with an edge seen in package c: facts.
package b

import "c"

func Sync(d *c.Disk, cc *c.Cache) {
	d.Flush()
	// Holding Disk.mu through a helper is not possible from here, so
	// use a lock of our own that sits between them.
	syncWith(d, cc)
}

func syncWith(d *c.Disk, cc *c.Cache) {
	diskLock(d)
	defer diskUnlock(d)
	cc.Touch() // want `lock-order-inversion: 2 locks taken in a cycle: c.Cache.mu taken while c.Disk.mu held \(here, in b.syncWith at b.go:16 via \(\*c.Cache\).Touch\); c.Disk.mu taken while c.Cache.mu held \(\(\*c.Cache\).Evict at c.go:\d+ via \(\*c.Disk\).Flush\)`
}

func diskLock(d *c.Disk)   { c.LockDisk(d) }
func diskUnlock(d *c.Disk) { c.UnlockDisk(d) }
