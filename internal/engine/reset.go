package engine

import "runtime"

// Reset forgets what the engine has learned: lock classes by name, order
// graphs, validated chains and the findings already reported (and their
// counts), so that a test starts from a clean slate. Locks created before
// keep their classes.
// Goroutines and waits in progress are kept. It collects garbage and
// sweeps the mirror's homes first: a lock of the new test made at the
// address of a freed one from an earlier test must not find its record
// (it would be told stale only at its first new chain, whose orders would
// then be lost).
func Reset() {
	Enabled()
	runtime.GC()
	nextEpoch() // records made from now on are of the epoch that began
	if AfterGC != nil {
		AfterGC()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.classes = make(map[string]*Class)
	e.siteClasses = make(map[string]*Class)
	e.sitePCs = make(map[siteKey]*Class)
	e.chains.reset()
	e.pairs.reset()
	e.classGraph = newOrderGraph(maxNodes, maxEdges)
	e.instGraph = newOrderGraph(maxNodes, maxEdges)
	e.pending = nil
	e.soloEdges = make(map[edgeKey]int)
	e.soloN.Store(0)
	e.soloOnly.Store(0)
	e.seen = make(map[uint64]bool)
	delivered.reset()
	resetFindingLog()
}
