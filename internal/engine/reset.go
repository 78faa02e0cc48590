package engine

// Reset forgets what the engine has learned: lock classes by name, order
// graphs, validated chains and the findings already reported (and their
// counts), so that a test starts from a clean slate. Locks created before
// keep their classes.
// Goroutines and waits in progress are kept.
func Reset() {
	Enabled()
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
