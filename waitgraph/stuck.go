package waitgraph

import (
	"slices"
)

// Group is a set of goroutines blocked for good: nothing outside the set can
// release any of them.
type Group struct {
	// Goroutines lists the members, in increasing id order.
	Goroutines []int64
	// Cycle is a circular wait among the members: each goroutine waits for
	// something only the next one can give, and the last for the first. It
	// is empty when the group is stuck without a circular wait (a partial
	// deadlock: for instance a receive on a channel no live goroutine can
	// send on).
	Cycle []int64
}

// Needs describes what a blocked goroutine needs to be released.
type Needs struct {
	// Known is false when the releasers cannot be enumerated; such a
	// goroutine is never called stuck.
	Known bool
	// All reports AND semantics: every releaser must act. Otherwise any one
	// releaser suffices (OR).
	All bool
	// By lists the goroutines that can release the waiter.
	By []int64
	// Quorum, if positive, is how many of By must act (k of n); it
	// overrides All.
	Quorum int
	// NoneNeeded reports that the wait needs nobody (a lock with no
	// conflicting holder): the goroutine is about to run.
	NoneNeeded bool
	// CycleOnly reports that the releasers are known only in part: the
	// goroutine is stuck only on a circular wait.
	CycleOnly bool
}

// Needs returns what goroutine gr needs to be released from its wait.
func (g *Graph) Needs(gr *Goroutine) Needs {
	return g.index().needs(gr)
}

// index holds what Needs looks up, computed once per decision.
type index struct {
	g       *Graph
	res     map[string]*Resource
	holders map[string][]holder
	writers map[string][]int64 // goroutines waiting to write-lock each resource
}

type holder struct {
	id   int64
	mode Mode
}

func (g *Graph) index() *index {
	ix := &index{g: g, res: make(map[string]*Resource, len(g.Resources)), holders: make(map[string][]holder), writers: make(map[string][]int64)}
	for _, r := range g.Resources {
		ix.res[r.ID] = r
	}
	for _, gr := range g.Goroutines {
		for _, h := range gr.Holds {
			ix.holders[h.Resource] = append(ix.holders[h.Resource], holder{gr.ID, h.Mode})
		}
		if w := gr.Wait; w != nil && w.Mode == Lock && !w.Cancelable {
			ix.writers[w.Resource] = append(ix.writers[w.Resource], gr.ID)
		}
	}
	return ix
}

func (ix *index) needs(gr *Goroutine) Needs {
	if gr.Wait == nil || gr.Wait.Cancelable {
		return Needs{}
	}
	r := ix.res[gr.Wait.Resource]
	if r == nil {
		return Needs{}
	}
	var n Needs
	var seen map[int64]bool // only for long lists
	add := func(id int64) {
		if len(n.By) < 16 {
			if slices.Contains(n.By, id) {
				return
			}
		} else {
			if seen == nil {
				seen = make(map[int64]bool, 2*len(n.By))
				for _, b := range n.By {
					seen[b] = true
				}
			}
			if seen[id] {
				return
			}
			seen[id] = true
		}
		n.By = append(n.By, id)
	}
	switch {
	case (gr.Wait.Mode == Lock || gr.Wait.Mode == RLock) && (r.Kind == Mutex || r.Kind == RWMutex):
		// A Lock waiter needs every holder; an RLock waiter needs every
		// write holder and, because a waiting writer blocks new readers,
		// every goroutine waiting to write.
		n.Known, n.All = r.Exact, true
		for _, h := range ix.holders[r.ID] {
			if gr.Wait.Mode == Lock || h.mode == Lock {
				add(h.id)
			}
		}
		if gr.Wait.Mode == RLock {
			for _, id := range ix.writers[r.ID] {
				if id != gr.ID {
					add(id)
				}
			}
		}
		n.NoneNeeded = len(n.By) == 0
	default:
		n.Known = r.Exact
		n.CycleOnly = r.Partial
		for _, rel := range r.Releasers {
			if rel.Needed {
				n.All = true
			}
		}
		for _, rel := range r.Releasers {
			if !n.All || rel.Needed {
				add(rel.Goroutine)
			}
		}
		if !n.All {
			// Holders of a semaphore release permits too.
			for _, h := range ix.holders[r.ID] {
				add(h.id)
			}
		}
		if r.Quorum > 0 {
			n.Quorum = r.Quorum
		}
	}
	return n
}

