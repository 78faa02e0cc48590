package engine

import (
	"bytes"
	"cmp"
	"fmt"
	"hash/fnv"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gridlock-go/gridlock/debughttp/api"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// The live view (package debughttp) shows the whole program: every
// goroutine, from a dump of all stacks, and what the engine knows of those
// that hold or wait for a watched resource. The engine's part is taken
// first, under e.wmu, without stacks but the call sites of holds and
// waits; the dump is taken after, with no engine lock held. A goroutine
// that waited in the engine's graph and no longer shows in the dump has
// exited in between and is left out.

// Bounds of a live snapshot's lists: the counts stay exact.
const (
	// DefaultListed is how many members of a group, and how many holders
	// and waiters of a resource, a snapshot lists.
	DefaultListed = 100
	// maxDump bounds the dump of all goroutines.
	maxDump = 512 << 20
)

// stackDump returns the text of runtime.Stack for all goroutines, up to
// limit bytes. Each
// call of runtime.Stack stops the world and formats every goroutine's
// stack, whether or not it fits, so the buffer is sized to fit at once:
// from the number of goroutines and the size per goroutine of the last
// dump, with room to spare. (rt.AllStacks stops at 64 MB, which a few
// hundred thousand goroutines exceed.)
func stackDump(limit int) []byte {
	per := max(int(dumpPerG.Load()), 1024)
	n := max(1<<16, runtime.NumGoroutine()*per*5/4)
	var buf []byte
	for {
		buf = make([]byte, min(n, limit))
		m := runtime.Stack(buf, true)
		if m < len(buf) || len(buf) >= limit {
			buf = buf[:m]
			break
		}
		n *= 2
	}
	if g := bytes.Count(buf, []byte("\ngoroutine ")) + 1; len(buf) > 0 {
		dumpPerG.Store(int64(len(buf) / g))
	}
	return buf
}

// dumpPerG is the size of the last dump per goroutine, in bytes.
var dumpPerG atomic.Int64

// LiveSnapshot returns the live wait-for graph of the program, with its
// goroutines grouped by state and stack; listed bounds the goroutines
// listed per group and the holders and waiters listed per resource (0
// means DefaultListed).
func LiveSnapshot(listed int) *api.Snapshot {
	if listed <= 0 {
		listed = DefaultListed
	}
	start := time.Now()
	graph, flags := snapshot()
	at := time.Now()
	dump := dumpAll()
	shareLiveness(dump, at)
	s := buildLive(graph, flags, dump, start, listed)
	s.Enabled = Enabled()
	byKind := FindingsByKind()
	for k, n := range byKind {
		s.Findings += n
		if s.FindingsByKind == nil {
			s.FindingsByKind = make(map[string]int)
		}
		s.FindingsByKind[string(k)] = n
	}
	s.TookSeconds = time.Since(start).Seconds()
	return s
}

// dumpAll returns the stacks of every goroutine, from stackDump.
func dumpAll() []*rt.Goroutine {
	buf := stackDump(maxDump)
	gs := rt.ParseStacks(buf)
	out := make([]*rt.Goroutine, 0, len(gs))
	for _, g := range gs {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *rt.Goroutine) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// shareLiveness gives the leak checks (alive) the dump of all goroutines
// taken at the time at, so that a program watched through the live view
// does not dump its goroutines twice.
func shareLiveness(dump []*rt.Goroutine, at time.Time) {
	ids := make(map[uint64]bool, len(dump))
	leaked := make(map[uint64]bool)
	var top uint64
	for _, d := range dump {
		id := uint64(d.ID)
		ids[id] = true
		top = max(top, id)
		if strings.Contains(d.Status, "(leaked)") {
			leaked[id] = true
		}
	}
	liveness.mu.Lock()
	if at.After(liveness.at) {
		liveness.ids, liveness.leaked, liveness.max, liveness.at = ids, leaked, top, at
	}
	liveness.mu.Unlock()
}

// buildLive merges the engine's graph with the dump and groups the
// goroutines. It takes no engine lock.
func buildLive(graph *waitgraph.Graph, flags map[int64]waitFlags, dump []*rt.Goroutine, at time.Time, listed int) *api.Snapshot {
	s := &api.Snapshot{Time: at, Goroutines: len(dump), Groups: []api.Group{}, Resources: []api.Resource{}}
	inDump := make(map[int64]bool, len(dump))
	for _, d := range dump {
		inDump[d.ID] = true
	}
	// The engine's goroutines that still live, and the cycles among them.
	gnodes := make(map[int64]*waitgraph.Goroutine)
	for _, gr := range graph.Goroutines {
		if gr.ID > 0 && inDump[gr.ID] {
			gnodes[gr.ID] = gr
		}
	}
	cycles := liveCycles(graph, flags, gnodes)
	s.Cycles = cycles
	inCycle := make(map[int64]bool)
	resCycle := make(map[string]bool)
	for _, c := range cycles {
		for _, id := range c.Goroutines {
			inCycle[id] = true
		}
		for _, r := range c.Resources {
			resCycle[r] = true
		}
	}

	// Resources, with their holders and waiters.
	type resAcc struct {
		r      *api.Resource
		nh, nw int
		used   bool
	}
	res := make(map[string]*resAcc, len(graph.Resources))
	var order []string
	for _, r := range graph.Resources {
		if res[r.ID] != nil {
			continue
		}
		ar := &api.Resource{ID: r.ID, Kind: r.Kind, Class: r.Name, Level: r.Level, InCycle: resCycle[r.ID]}
		if r.Site != nil {
			ar.Site = r.Site.Pos()
		}
		res[r.ID] = &resAcc{r: ar}
		order = append(order, r.ID)
	}
	ids := make([]int64, 0, len(gnodes))
	for id := range gnodes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		gr := gnodes[id]
		for _, h := range gr.Holds {
			a := res[h.Resource]
			if a == nil {
				continue
			}
			a.used = true
			if a.nh++; len(a.r.Holders) < listed {
				a.r.Holders = append(a.r.Holders, api.Holder{Goroutine: id, Mode: h.Mode, Count: h.Count, Where: pos(h.Stack)})
			}
		}
		if w := gr.Wait; w != nil {
			if a := res[w.Resource]; a != nil {
				a.used = true
				if a.nw++; len(a.r.Waiters) < listed {
					a.r.Waiters = append(a.r.Waiters, api.Waiter{Goroutine: id, Mode: w.Mode, WaitSeconds: waitSeconds(w, at), Where: pos(w.Stack)})
				}
			}
		}
	}
	for _, id := range order {
		a := res[id]
		if !a.used {
			continue
		}
		a.r.MoreHolders = a.nh - len(a.r.Holders)
		a.r.MoreWaiters = a.nw - len(a.r.Waiters)
		s.Resources = append(s.Resources, *a.r)
	}

	// Groups of goroutines alike in state and stack.
	type groupAcc struct {
		g        *api.Group
		graphed  int // members in the engine's graph
		members  []*api.Goroutine
		min, max float64
	}
	groups := make(map[string]*groupAcc)
	var keys []string
	kinds := make(map[string]waitgraph.ResourceKind, len(graph.Resources))
	for _, r := range graph.Resources {
		kinds[r.ID] = r.Kind
	}
	var kb strings.Builder
	for _, d := range dump {
		gr := gnodes[d.ID]
		state, minutes := splitStatus(d.Status)
		if gr != nil && gr.Wait != nil {
			state = blockedState(kinds, gr.Wait)
		}
		stack := userFrames(d.Frames)
		if len(stack) == 0 {
			for _, f := range d.Frames {
				stack = append(stack, waitgraph.Frame{Func: f.Func, File: f.File, Line: f.Line})
			}
		}
		kb.Reset()
		kb.WriteString(state)
		for _, f := range stack {
			kb.WriteByte('\n')
			kb.WriteString(f.Func)
			kb.WriteByte(' ')
			kb.WriteString(f.File)
			kb.WriteByte(':')
			kb.WriteString(strconv.Itoa(f.Line))
		}
		if d.CreatedBy != nil {
			kb.WriteString("\ncreated by ")
			kb.WriteString(d.CreatedBy.Func)
			kb.WriteString(strconv.Itoa(d.CreatedBy.Line))
		}
		key := kb.String()
		acc := groups[key]
		if acc == nil {
			h := fnv.New64a()
			h.Write([]byte(key))
			g := &api.Group{Key: fmt.Sprintf("%016x", h.Sum64()), State: state, Stack: stack}
			if top := stack.Top(); top.Func != "" {
				g.Function, g.Where = top.Func, top.Pos()
			}
			if d.CreatedBy != nil {
				g.CreatedBy = &waitgraph.Frame{Func: d.CreatedBy.Func, File: d.CreatedBy.File, Line: d.CreatedBy.Line}
			}
			acc = &groupAcc{g: g, min: -1}
			groups[key] = acc
			keys = append(keys, key)
		}
		acc.g.Count++
		m := api.Goroutine{ID: d.ID, InCycle: inCycle[d.ID]}
		if minutes > 0 {
			m.WaitSeconds = float64(minutes * 60)
		}
		if gr != nil {
			acc.graphed++
			m.Name = gr.Name
			for _, h := range gr.Holds {
				m.Holds = append(m.Holds, api.Hold{Resource: h.Resource, Mode: h.Mode, Count: h.Count, Where: pos(h.Stack)})
			}
			if w := gr.Wait; w != nil {
				m.Wait = &api.Wait{Resource: w.Resource, Mode: w.Mode, Count: w.Count, Where: pos(w.Stack), Cancelable: w.Cancelable}
				m.WaitSeconds = waitSeconds(w, at)
				m.Since = w.Since
			}
		}
		if m.InCycle {
			acc.g.InCycle = true
		}
		if m.WaitSeconds > 0 {
			if acc.min < 0 || m.WaitSeconds < acc.min {
				acc.min = m.WaitSeconds
			}
			acc.max = max(acc.max, m.WaitSeconds)
		}
		// Members in the graph are listed first: keep them all until the
		// end, and others up to the bound.
		if gr != nil || len(acc.members) < listed {
			acc.members = append(acc.members, &m)
		}
	}
	for _, key := range keys {
		acc := groups[key]
		g := acc.g
		if acc.min > 0 {
			g.MinWaitSeconds, g.MaxWaitSeconds = acc.min, acc.max
		}
		rank := func(m *api.Goroutine) int {
			switch {
			case m.InCycle:
				return 0
			case m.Wait != nil || len(m.Holds) > 0:
				return 1
			}
			return 2
		}
		slices.SortStableFunc(acc.members, func(a, b *api.Goroutine) int { return cmp.Compare(rank(a), rank(b)) })
		if len(acc.members) > listed {
			acc.members = acc.members[:listed]
		}
		g.Goroutines = make([]api.Goroutine, len(acc.members))
		for i, m := range acc.members {
			g.Goroutines[i] = *m
		}
		g.More = g.Count - len(g.Goroutines)
		s.Groups = append(s.Groups, *g)
	}
	rank := func(g *api.Group) int {
		switch {
		case g.InCycle:
			return 0
		case len(g.Goroutines) > 0 && (g.Goroutines[0].Wait != nil || len(g.Goroutines[0].Holds) > 0):
			return 1
		}
		return 2
	}
	slices.SortStableFunc(s.Groups, func(a, b api.Group) int {
		if c := cmp.Compare(rank(&a), rank(&b)); c != 0 {
			return c
		}
		return cmp.Compare(b.Count, a.Count)
	})
	return s
}

// liveCycles returns the circular waits among the live goroutines of the
// engine's graph that the engine would report: a cycle of two goroutines
// or more none of whose waits is an unconfirmed async wait, or a cycle
// already reported. Goroutines blocked for good without a circular wait
// show through their findings, which decide it with more care (the
// long-wait threshold, the runtime's leak detector).
func liveCycles(graph *waitgraph.Graph, flags map[int64]waitFlags, live map[int64]*waitgraph.Goroutine) []api.Cycle {
	var out []api.Cycle
	for _, grp := range graph.Stuck() {
		if len(grp.Cycle) == 0 {
			continue
		}
		ok, reported := true, true
		for _, id := range grp.Cycle {
			f := flags[id]
			if live[id] == nil {
				ok = false
			}
			if f.async {
				ok = ok && f.reported
			}
			reported = reported && f.reported
		}
		if !ok || len(grp.Cycle) < 2 && !reported {
			continue
		}
		c := api.Cycle{Kind: string(report.Deadlock), Goroutines: slices.Clone(grp.Cycle)}
		for _, id := range grp.Cycle {
			if w := live[id].Wait; w != nil {
				c.Resources = append(c.Resources, w.Resource)
			}
		}
		out = append(out, c)
	}
	return out
}

// blockedState is the state of a goroutine waiting for a watched
// resource: its runtime status shows how gridlock parks it, not what for.
func blockedState(kinds map[string]waitgraph.ResourceKind, w *waitgraph.WaitFor) string {
	kind, ok := kinds[w.Resource]
	if !ok {
		kind = waitgraph.Unknown
	}
	if kind == waitgraph.Select {
		return "blocked: select"
	}
	return fmt.Sprintf("blocked: %s %s", kind, w.Mode)
}

// splitStatus splits a dump's status, e.g. "chan receive, 2 minutes",
// into the state and the minutes.
func splitStatus(st string) (string, int) {
	minutes := 0
	parts := strings.Split(st, ", ")
	keep := parts[:0]
	for _, p := range parts {
		if n, ok := strings.CutSuffix(p, " minutes"); ok {
			if m, err := strconv.Atoi(n); err == nil {
				minutes = m
				continue
			}
		}
		keep = append(keep, p)
	}
	return strings.Join(keep, ", "), minutes
}

func waitSeconds(w *waitgraph.WaitFor, now time.Time) float64 {
	switch {
	case !w.Since.IsZero():
		return max(0, now.Sub(w.Since).Seconds())
	case w.For > 0:
		return w.For.Seconds()
	}
	return 0
}

func pos(s waitgraph.Stack) string {
	if len(s) == 0 {
		return ""
	}
	return s.Top().Pos()
}
