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

// sweepExited drops the states of goroutines that have exited. It looks
// for them without the goroutine table's lock, and takes the lock only to
// drop what it found: goroutines that create their states meanwhile (each
// holding the lock it has just taken, see Note) do not wait for a scan of
// the whole table.
func sweepExited() {
	if e.state.Load() != stateOn {
		return
	}
	cands := exitedSlots(e.gtab.Load())
	e.gmu.Lock()
	defer e.gmu.Unlock()
	t := e.gtab.Load()
	t.created = 0
	if len(cands) > 0 {
		dropExited(t, cands)
	}
}

// An exitedSlot is a slot of the goroutine table whose goroutine was seen
// exited and freeable, by exitedSlots.
type exitedSlot struct {
	i int
	g *G
}

// exitedSlots returns the slots of t whose goroutines have exited and
// hold nothing, from atomic loads of the slots (and the norace reads of
// freeable): dropExited checks them again.
func exitedSlots(t *gtable) []exitedSlot {
	var out []exitedSlot
	for i := range t.slots {
		s := &t.slots[i]
		k := s.key.Load()
		if k == 0 || k == tombstone {
			continue
		}
		// The G's own id, not k: the slot may have changed between the
		// two loads.
		if g := s.g.Load(); g != nil && rt.Exited(g.rg, g.id) && freeable(g) {
			out = append(out, exitedSlot{i, g})
		}
	}
	return out
}

// dropExited drops from t the goroutines of cands still in their slots and
// still freeable, and replaces the table with a smaller one if it is
// mostly empty. Called with e.gmu held; it returns the table in use.
func dropExited(t *gtable, cands []exitedSlot) *gtable {
	dropped := 0
	e.wmu.Lock()
	for _, c := range cands {
		if c.i >= len(t.slots) {
			continue // the table was replaced: its slots moved
		}
		s := &t.slots[c.i]
		if s.key.Load() != c.g.id || s.g.Load() != c.g || c.g.wait != nil || !freeable(c.g) {
			continue
		}
		t.drop(s, c.g)
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
