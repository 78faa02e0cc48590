package engine

import (
	"math/bits"
	"sync/atomic"
)

// cache is a set of 64-bit keys with a small value each: lock-free lookups,
// inserts under Engine.mu. It is lockdep's chain-hash cache: a (held classes
// → new class) chain validated once is then one lookup.
type cache struct {
	t        atomic.Pointer[cacheTable]
	min, max int // slots
}

type cacheTable struct {
	keys []atomic.Uint64
	vals []atomic.Uint32
	mask uint64
	n    int
}

func (c *cache) init(size, max int) {
	c.min, c.max = size, max
	c.t.Store(&cacheTable{keys: make([]atomic.Uint64, size), vals: make([]atomic.Uint32, size), mask: uint64(size - 1)})
}

func slot(k uint64) uint64 { return (k ^ k>>29) * 0xBF58476D1CE4E5B9 >> 7 }

func (c *cache) get(k uint64) (uint32, bool) {
	t := c.t.Load()
	for i := slot(k) & t.mask; ; i = (i + 1) & t.mask {
		switch t.keys[i].Load() {
		case k:
			return t.vals[i].Load(), true
		case 0:
			return 0, false
		}
	}
}

// put inserts k with value v; the caller holds Engine.mu. It reports false
// if the cache is full.
func (c *cache) put(k uint64, v uint32) bool {
	t := c.t.Load()
	if (t.n+1)*2 > len(t.keys) {
		if len(t.keys)*2 > c.max {
			return false
		}
		nt := &cacheTable{keys: make([]atomic.Uint64, len(t.keys)*2), vals: make([]atomic.Uint32, len(t.keys)*2), mask: uint64(len(t.keys)*2 - 1)}
		for i := range t.keys {
			if kk := t.keys[i].Load(); kk != 0 {
				nt.insert(kk, t.vals[i].Load())
			}
		}
		c.t.Store(nt)
		t = nt
	}
	t.insert(k, v)
	return true
}

func (t *cacheTable) insert(k uint64, v uint32) {
	for i := slot(k) & t.mask; ; i = (i + 1) & t.mask {
		switch t.keys[i].Load() {
		case k:
			t.vals[i].Store(v)
			return
		case 0:
			t.vals[i].Store(v)
			t.keys[i].Store(k)
			t.n++
			return
		}
	}
}

// reset empties the cache; the caller holds Engine.mu.
func (c *cache) reset() {
	t := c.t.Load()
	c.t.Store(&cacheTable{keys: make([]atomic.Uint64, len(t.keys)), vals: make([]atomic.Uint32, len(t.keys)), mask: t.mask})
}

// shrink empties the cache and gives it its initial size; the caller
// holds Engine.mu.
func (c *cache) shrink() {
	c.t.Store(&cacheTable{keys: make([]atomic.Uint64, c.min), vals: make([]atomic.Uint32, c.min), mask: uint64(c.min - 1)})
}

// chainKey extends the chain key prev with a class id. It is never 0.
func chainKey(prev, id uint64) uint64 {
	k := bits.RotateLeft64(prev, 23) ^ (id * 0x9E3779B97F4A7C15)
	if k == 0 {
		k = 1
	}
	return k
}

// pairKey is the key of the ordered pair of lock instances (a, b).
func pairKey(a, b uint64) uint64 {
	return chainKey(chainKey(0x7F4A7C159E3779B9, a), b)
}
