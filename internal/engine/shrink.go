package engine

import (
	"runtime"
	"sync/atomic"
)

// Tables that grow with a burst and must give their memory back after it.
// A Go map never shrinks: deleting its entries leaves its buckets in place,
// so a registry that once held 100,000 waits keeps their room for ever. A
// table whose entries have fallen to a quarter of its high-water mark is
// rebuilt at its present size after a collection (sweepTables), which
// costs a pass over what it holds, no more than the deletions that emptied
// it did.

// minShrink is the high-water mark below which a table is left as is.
const minShrink = 1 << 10

// mapPeak is the high-water mark of a map's entries since it was made.
type mapPeak struct{ n int }

// note records that the map holds n entries.
func (p *mapPeak) note(n int) {
	if n > p.n {
		p.n = n
	}
}

// due reports whether a map of n entries is to be rebuilt, and if so
// records n as its new mark.
func (p *mapPeak) due(n int) bool {
	if p.n < minShrink || n > p.n/4 {
		return false
	}
	p.n = n
	return true
}

// rebuilt returns a copy of m made for its present size.
func rebuilt[K comparable, V any](m map[K]V) map[K]V {
	nm := make(map[K]V, len(m))
	for k, v := range m {
		nm[k] = v
	}
	return nm
}

// forgotten counts the records the mirror's sweeps forgot since the chain
// caches were last rebuilt (see Forgotten).
var forgotten atomic.Int64

// Forgotten tells the engine that the mirror's sweep forgot n records of
// locks that are garbage whose chains may be their own (Lock.OwnChains).
// Their classes' chains stay in the chain caches, which grew to hold
// them: once such records forgotten outnumber half the chains cached, the
// caches are rebuilt at their initial size after the collection
// (sweepTables), and the chains still in use are validated again at their
// next use: at most two validations per record forgotten, each of which
// made a chain when its lock was new. Records of a declaration class's
// locks, which share their class's chains, are not counted: a lock per
// request does not empty the cache.
func Forgotten(n int) { forgotten.Add(int64(n)) }

// sweepTables rebuilds the registries and caches that a burst left mostly
// empty; the engine runs it after each collection, after the sweeps.
func sweepTables() {
	dropLiveness()
	func() {
		defer guard()
		e.wmu.Lock()
		defer e.wmu.Unlock()
		if e.waitPeak.due(len(e.waiters)) {
			e.waiters = rebuilt(e.waiters)
		}
		if e.byResPeak.due(len(e.byRes)) {
			e.byRes = rebuilt(e.byRes)
		}
		if e.heldByPeak.due(len(e.heldBy)) {
			e.heldBy = rebuilt(e.heldBy)
		}
	}()
	f := forgotten.Load()
	if f == 0 {
		return
	}
	defer guard()
	e.mu.Lock()
	defer e.mu.Unlock()
	shrunk := false
	for _, c := range []*cache{&e.chains, &e.pairs} {
		t := c.t.Load()
		if len(t.keys) > c.min && int64(t.n) <= 2*f {
			c.shrink()
			shrunk = true
		}
	}
	if shrunk {
		forgotten.Add(-f)
	}
}

// dropLiveness drops the last dump of the goroutines (liveness) once half
// of them or more have exited: it is a set as large as the goroutines
// were, and the next one, made when needed, costs as little as there are
// goroutines left.
func dropLiveness() {
	if !liveness.mu.TryLock() {
		return // being dumped
	}
	defer liveness.mu.Unlock()
	if len(liveness.ids) >= minShrink && runtime.NumGoroutine()*2 <= len(liveness.ids) {
		liveness.ids, liveness.max = nil, 0
	}
}