// Stuck returns the groups of goroutines that are blocked for good. It is
// the greatest fixed point of "blocked, and not releasable by a goroutine
// outside the set", computed by propagating freedom: runnable goroutines,
// and goroutines blocked on something the graph cannot see through (an
// unknown resource, a cancelable wait), are free; a waiter is free once any
// of its releasers is free (OR) or all of them are (AND). What is never
// freed is stuck. It runs in time linear in the size of the graph.
func (g *Graph) Stuck() []Group {
	ix := g.index()
	// Dense indices: goroutine i is g.Goroutines[i].
	pos := make(map[int64]int32, len(g.Goroutines))
	for i, gr := range g.Goroutines {
		pos[gr.ID] = int32(i)
	}
	n := len(g.Goroutines)
	needs := make([]Needs, n)
	blocked := make([]bool, n)
	free := make([]bool, n)
	remaining := make([]int32, n) // releasers that must still become free; -1: never
	var depFrom, depTo []int32    // dependency edges releaser → waiter
	var work []int32
	for i, gr := range g.Goroutines {
		nd := ix.needs(gr)
		if !nd.Known || nd.NoneNeeded {
			free[i] = true
			work = append(work, int32(i))
			continue
		}
		needs[i], blocked[i] = nd, true
		count := int32(0)
		for _, by := range nd.By {
			j, ok := pos[by]
			if !ok || j == int32(i) {
				continue // gone, or itself: never frees it
			}
			depFrom, depTo = append(depFrom, j), append(depTo, int32(i))
			count++
		}
		switch {
		case nd.Quorum > 0:
			// k of n: freed once k releasers are free.
			remaining[i] = int32(nd.Quorum)
			if count < remaining[i] {
				remaining[i] = -1
			}
		case nd.All:
			remaining[i] = count
			if int(count) != len(nd.By) || count == 0 {
				remaining[i] = -1
			}
		default:
			remaining[i] = 1
		}
	}
	// Group dependency edges by releaser.
	start := make([]int32, n+1)
	for _, f := range depFrom {
		start[f+1]++
	}
	for i := range n {
		start[i+1] += start[i]
	}
	deps := make([]int32, len(depTo))
	fill := slices.Clone(start[:n])
	for k, f := range depFrom {
		deps[fill[f]] = depTo[k]
		fill[f]++
	}
	// propagate frees whoever the goroutines in work release, in turn.
	propagate := func(work []int32) {
		for len(work) > 0 {
			i := work[len(work)-1]
			work = work[:len(work)-1]
			for _, d := range deps[start[i]:start[i+1]] {
				if free[d] || remaining[d] < 0 {
					continue
				}
				remaining[d]--
				if remaining[d] > 0 {
					continue
				}
				free[d] = true
				work = append(work, d)
			}
		}
	}
	propagate(work)
	// A goroutine whose releasers are known only in part is stuck only on
	// a circular wait: free those off every cycle, and what they free in
	// turn, until none is left.
	for {
		var off []int32
		for i := range g.Goroutines {
			if blocked[i] && !free[i] && needs[i].CycleOnly && !onCycle(int32(i), needs, pos, blocked, free) {
				off = append(off, int32(i))
			}
		}
		if len(off) == 0 {
			break
		}
		for _, i := range off {
			free[i] = true
		}
		propagate(off)
	}
	in := make(map[int64]bool)
	for i, gr := range g.Goroutines {
		if blocked[i] && !free[i] {
			in[gr.ID] = true
		}
	}
	if len(in) == 0 {
		return nil
	}
	// Edges inside the stuck set: a goroutine to those of its releasers
	// that are stuck too.
	edges := make(map[int64][]int64)
	for i, gr := range g.Goroutines {
		id := gr.ID
		if !in[id] {
			continue
		}
		for _, by := range needs[i].By {
			// Waiting for oneself is a cycle only where it blocks (a lock
			// held by the waiter); one permit of one's own is no help.
			if in[by] && (by != id || needs[i].All || needs[i].Quorum > 0) {
				edges[id] = append(edges[id], by)
			}
		}
		slices.Sort(edges[id])
	}
	return groups(in, edges)
}

// onCycle reports whether goroutine i can reach itself through stuck
// releasers.
func onCycle(i int32, needs []Needs, pos map[int64]int32, blocked, free []bool) bool {
	seen := make(map[int32]bool)
	stack := []int32{i}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, by := range needs[n].By {
			j, ok := pos[by]
			if !ok || !blocked[j] || free[j] {
				continue
			}
			if j == i {
				return true
			}
			if !seen[j] {
				seen[j] = true
				stack = append(stack, j)
			}
		}
	}
	return false
}

// groups splits the stuck set into weakly connected components and finds a
// cycle in each.
func groups(in map[int64]bool, edges map[int64][]int64) []Group {
	undirected := make(map[int64][]int64)
	for from, tos := range edges {
		for _, to := range tos {
			undirected[from] = append(undirected[from], to)
			undirected[to] = append(undirected[to], from)
		}
	}
	ids := make([]int64, 0, len(in))
	for id := range in {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	seen := make(map[int64]bool)
	var out []Group
	for _, start := range ids {
		if seen[start] {
			continue
		}
		var members []int64
		stack := []int64{start}
		seen[start] = true
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			members = append(members, id)
			for _, o := range undirected[id] {
				if !seen[o] {
					seen[o] = true
					stack = append(stack, o)
				}
			}
		}
		slices.Sort(members)
		out = append(out, Group{Goroutines: members, Cycle: FindCycle(members, func(id int64) []int64 { return edges[id] })})
	}
	return out
}

// FindCycle returns a cycle in the directed graph given by the nodes and
// their successors, as the list of nodes on it starting from the smallest
// one reachable first, or nil if there is none. A node that is its own
// successor is a cycle of length one.
func FindCycle[N comparable](nodes []N, succ func(N) []N) []N {
	const (
		white = iota
		grey
		black
	)
	color := make(map[N]int)
	var path []N
	var found []N
	var visit func(N) bool
	visit = func(n N) bool {
		color[n] = grey
		path = append(path, n)
		for _, m := range succ(n) {
			switch color[m] {
			case grey:
				i := slices.Index(path, m)
				found = slices.Clone(path[i:])
				return true
			case white:
				if visit(m) {
					return true
				}
			}
		}
		path = path[:len(path)-1]
		color[n] = black
		return false
	}
	for _, n := range nodes {
		if color[n] == white && visit(n) {
			return found
		}
	}
	return nil
}
