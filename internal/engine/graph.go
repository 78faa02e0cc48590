package engine

import (
	"fmt"
	"maps"
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
	edges    int
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
	out  map[uint64]*gedge
	in   map[uint64]bool
}

type gedge struct {
	from, to *gnode
	g        uint64    // goroutine that first showed the order
	fromPC   uintptr   // where from was taken
	stack    []uintptr // where to was taken while from was held
	// fromLock and toLock name the lock instances that first showed the
	// order.
	fromLock, toLock string
	fromMode         Mode
	toMode           Mode
}

func newOrderGraph(maxN, maxE int) *orderGraph {
	return &orderGraph{nodes: make(map[uint64]*gnode), maxNodes: maxN, maxEdges: maxE}
}

func (og *orderGraph) node(info nodeInfo) *gnode {
	if n := og.nodes[info.id]; n != nil {
		return n
	}
	if len(og.nodes) >= og.maxNodes {
		e.stats.DroppedNodes.Add(1)
		return nil
	}
	n := &gnode{info: info, out: make(map[uint64]*gedge), in: make(map[uint64]bool)}
	og.nodes[info.id] = n
	return n
}

func (og *orderGraph) has(from, to uint64) bool {
	n := og.nodes[from]
	return n != nil && n.out[to] != nil
}

// add adds the edge from→to unless present, and returns the cycle the new
// edge closes, as its edges in order starting with the new one, or nil.
// fill, called only if the edge is new, completes it with its stack and
// lock names.
func (og *orderGraph) add(from, to nodeInfo, ed gedge, fill func(*gedge)) (cycle []*gedge, added bool) {
	if og.has(from.id, to.id) {
		return nil, false
	}
	if og.edges >= og.maxEdges {
		e.stats.DroppedEdges.Add(1)
		return nil, false
	}
	a, b := og.node(from), og.node(to)
	if a == nil || b == nil {
		return nil, false
	}
	path := og.path(b, a)
	ed.from, ed.to = a, b
	fill(&ed)
	ne := &ed
	a.out[b.info.id] = ne
	b.in[a.info.id] = true
	og.edges++
	if path == nil {
		return nil, true
	}
	return append([]*gedge{ne}, path...), true
}

// path returns the edges of a shortest path from a to b, or nil.
func (og *orderGraph) path(a, b *gnode) []*gedge {
	if a == b {
		return nil
	}
	via := map[*gnode]*gedge{a: nil}
	queue := []*gnode{a}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		// Visit successors in id order so that reports are deterministic.
		for _, id := range slices.Sorted(maps.Keys(n.out)) {
			ed := n.out[id]
			if _, ok := via[ed.to]; ok {
				continue
			}
			via[ed.to] = ed
			if ed.to == b {
				var p []*gedge
				for m := b; m != a; m = via[m].from {
					p = append(p, via[m])
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
	for to := range n.out {
		if m := og.nodes[to]; m != nil {
			delete(m.in, id)
		}
		og.edges--
	}
	for from := range n.in {
		if m := og.nodes[from]; m != nil {
			delete(m.out, id)
			og.edges--
		}
	}
	delete(og.nodes, id)
}
