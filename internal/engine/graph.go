package engine

import (
	"cmp"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// Bounds of each order graph.
const (
	maxNodes = 1 << 16
	maxEdges = 1 << 18
)

// orderGraph is a lock-order graph: nodes are lock classes (or, in the
// instance graph, lock instances of a class that nests with itself); an
// edge A→B says B was taken while A was held. Guarded by Engine.mu.
type orderGraph struct {
	nodes    map[uint64]*gnode
	index    map[uint64]*gedge // every edge, by edgeIndexKey of its ends (chained by next)
	edges    int
	search   uint32 // the last path search (see gnode.seen)
	maxNodes int
	maxEdges int
}

// nodeInfo is what a finding shows of a node. It is copied from the class
// so that the graph never keeps a lock alive.
type nodeInfo struct {
	id uint64
	// of is what the node's label is made of, formatted when a finding
	// needs it, not for every node (most never appear in one).
	of     nodeLabel
	name   string
	kind   waitgraph.ResourceKind
	level  int
	site   uintptr
	writer *atomic.Bool
}

// A nodeLabel is what the label of a class or lock is made of, without a
// pointer to either: the graph must not keep a lock that is garbage alive.
type nodeLabel struct {
	name string // a class's name, if any
	decl *decl  // a declaration class's
	kind waitgraph.ResourceKind
	id   uint64
	addr uintptr
	lock bool // an instance's label: with its address or id
}

// label returns the name findings use for the node (see Class.label and
// Lock.label).
func (n nodeInfo) label() string {
	o := n.of
	switch {
	case o.lock && o.decl != nil:
		return o.decl.instLabel(o.addr)
	case o.lock && o.name != "":
		return fmt.Sprintf("%s#%d", o.name, o.id)
	case o.lock:
		return fmt.Sprintf("%s#%d", o.kind, o.id)
	case o.name != "":
		return o.name
	case o.decl != nil:
		return o.decl.label
	}
	return fmt.Sprintf("%s#%d", o.kind, o.id)
}

type gnode struct {
	info nodeInfo
	// seen and via are path's marks: the search that last reached the
	// node, and the edge it came by.
	seen uint32
	via  *gedge
	out  []*gedge // edges from the node, each at its index oi
	in   []*gedge // edges into it, each at its index ii
}

type gedge struct {
	from, to *gnode
	oi, ii   int32     // indices in from.out and to.in
	next     *gedge    // the next edge of the index with the same edgeIndexKey
	g        uint64    // goroutine that first showed the order
	fromPC   uintptr   // where from was taken
	stack    []uintptr // where to was taken while from was held
	// fromInst and toInst are the lock instances that first showed the
	// order, named from their nodes' classes when a finding needs it.
	fromInst, toInst instRef
	fromMode         Mode
	toMode           Mode
}

// An instRef is what a lock instance's label adds to its class's: see
// nodeInfo.instLabel.
type instRef struct {
	id   uint64
	addr uintptr
}

func (l *Lock) ref() instRef { return instRef{l.id, l.addr} }

// instLabel returns the label of the instance r of the node's class, as
// Lock.label makes it.
func (n nodeInfo) instLabel(r instRef) string {
	o := n.of
	o.lock, o.id, o.addr = true, r.id, r.addr
	return nodeInfo{of: o}.label()
}

// edgeIndexKey is the index's key for the edge from→to: exact while ids fit in
// 32 bits, and shared by edges whose ids differ above (gedge.next).
func edgeIndexKey(from, to uint64) uint64 { return from<<32 ^ to }

// A noder is what a node stands for, a class or a lock: its id, and its
// info, asked for only when the node is made.
type noder interface {
	nodeID() uint64
	fill(*nodeInfo) // sets what it stands for, as info returns it
}

func (c *Class) nodeID() uint64      { return c.id }
func (l *Lock) nodeID() uint64       { return l.id }
func (n nodeInfo) nodeID() uint64    { return n.id }
func (n nodeInfo) fill(to *nodeInfo) { *to = n }

func (c *Class) fill(to *nodeInfo) {
	c.fillClass(to)
	to.id, to.kind, to.site = c.id, c.kind, c.site
	to.of.kind, to.of.id = c.kind, c.id
}

func (l *Lock) fill(to *nodeInfo) {
	l.class.fillClass(to)
	to.id, to.kind, to.site = l.id, l.kind, l.site
	to.of.kind, to.of.id, to.of.addr, to.of.lock = l.kind, l.id, l.addr, true
}

// fillClass sets what a node of c, or of one of its locks, takes from c.
func (c *Class) fillClass(to *nodeInfo) {
	to.name = c.name
	if to.name == "" && c.decl != nil {
		to.name = c.decl.label // see className
	}
	to.level, to.writer = c.level, c.writer
	to.of.name, to.of.decl = c.name, c.decl
}

func newOrderGraph(maxN, maxE int) *orderGraph {
	return &orderGraph{nodes: make(map[uint64]*gnode), index: make(map[uint64]*gedge), maxNodes: maxN, maxEdges: maxE}
}

func (og *orderGraph) node(src noder) *gnode {
	if n := og.nodes[src.nodeID()]; n != nil {
		return n
	}
	return og.newNode(src)
}

//go:noinline
func (og *orderGraph) newNode(src noder) *gnode {
	if len(og.nodes) >= og.maxNodes {
		e.stats.DroppedNodes.Add(1)
		return nil
	}
	n := new(gnode)
	src.fill(&n.info)
	og.nodes[n.info.id] = n
	return n
}

func (og *orderGraph) has(from, to uint64) bool {
	for ed := og.index[edgeIndexKey(from, to)]; ed != nil; ed = ed.next {
		if ed.from.info.id == from && ed.to.info.id == to {
			return true
		}
	}
	return false
}

// add adds the edge from→to unless present: c's goroutine took c.l while
// it held h (their classes, in the class graph). It returns the
// new edge, to be completed with its stack, and the cycle it closes, as
// its edges in order starting with the new one, or nil.
func (og *orderGraph) add(from, to noder, c *chainCheck, h *held) (added *gedge, cycle []*gedge) {
	if og.has(from.nodeID(), to.nodeID()) {
		return nil, nil
	}
	if og.edges >= og.maxEdges {
		e.stats.DroppedEdges.Add(1)
		return nil, nil
	}
	a, b := og.node(from), og.node(to)
	if a == nil || b == nil {
		return nil, nil
	}
	var path []*gedge
	if len(b.out) > 0 && len(a.in) > 0 {
		path = og.path(b, a)
	}
	ne := &gedge{from: a, to: b, oi: int32(len(a.out)), ii: int32(len(b.in))}
	if c != nil {
		ne.g, ne.toMode, ne.toInst = c.g.id, c.m, c.l.ref()
	}
	if h != nil {
		ne.fromPC, ne.fromMode, ne.fromInst = h.pc, h.mode, h.lock.ref()
	}
	a.out = append(a.out, ne)
	b.in = append(b.in, ne)
	k := edgeIndexKey(a.info.id, b.info.id)
	ne.next = og.index[k]
	og.index[k] = ne
	og.edges++
	if path == nil {
		return ne, nil
	}
	return ne, append([]*gedge{ne}, path...)
}

// path returns the edges of a shortest path from a to b, or nil.
//
//go:noinline
func (og *orderGraph) path(a, b *gnode) []*gedge {
	if a == b {
		return nil
	}
	og.search++
	a.seen, a.via = og.search, nil
	queue := []*gnode{a}
	var next []*gedge
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		// Visit successors in id order so that reports are deterministic.
		next = append(next[:0], n.out...)
		slices.SortFunc(next, func(x, y *gedge) int { return cmp.Compare(x.to.info.id, y.to.info.id) })
		for _, ed := range next {
			if ed.to.seen == og.search {
				continue
			}
			ed.to.seen, ed.to.via = og.search, ed
			if ed.to == b {
				var p []*gedge
				for m := b; m != a; m = m.via.from {
					p = append(p, m.via)
				}
				slices.Reverse(p)
				return p
			}
			queue = append(queue, ed.to)
		}
	}
	return nil
}

// remove drops node id and its edges.
func (og *orderGraph) remove(id uint64) {
	n := og.nodes[id]
	if n == nil {
		return
	}
	for len(n.out) > 0 {
		og.unlink(n.out[len(n.out)-1])
	}
	for len(n.in) > 0 {
		og.unlink(n.in[len(n.in)-1])
	}
	delete(og.nodes, id)
}

// unlink drops edge ed from its ends' lists and the index.
func (og *orderGraph) unlink(ed *gedge) {
	a, b := ed.from, ed.to
	last := a.out[len(a.out)-1]
	a.out[ed.oi], last.oi = last, ed.oi
	a.out[len(a.out)-1] = nil
	a.out = a.out[:len(a.out)-1]
	last = b.in[len(b.in)-1]
	b.in[ed.ii], last.ii = last, ed.ii
	b.in[len(b.in)-1] = nil
	b.in = b.in[:len(b.in)-1]
	k := edgeIndexKey(a.info.id, b.info.id)
	if p := og.index[k]; p == ed {
		if ed.next == nil {
			delete(og.index, k)
		} else {
			og.index[k] = ed.next
		}
	} else {
		for p.next != ed {
			p = p.next
		}
		p.next = ed.next
	}
	og.edges--
}
