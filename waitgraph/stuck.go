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
	// NoneNeeded reports that the wait needs nobody (a lock with no
	// conflicting holder): the goroutine is about to run.
	NoneNeeded bool
}

// Needs returns what goroutine gr needs to be released from its wait.
func (g *Graph) Needs(gr *Goroutine) Needs { return g.needs(gr, g.index()) }

// index holds the lookups that Needs and Stuck make, so that deciding a
// graph of n goroutines costs O(n + edges) rather than O(n²).
type index struct {
	res     map[string]*Resource
	holders map[string][]holder
	writers map[string][]*Goroutine // goroutines waiting to Lock, not cancelable
}

func (g *Graph) index() *index {
	ix := &index{
		res:     make(map[string]*Resource, len(g.Resources)),
		holders: make(map[string][]holder),
		writers: make(map[string][]*Goroutine),
	}
	for _, r := range g.Resources {
		if _, dup := ix.res[r.ID]; !dup {
			ix.res[r.ID] = r
		}
	}
	for _, gr := range g.Goroutines {
		for _, h := range gr.Holds {
			ix.holders[h.Resource] = append(ix.holders[h.Resource], holder{gr.ID, h.Mode})
		}
		if w := gr.Wait; w != nil && w.Mode == Lock && !w.Cancelable {
			ix.writers[w.Resource] = append(ix.writers[w.Resource], gr)
		}
	}
	return ix
}

func (g *Graph) needs(gr *Goroutine, ix *index) Needs {
	if gr.Wait == nil || gr.Wait.Cancelable {
		return Needs{}
	}
	r := ix.res[gr.Wait.Resource]
	if r == nil {
		return Needs{}
	}
	switch gr.Wait.Mode {
	case Lock, RLock:
		if (r.Kind == Mutex || r.Kind == RWMutex) && !r.HoldersUnknown {
			return lockNeeds(gr, r, ix)
		}
	}
	var n Needs
	n.Known = r.Exact
	anyNeeded := false
	for _, rel := range r.Releasers {
		if rel.Needed && !r.HoldersUnknown {
			anyNeeded = true
		}
	}
	n.All = anyNeeded
	for _, rel := range r.Releasers {
		if !anyNeeded || rel.Needed {
			n.By = append(n.By, rel.Goroutine)
		}
	}
	if !anyNeeded && !r.HoldersUnknown {
		// Holders of a semaphore release permits too.
		for _, h := range ix.holders[r.ID] {
			n.By = append(n.By, h.id)
		}
	}
	n.By = dedupe(n.By)
	return n
}

type holder struct {
	id   int64
	mode Mode
}

// lockNeeds: a Lock waiter needs every holder; an RLock waiter needs every
// write holder and, because a waiting writer blocks new readers, every
// goroutine waiting to write.
func lockNeeds(gr *Goroutine, r *Resource, ix *index) Needs {
	n := Needs{Known: r.Exact, All: true}
	for _, h := range ix.holders[r.ID] {
		if gr.Wait.Mode == Lock || h.mode == Lock {
			n.By = append(n.By, h.id)
		}
	}
	if gr.Wait.Mode == RLock {
		for _, o := range ix.writers[r.ID] {
			if o != gr {
				n.By = append(n.By, o.ID)
			}
		}
	}
	n.By = dedupe(n.By)
	if len(n.By) == 0 {
		n.NoneNeeded = true
	}
	return n
}

// dedupe sorts ids and drops repeats.
func dedupe(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Stuck returns the groups of goroutines that are blocked for good, decided
// as a fixed point: start from every blocked goroutine whose releasers are
// known, drop any that a goroutine outside the set may release, repeat.
// Goroutines blocked on something the graph cannot see through (an unknown
// resource, a cancelable wait) are assumed to make progress.
func (g *Graph) Stuck() []Group {
	ix := g.index()
	needs := make(map[int64]Needs)
	in := make(map[int64]bool)
	alive := make(map[int64]bool, len(g.Goroutines))
	for _, gr := range g.Goroutines {
		alive[gr.ID] = true
	}
	for _, gr := range g.Goroutines {
		n := g.needs(gr, ix)
		if n.Known && !n.NoneNeeded {
			needs[gr.ID] = n
			in[gr.ID] = true
		}
	}
	// A worklist: a goroutine leaves the set when any of its releasers is
	// free (OR) or all of them are (AND); each departure is passed on to the
	// goroutines that it may release.
	free := func(by, id int64) bool { return alive[by] && !in[by] && by != id }
	rev := make(map[int64][]int64)
	pending := make(map[int64]int)
	var queue []int64
	for id := range in {
		n := needs[id]
		ready := false
		if n.All {
			c := 0
			for _, by := range n.By {
				if !free(by, id) {
					c++
				}
			}
			pending[id] = c
			ready = c == 0 && len(n.By) > 0
		} else {
			for _, by := range n.By {
				if free(by, id) {
					ready = true
					break
				}
			}
		}
		if ready {
			queue = append(queue, id)
		}
		for _, by := range n.By {
			if in[by] && by != id {
				rev[by] = append(rev[by], id)
			}
		}
	}
	for len(queue) > 0 {
		id := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if !in[id] {
			continue
		}
		delete(in, id)
		for _, d := range rev[id] {
			if !in[d] {
				continue
			}
			if needs[d].All {
				pending[d]--
				if pending[d] == 0 {
					queue = append(queue, d)
				}
			} else {
				queue = append(queue, d)
			}
		}
	}
	if len(in) == 0 {
		return nil
	}
	// Edges inside the stuck set: a goroutine to those of its releasers
	// that are stuck too.
	edges := make(map[int64][]int64)
	for id := range in {
		for _, by := range needs[id].By {
			if in[by] {
				edges[id] = append(edges[id], by)
			}
		}
		slices.Sort(edges[id])
	}
	return groups(in, edges)
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
