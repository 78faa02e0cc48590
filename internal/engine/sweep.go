package engine

import (
	"runtime"

	"github.com/gridlock-go/gridlock/internal/rt"
)

// The sweep of exited goroutines. A goroutine's state (G) is created at its
// first lock operation and would otherwise stay in the goroutine table
// until the table next grows (maintainGTable): a program that ran 100,000
// goroutines once would keep their states for ever. After every garbage
// collection, and whenever the table has gained sweepEvery goroutines (or as
// many as it holds) since
// the last sweep, the states of goroutines that have exited (rt.Exited),
// hold nothing and wait for nothing are dropped, as maintainGTable drops
// idle ones, and the table shrinks when it is mostly empty.

// sweepEvery is how many goroutine states may be created between sweeps,
// at least: a sweep scans the table, so it waits for as many creations as
// there are live goroutines.
const sweepEvery = 1 << 12

// minGTable is the goroutine table's initial and smallest size.
const minGTable = 1 << 10

// sweepToken is an object whose collection runs a sweep.
type sweepToken struct{ _ [32]byte }

// AfterGC, set by the mirror, runs after each garbage collection, after
// the sweep of the goroutine table: the mirror sweeps the homes of its
// locks whose values are garbage.
var AfterGC func()

// armSweep makes the next garbage collection sweep the goroutine table and
// run AfterGC. A sweep arms the next one before it begins: a collection
// that completes while it runs (a sweep of 100,000 goroutines and their
// locks takes a while on a loaded machine) is followed by another sweep,
// instead of going unseen until the one after it.
func armSweep() {
	runtime.AddCleanup(new(sweepToken), func(struct{}) {
		armSweep()
		sweepExited()
		nextEpoch()
		if AfterGC != nil {
			AfterGC()
		}
		sweepTables()
	}, struct{}{})
}

// sweepExited drops the states of goroutines that have exited.
func sweepExited() {
	if e.state.Load() != stateOn {
		return
	}
	e.gmu.Lock()
	defer e.gmu.Unlock()
	sweepLocked(e.gtab.Load())
}

// sweepLocked drops the states of exited goroutines from t, and replaces
// the table with a smaller one if it is mostly empty. Called with e.gmu
// held; it returns the table in use.
func sweepLocked(t *gtable) *gtable {
	t.created = 0
	if t.live == 0 {
		return t
	}
	dropped := 0
	e.wmu.Lock()
	for i := range t.slots {
		s := &t.slots[i]
		k := s.key.Load()
		if k == 0 || k == tombstone {
			continue
		}
		g := s.g.Load()
		if g == nil || g.wait != nil || !rt.Exited(g.rg, k) || !freeable(g) {
			continue
		}
		t.drop(s, g)
		dropped++
	}
	e.wmu.Unlock()
	if dropped == 0 {
		return t
	}
	e.stats.Reclaimed.Add(int64(dropped))
	size := len(t.slots)
	for size > minGTable && t.live+1 <= size/8 {
		size /= 2
	}
	if size == len(t.slots) && t.used-t.live <= size/4 {
		return t
	}
	nt := newGTable(size)
	for i := range t.slots {
		s := &t.slots[i]
		if k := s.key.Load(); k != 0 && k != tombstone {
			nt.insert(s.g.Load())
		}
	}
	nt.created = 0
	e.gtab.Store(nt)
	return nt
}

// freeable reports whether the state of an exited goroutine g can be
// dropped: it holds nothing, or only locks that other goroutines have
// released since, and no semaphore permits. A goroutine that exited
// holding a lock keeps its state: the lock-leak it left is reported from
// it.
//
//go:norace
func freeable(g *G) bool {
	for _, p := range g.semas {
		if p.Holding(g.id) > 0 {
			return false
		}
	}
	return g.n == 0 || g.remote.Load() && len(g.heldSnapshot()) == 0
}
