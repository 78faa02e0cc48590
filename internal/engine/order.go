package engine

import (
	"fmt"
	"hash/maphash"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func (c *Class) info() nodeInfo {
	return nodeInfo{id: c.id, of: nodeLabel{name: c.name, decl: c.decl, kind: c.kind, id: c.id}, name: c.className(), kind: c.kind, level: c.level, site: c.site, writer: c.writer}
}

func (l *Lock) info() nodeInfo {
	return nodeInfo{id: l.id, of: nodeLabel{name: l.class.name, decl: l.class.decl, kind: l.kind, id: l.id, addr: l.addr, lock: true}, name: l.class.className(), kind: l.kind, level: l.class.level, site: l.site, writer: l.class.writer}
}

// validate checks a chain of classes seen for the first time: an order edge
// from every held class to the new one, each checked for a cycle, and the
// hierarchy levels. It records the chain in the cache, then makes the
// checks its flags call for (checkFlags).
//
// validate and what it calls keep small frames: it runs on the stack of
// the goroutine that takes the lock, which is 2 KB for a goroutine that has
// done little else, and a deeper path would make every such goroutine's
// stack grow (a copy, and twice the memory) the first time it nests locks.
// Whatever builds a finding is called outside the path to the graph's
// insertions.
func validate(g *G, l *Lock, m Mode, pc uintptr, key uint64) {
	// The graph may keep what it learns: no held record is a spare now.
	g.pinHeld()
	var flags uint32
	if !staleChain(g, l) {
		// The stack, captured before e.mu is taken: an allocation under
		// it may park the goroutine (to assist the collector) while every
		// other new chain waits.
		c := chainCheck{g: g, l: l, m: m, stack: callers(3)}
		flags = c.run(key)
		if c.fs != nil {
			deliver(c.fs)
		}
	}
	checkFlags(g, l, m, pc, flags)
}

// checkFlags makes the checks that the flags of the chain ending with l
// call for.
func checkFlags(g *G, l *Lock, m Mode, pc uintptr, flags uint32) {
	if flags&sameClass != 0 {
		checkInstances(g, l, m, pc)
	}
	if flags&watched != 0 {
		checkWatchedChain(g, l, m)
	}
}

// A chainCheck is validate's work on one acquisition: goroutine g takes l
// in mode m. It collects the findings, and the acquisition's stack when
// one of them or a new edge needs it.
type chainCheck struct {
	g     *G
	l     *Lock
	m     Mode
	fs    []*report.Finding
	stack []uintptr
}

// staleChain reports whether a lock of g's chain to l is a record of a lock
// that is garbage, found by a new lock at its address: it would add orders
// between classes that are not this lock's. The record is forgotten, and
// nothing is learnt from this chain.
//
//go:noinline
func staleChain(g *G, l *Lock) bool {
	if dropStale(l) {
		return true
	}
	for i := range g.n {
		if h := g.at(i); h.lock != nil && dropStale(h.lock) {
			return true
		}
	}
	return false
}

// unlockGuard unlocks e.mu and recovers an internal error as guard does.
func unlockGuard() {
	e.mu.Unlock()
	if r := recover(); r != nil {
		disable("%v at %s", r, panicSite())
	}
}

// run is validate's work, under e.mu. It returns the chain's flags.
func (c *chainCheck) run(key uint64) (flags uint32) {
	e.mu.Lock()
	defer unlockGuard()
	g, nc := c.g, c.l.class
	nc.chained = true
	for i := range g.n {
		h := g.at(i)
		if h.lock == c.l || h.lock == nil || h.lent() {
			continue // recursion is reported by Before; see G.lend
		}
		hc := h.lock.class
		hc.chained = true
		switch {
		case hc == nc:
			flags |= sameClass
			nc.instances.Store(true)
			if hc.level != 0 && !hc.nestable {
				c.levelFinding(h)
			}
		case hc.level != 0 && nc.level != 0 && nc.level <= hc.level:
			c.levelFinding(h)
		default:
			// The graph's insertion is called from here, not from a
			// function of its own: one frame less on the deepest path.
			added, cycle := e.classGraph.add(hc, nc, c, h)
			if added != nil || cycle != nil || len(e.soloEdges) > 0 {
				c.newEdge(h, added, cycle)
			}
		}
	}
	return finishChain(c, key, flags)
}

// finishChain records the chain key in the cache with its flags, and
// returns them.
//
//go:noinline
func finishChain(c *chainCheck, key uint64, flags uint32) uint32 {
	if watchedChain(c.g, c.l) {
		flags |= watched
	}
	if !e.chains.put(key, flags) {
		e.stats.DroppedChains.Add(1)
	}
	return flags
}

// newEdge completes the edge added from h's class to c.l's, if any, and
// reports the cycle it closes, or the watched order the acquisition
// follows. Called with e.mu held.
//
//go:noinline
func (c *chainCheck) newEdge(h *held, added *gedge, cycle []*gedge) {
	hc, nc := h.lock.class, c.l.class
	if added != nil {
		added.stack = c.stackOnce()
		watchClass(hc, h.lock)
		watchClass(nc, c.l)
	} else if len(e.soloEdges) > 0 {
		c.contributed(h)
	}
	if cycle != nil {
		c.cycleFound(cycle)
	}
}

//go:noinline
func (c *chainCheck) cycleFound(cycle []*gedge) {
	c.fs = appendNew(c.fs, cycleFinding(c.g, cycle, false))
}

//go:noinline
func (c *chainCheck) contributed(h *held) {
	k := edgeKey{h.lock.class.id, c.l.class.id, false}
	if e.soloEdges[k] > 0 {
		c.fs = append(c.fs, e.contributed(c.g, h, c.l, c.m, k, c.stackOnce)...)
	}
}

// levelFinding reports c.l taken under h against their declared levels.
//
//go:noinline
func (c *chainCheck) levelFinding(h *held) {
	c.fs = appendNew(c.fs, hierarchyFinding(c.g, h, c.l, c.m, c.stackOnce()))
}

// stackOnce returns the stack of the acquisition, capturing it the first
// time: the edges and findings it makes share it.
func (c *chainCheck) stackOnce() []uintptr {
	if c.stack == nil {
		c.stack = callers(4)
	}
	return c.stack
}

// checkInstances orders l after every held instance of its own class: the
// classes are the same, so only the instances can show an inversion.
func checkInstances(g *G, l *Lock, m Mode, pc uintptr) {
	for i := range g.n {
		h := g.at(i)
		if h.lock == l || h.lock == nil || h.lent() || h.lock.class != l.class {
			continue
		}
		k := pairKey(h.lock.id, l.id)
		if v, ok := e.pairs.get(k); ok {
			if v&watched != 0 && e.soloN.Load() > 0 {
				checkWatched(g, h, l, m, edgeKey{h.lock.id, l.id, true})
			}
			continue
		}
		// The pair's order must outlive the epoch (see Epoch): l is the
		// lock the caller operates on, the held one is anchored at its
		// next use.
		l.anchor(rt.PointerAt(l.addr))
		h.lock.anchorLater()
		var fs []*report.Finding
		func() {
			defer guard()
			e.mu.Lock()
			defer e.mu.Unlock()
			added, cycle := e.instGraph.add(h.lock, l, &chainCheck{g: g, l: l, m: m}, h)
			if added != nil {
				added.stack = callers(6)
				watchLock(h.lock)
				watchLock(l)
			}
			if cycle != nil {
				fs = appendNew(fs, cycleFinding(g, cycle, true))
			}
			var v uint32
			if e.soloEdges[edgeKey{h.lock.id, l.id, true}] > 0 {
				v = watched
			}
			if !e.pairs.put(k, v) {
				e.stats.DroppedChains.Add(1)
			}
		}()
		deliver(fs)
	}
}

// watchClass arranges for the node of an instance's own class to go away
// with the lock. Named classes live as long as the program.
func watchClass(c *Class, l *Lock) {
	if c.singleton {
		watchLock(l)
	}
}

func watchLock(l *Lock) {
	if l.graphed.Swap(true) || l.homed() {
		return // a home's record is forgotten with its home (Forget)
	}
	e.cleanups++
	runtime.AddCleanup(l, forget, l.id)
}

// Forget removes from the order graphs the nodes of records whose homes
// the mirror dropped (see SetHome): their locks are garbage, or another
// record will stand for them. A record kept outside its lock leaves the
// graphs with its home, a collection earlier than a cleanup on the record
// would, and without the cost of one.
func Forget(ls []*Lock) {
	defer guard()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, l := range ls {
		if l.graphed.Load() {
			e.classGraph.remove(l.id)
			e.instGraph.remove(l.id)
		}
	}
}

// Graphed reports whether l has a node in an order graph.
func (l *Lock) Graphed() bool { return l.graphed.Load() }

// forget removes a garbage lock from the order graphs.
func forget(id uint64) {
	defer guard()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.classGraph.remove(id)
	e.instGraph.remove(id)
}

// firstWriter is called when a class is taken for writing the first time:
// read-only cycles through it may now deadlock.
func firstWriter(c *Class) {
	if c.writer.Swap(true) {
		return
	}
	var fs []*report.Finding
	func() {
		defer guard()
		e.mu.Lock()
		defer e.mu.Unlock()
		kept := e.pending[:0]
		for _, p := range e.pending {
			if p.solo == 0 && allWriters(p.writers) {
				fs = append(fs, p.f)
			} else {
				kept = append(kept, p)
			}
		}
		e.pending = kept
	}()
	deliver(fs)
}

// pendingCycle is a cycle of order edges held back: until every class in
// it has had a writer (a cycle of read locks alone cannot deadlock), and
// while one goroutine alone showed all its orders, since one goroutine
// cannot deadlock with itself (a callback serializer taking A then B in one
// callback, B then A in another).
type pendingCycle struct {
	f       *report.Finding
	writers []*atomic.Bool
	// solo is the goroutine that showed every order of the cycle, 0 once
	// another goroutine showed one.
	solo  uint64
	edges []edgeKey
}

func allWriters(ws []*atomic.Bool) bool {
	for _, w := range ws {
		if !w.Load() {
			return false
		}
	}
	return true
}

var seed = maphash.MakeSeed()

// once reports whether a finding with this key is new, and remembers it.
// The caller holds e.mu.
func once(kind report.Kind, parts ...uint64) bool {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(string(kind))
	for _, p := range parts {
		var b [8]byte
		for i := range b {
			b[i] = byte(p >> (8 * i))
		}
		h.Write(b[:])
	}
	k := h.Sum64()
	if e.seen[k] {
		return false
	}
	if len(e.seen) >= 1<<16 {
		return false
	}
	e.seen[k] = true
	return true
}

// onceKey is once for a string key.
func onceKey(kind report.Kind, key string) bool {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(key)
	return once(kind, h.Sum64())
}

func appendNew(fs []*report.Finding, f *report.Finding) []*report.Finding {
	if f == nil {
		return fs
	}
	return append(fs, f)
}

func resourceOf(n nodeInfo) *waitgraph.Resource {
	return &waitgraph.Resource{ID: n.label(), Kind: n.kind, Name: n.name, Level: n.level, Site: frameOf(n.site), Exact: true}
}

// cycleFinding builds the lock-order-inversion finding for a cycle of
// order edges, once per set of nodes. A cycle of read acquisitions only is
// held back until every class in it has had a writer. The caller holds e.mu.
func cycleFinding(g *G, cycle []*gedge, instances bool) *report.Finding {
	ids := make([]uint64, len(cycle))
	for i, ed := range cycle {
		ids[i] = ed.from.info.id
	}
	slices.Sort(ids)
	if !once(report.LockOrderInversion, ids...) {
		return nil
	}
	f := &report.Finding{Kind: report.LockOrderInversion, Source: "runtime"}
	var names []string
	var writers []*atomic.Bool
	seenG := map[uint64]bool{}
	for _, ed := range cycle {
		f.Resources = append(f.Resources, resourceOf(ed.from.info))
		names = append(names, ed.from.info.label())
		writers = append(writers, ed.from.info.writer)
		o := waitgraph.Order{
			From:      ed.from.info.label(),
			To:        ed.to.info.label(),
			Goroutine: int64(ed.g),
			FromStack: site(ed.fromPC),
			Stack:     symbolize(ed.stack),
		}
		if !instances {
			o.FromLock, o.ToLock = ed.from.info.instLabel(ed.fromInst), ed.to.info.instLabel(ed.toInst)
		}
		f.Orders = append(f.Orders, o)
		f.Positions = append(f.Positions, o.Stack.Top().Pos())
		if !seenG[ed.g] {
			seenG[ed.g] = true
			f.Goroutines = append(f.Goroutines, &waitgraph.Goroutine{ID: int64(ed.g)})
		}
	}
	names = append(names, names[0])
	scope := "locks"
	if instances {
		scope = "locks of one class"
	}
	f.Summary = fmt.Sprintf("%s taken in a cyclic order: %s", scope, strings.Join(names, " → "))
	f.Hint = report.LockOrderInversion.Info().Hint
	p := pendingCycle{f: f, writers: writers}
	if len(seenG) == 1 && !isClient() {
		p.solo = g.id
		for _, ed := range cycle {
			p.edges = append(p.edges, edgeKey{ed.from.info.id, ed.to.info.id, instances})
		}
		watchSolo(g.id, p.edges)
	}
	if p.solo != 0 || !allWriters(writers) {
		e.pending = append(e.pending, p)
		return nil
	}
	return f
}

// hierarchyFinding reports taking l while holding h, whose level is not
// lower. The caller holds e.mu.
func hierarchyFinding(g *G, h *held, l *Lock, m Mode, stack []uintptr) *report.Finding {
	hc, nc := h.lock.class, l.class
	if !once(report.HierarchyViolation, hc.id, nc.id, uint64(h.pc), uint64(len(stack))) {
		return nil
	}
	held, taking := resourceOf(hc.info()), resourceOf(nc.info())
	if hc == nc {
		held, taking = resourceOf(h.lock.info()), resourceOf(l.info())
	}
	now := symbolize(stack)
	f := &report.Finding{Kind: report.HierarchyViolation, Source: "runtime"}
	f.Resources = []*waitgraph.Resource{held, taking}
	f.Goroutines = []*waitgraph.Goroutine{{
		ID:    int64(g.id),
		Holds: []waitgraph.Hold{{Resource: held.ID, Mode: mode(h.mode), Stack: site(h.pc)}},
		Stack: now,
	}}
	f.Orders = []waitgraph.Order{{From: held.ID, To: taking.ID, Goroutine: int64(g.id), FromStack: site(h.pc), Stack: now}}
	f.Positions = []string{now.Top().Pos(), site(h.pc).Top().Pos()}
	if hc == nc {
		f.Summary = fmt.Sprintf("%s (level %d) taken while holding %s of the same level; declare the class nestable if instances are ordered", taking.ID, nc.level, held.ID)
	} else {
		f.Summary = fmt.Sprintf("%s (level %d) taken while holding %s (level %d)", taking.ID, nc.level, held.ID, hc.level)
	}
	f.Hint = report.HierarchyViolation.Info().Hint
	return f
}

func mode(m Mode) waitgraph.Mode {
	if m == Read {
		return waitgraph.RLock
	}
	return waitgraph.Lock
}

// recursive reports g taking l in mode m while it holds l in mode heldMode.
// Locking a held lock, or read-locking a write-held one, hangs for sure; a
// second read lock hangs as soon as a writer waits in between.
func recursive(g *G, l *Lock, m Mode, pc uintptr, heldMode Mode) {
	kind := report.RecursiveLock
	if m == Read && heldMode == Read {
		kind = report.RecursiveRLock
	} else {
		g.recursiveOn = l
	}
	var f *report.Finding
	func() {
		defer guard()
		h := g.find(l)
		var hpc uintptr
		if h != nil {
			hpc = h.pc
		}
		e.mu.Lock()
		fresh := once(kind, l.class.id, uint64(pc), uint64(hpc))
		e.mu.Unlock()
		if !fresh {
			return
		}
		now := symbolize(callers(3))
		r := resourceOf(l.info())
		f = &report.Finding{Kind: kind, Source: "runtime"}
		f.Resources = []*waitgraph.Resource{r}
		f.Goroutines = []*waitgraph.Goroutine{{
			ID:    int64(g.id),
			Holds: []waitgraph.Hold{{Resource: r.ID, Mode: mode(heldMode), Stack: site(hpc)}},
			Wait:  &waitgraph.WaitFor{Resource: r.ID, Mode: mode(m), Stack: now},
			Stack: now,
		}}
		f.Positions = []string{now.Top().Pos(), site(hpc).Top().Pos()}
		if kind == report.RecursiveRLock {
			f.Summary = fmt.Sprintf("goroutine %d read-locks %s, which it already read-holds; a writer waiting in between deadlocks it", g.id, r.ID)
		} else {
			f.Summary = fmt.Sprintf("goroutine %d locks %s, which it already holds: it will wait for itself forever", g.id, r.ID)
		}
		f.Hint = kind.Info().Hint
	}()
	if f != nil {
		deliver([]*report.Finding{f})
	}
}

// dropStale reports whether l is stale, and if so has the mirror forget
// it. An unknown record (see Epoch) that a goroutine holds is kept: its
// lock may well be live, and its holder still uses it.
func dropStale(l *Lock) bool {
	switch l.liveness() {
	case recAlive:
		return false
	case recUnknown:
		if l.ownerOf() != nil {
			return true
		}
	}
	if DropStale != nil {
		DropStale(l.addr, l)
	}
	return true
}
