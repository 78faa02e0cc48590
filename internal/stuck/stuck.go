// Package stuck decides, from a snapshot of one process, which goroutines
// are blocked for good, and describes them as findings. A snapshot is the
// runtime detector's wait-for graph (exact for the watched locks: who
// holds what, who waits for what) and a dump of every goroutine's stack
// (the state of everything else: channel operations, selects, wait groups,
// locks of code that is not rewritten).
//
// The two are merged into one waitgraph.Graph and decided by
// Graph.Stuck. A goroutine that the dump shows blocked on something the
// detector does not watch is stuck when the runtime proved it so (its
// goroutine leak detector marks it "(leaked)": nothing runnable can reach
// what it waits for), when it waits on a nil channel or in an empty
// select, or, at a hang, when no goroutine of the program can run at all.
// Cycles are claimed where the graph knows the edges: the watched locks,
// the partners the detector inferred from what the program did, and, among
// goroutines proven blocked for good only, two inferences of its own (see
// infer); the rest is a partial deadlock.
//
// The dump parser is rt.ParseStacks for now; the dump package will take
// its place behind parseDump.
package stuck

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gridlock-go/gridlock/internal/overlay"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Input is a snapshot of one process and what is known around it.
type Input struct {
	// Graph is the runtime detector's wait-for graph; nil if none.
	Graph *waitgraph.Graph
	// Stacks is the text of runtime.Stack for all goroutines.
	Stacks []byte
	// Leaks reports that goroutines the runtime proved blocked for good
	// are marked "(leaked)" in Stacks.
	Leaks bool
	// Baseline, if positive, is the largest id of a goroutine that was
	// running before the tests started; those are not reported.
	Baseline int64
	// Hung reports that the process made no progress for Hang. The
	// process is then frozen, and every blocked goroutine stuck, if no
	// goroutine can run, nor will: the runtime proved every blocked
	// goroutine blocked for good, or Prev shows them all, a while ago,
	// blocked where they are now (a timer that fired since, a goroutine
	// that moved, started or ended, would show).
	Hung bool
	Hang time.Duration
	// Prev is the dump of an earlier snapshot of the process, if any,
	// taken at least a second before this one.
	Prev []byte
	// Reported lists goroutines already described by a deadlock finding
	// of this process (from the runtime detector); groups made only of
	// them are not reported again.
	Reported map[int64]bool
	// Leaked lists goroutines already described by a partial-deadlock
	// finding of this process: they are not reported again.
	Leaked map[int64]bool
	// GOROOT tells the standard library's frames from the user's.
	GOROOT string
}

// Result is the decision.
type Result struct {
	Findings []*report.Finding
	// Stuck lists the goroutines blocked for good, reported or not.
	Stuck []int64
	// Frozen reports that no goroutine of the program can run.
	Frozen bool
	// Deadlocked reports that the stuck goroutines include a circular
	// wait, reported now or before.
	Deadlocked bool
	// MainStuck reports that a goroutine on which the process's progress
	// depends, a test's or the program's main goroutine, is proven stuck
	// (by the runtime, or because the program is frozen): the process
	// will not finish by itself.
	MainStuck bool
}

// class is what a goroutine of the dump is doing.
type class int

const (
	free     class = iota // running, runnable, sleeping, in a system call or I/O
	blocked               // waiting for another goroutine
	harness               // the testing package's own waiting
	internal              // gridlock's agent, signal handling
)

// dumpG is a goroutine of the dump, classified.
type dumpG struct {
	*rt.Goroutine
	class   class
	reason  string // the wait reason without decorations
	leaked  bool
	forever bool // a nil channel or an empty select: blocked by construction
	kind    waitgraph.ResourceKind
	mode    waitgraph.Mode
}

// parseDump parses and classifies the goroutines of a dump.
func parseDump(stacks []byte) map[int64]*dumpG {
	out := make(map[int64]*dumpG)
	for id, g := range rt.ParseStacks(stacks) {
		out[id] = classify(g)
	}
	// A goroutine started by one of gridlock's is gridlock's too: the
	// connections of the live view's server (gridlock run -http), started
	// by its accept loop, run net/http's code only.
	for changed := true; changed; {
		changed = false
		for _, d := range out {
			if c := out[d.Creator]; d.class != internal && d.Creator != 0 && c != nil && c.class == internal {
				d.class, changed = internal, true
			}
		}
	}
	return out
}

func classify(g *rt.Goroutine) *dumpG {
	d := &dumpG{Goroutine: g}
	reason, _, _ := strings.Cut(g.Status, ", ")
	if r, ok := strings.CutSuffix(reason, " (leaked)"); ok {
		reason, d.leaked = r, true
	}
	d.reason = reason
	switch reason {
	case "chan receive", "chan receive (nil chan)", "chan receive (synctest)":
		d.class, d.kind, d.mode = blocked, waitgraph.Chan, waitgraph.Recv
	case "chan send", "chan send (nil chan)", "chan send (synctest)":
		d.class, d.kind, d.mode = blocked, waitgraph.Chan, waitgraph.Send
	case "select", "select (no cases)", "select (synctest)":
		d.class, d.kind, d.mode = blocked, waitgraph.Select, waitgraph.Recv
	case "sync.Mutex.Lock":
		d.class, d.kind, d.mode = blocked, waitgraph.Mutex, waitgraph.Lock
	case "sync.RWMutex.Lock":
		d.class, d.kind, d.mode = blocked, waitgraph.RWMutex, waitgraph.Lock
	case "sync.RWMutex.RLock":
		d.class, d.kind, d.mode = blocked, waitgraph.RWMutex, waitgraph.RLock
	case "sync.WaitGroup.Wait":
		d.class, d.kind, d.mode = blocked, waitgraph.WaitGroup, waitgraph.Wait
	case "sync.Cond.Wait":
		d.class, d.kind, d.mode = blocked, waitgraph.Cond, waitgraph.Wait
	case "semacquire":
		d.class, d.kind, d.mode = blocked, waitgraph.Semaphore, waitgraph.Acquire
	}
	d.forever = strings.HasSuffix(reason, "(nil chan)") || reason == "select (no cases)"
	for _, f := range g.Frames {
		pkg := overlay.FuncPackage(f.Func)
		if pkg == overlay.AgentPath || strings.HasPrefix(pkg, overlay.AgentPath+"/") || pkg == "os/signal" {
			d.class = internal
			return d
		}
	}
	if n := len(g.Frames); n >= 2 && g.Frames[n-1].Func == "time.goFunc" && overlay.Machinery(overlay.FuncPackage(g.Frames[n-2].Func)) {
		// A timer's function of gridlock's, such as a wait's re-check.
		d.class = internal
		return d
	}
	if d.class == blocked {
		for _, f := range g.Frames {
			pkg := overlay.FuncPackage(f.Func)
			if pkg == "runtime" || pkg == "sync" || strings.HasPrefix(pkg, "internal/") || overlay.Machinery(pkg) {
				continue
			}
			if pkg == "testing" {
				d.class = harness
			}
			break
		}
	}
	return d
}

// Decide merges the snapshot into one graph and reports the goroutines
// blocked for good.
func Decide(in Input) Result {
	dump := parseDump(in.Stacks)
	m := &merger{in: in, dump: dump, graph: &waitgraph.Graph{}, byID: make(map[int64]*waitgraph.Goroutine)}
	m.merge()
	m.infer()
	var res Result
	res.Frozen = m.frozen
	groups := m.graph.Stuck()
	var partial []*waitgraph.Goroutine
	for _, grp := range groups {
		res.Stuck = append(res.Stuck, grp.Goroutines...)
		if len(grp.Cycle) > 0 {
			res.Deadlocked = true
			// A circular wait already reported is not reported again
			// for the goroutines blocked behind it.
			if !m.reportable(grp.Goroutines) || covered(grp.Cycle, in.Reported) {
				continue
			}
			res.Findings = append(res.Findings, m.deadlock(grp))
			continue
		}
		for _, id := range grp.Goroutines {
			if !in.Leaked[id] && m.reportable([]int64{id}) {
				partial = append(partial, m.byID[id])
			}
		}
	}
	for _, id := range res.Stuck {
		if in.Reported[id] {
			res.Deadlocked = true
		}
	}
	if !res.Deadlocked {
		// Goroutines blocked behind a circular wait are its consequence,
		// not findings of their own: only without one are they reported.
		res.Findings = append(res.Findings, m.partial(partial)...)
	}
	res.Findings = append(res.Findings, m.heldAcross(res.Stuck)...)
	slices.Sort(res.Stuck)
	for _, id := range res.Stuck {
		if gr := m.byID[id]; gr != nil && slices.ContainsFunc(gr.Stack, func(f waitgraph.Frame) bool {
			return f.Func == "testing.tRunner" || f.Func == "main.main"
		}) && m.provenStuck(id) {
			res.MainStuck = true
		}
	}
	return res
}

// watchedWait reports whether the detector's graph has goroutine id
// waiting for something no timer ends: a watched lock, wait group,
// condition or semaphore whose releasers it knows, or a channel that the
// code under test made (a timer sends on and closes only channels the
// time and context packages made; what the function time.AfterFunc
// calls may do anything, but that is rare).
func (m *merger) watchedWait(id int64) bool {
	gr := m.byID[id]
	if gr == nil || gr.Wait == nil {
		return false
	}
	for _, r := range m.graph.Resources {
		if r.ID == gr.Wait.Resource {
			switch r.Kind {
			case waitgraph.Chan:
				return r.Maker != 0
			case waitgraph.Select:
				return false
			}
			return r.Exact
		}
	}
	return false
}

// sameWaits reports whether an earlier dump, prev, shows the same
// goroutines as now, blocked where they are now: the same goroutines
// (gridlock's own aside), each in the same state at the same frames.
func sameWaits(now map[int64]*dumpG, prev []byte) bool {
	if len(prev) == 0 {
		return false
	}
	before := parseDump(prev)
	n := 0
	for id, d := range now {
		if d.class == internal {
			continue
		}
		n++
		b := before[id]
		if b == nil || b.class != d.class || b.reason != d.reason || !slices.Equal(b.Frames, d.Frames) {
			return false
		}
	}
	for _, b := range before {
		if b.class != internal {
			n--
		}
	}
	return n == 0
}

func covered(ids []int64, reported map[int64]bool) bool {
	for _, id := range ids {
		if !reported[id] {
			return false
		}
	}
	return true
}

type merger struct {
	in     Input
	dump   map[int64]*dumpG
	graph  *waitgraph.Graph
	byID   map[int64]*waitgraph.Goroutine
	frozen bool
	synth  []*waitgraph.Resource // resources made up for waits seen only in the dump
}

func (m *merger) merge() {
	if m.in.Graph != nil {
		res := make(map[string]*waitgraph.Resource)
		for _, r := range m.in.Graph.Resources {
			c := *r
			m.graph.Resources = append(m.graph.Resources, &c)
			res[c.ID] = &c
		}
		for _, gr := range m.in.Graph.Goroutines {
			c := *gr
			if c.ID > 0 {
				d := m.dump[c.ID]
				if d == nil {
					continue // exited: it releases nothing any more
				}
				m.describe(&c, d)
				if c.Wait != nil && d.class == free {
					// The dump caught it running: its wait is ending, or
					// it never parked. Either way it may release.
					c.Wait, c.Runnable = nil, true
				}
				if c.Wait == nil {
					c.Runnable = d.class != blocked
					if d.class == blocked {
						c.Wait = m.synthetic(d)
					}
				}
				if r := res[waitOf(&c)]; r != nil && d.class == blocked && (d.leaked || d.forever) {
					// The runtime proved that nothing that can run reaches
					// what it waits on: whoever the detector thinks may
					// release it (or may exist unseen, for a channel it
					// saw only in part) is blocked for good too.
					r.Exact, r.Partial = true, false
				}
			}
			m.add(&c)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(m.dump)) {
		d := m.dump[id]
		if m.byID[id] != nil || d.class == internal || d.class == harness {
			continue
		}
		gr := &waitgraph.Goroutine{ID: id}
		m.describe(gr, d)
		if d.class == free {
			gr.Runnable = true
		} else {
			gr.Wait = m.synthetic(d)
		}
		m.add(gr)
	}
	if !m.in.Hung {
		return
	}
	// At a hang, a program none of whose goroutines can run, nor will, is
	// frozen: nothing is left to release any waiter. A goroutine blocked
	// on a channel may be woken by a timer (time.After, a ticker, the
	// goroutine time.AfterFunc starts), which no dump shows, and may look
	// the same in every dump, waking and blocking again at one line. So
	// every blocked goroutine must be proven blocked for good by the
	// runtime, or wait for something no timer ends (see watchedWait),
	// shown waiting for it by an earlier dump too. Without the runtime's
	// leak detector, two dumps alike are all there is to go by.
	anyBlocked, proven, locks := false, true, true
	for id, d := range m.dump {
		switch d.class {
		case free:
			return
		case blocked:
			anyBlocked = true
			if d.leaked || d.forever {
				continue
			}
			proven = false
			locks = locks && m.watchedWait(id)
		}
	}
	if !anyBlocked {
		return
	}
	if !proven && (m.in.Leaks && !locks || !sameWaits(m.dump, m.in.Prev)) {
		return
	}
	m.frozen = true
	// Nothing can run, so nothing outside the graph can release anyone:
	// what the engine could not enumerate (a WaitGroup's owers, a
	// channel's partners) is known now, it is the goroutines shown. A
	// native channel, whose partners the engine sees only in the code it
	// rewrote, is no exception: code it did not rewrite cannot run either.
	for _, r := range m.graph.Resources {
		r.Exact, r.Partial = true, false
	}
	for _, r := range m.synth {
		r.Exact = true
	}
}

// The post-mortem inferences below add releasers among goroutines that are
// proven blocked for good and that the graph already finds stuck (a
// goroutine the graph would free must not free others through them), on
// resources all of whose waiters are proven blocked for good. They turn a
// partial deadlock into the circular wait it is; they cannot make a
// goroutine stuck, nor free one. The live detector never makes them: a
// goroutine that can still run may do anything.
func (m *merger) infer() {
	stuck := make(map[int64]bool)
	for _, grp := range m.graph.Stuck() {
		for _, id := range grp.Goroutines {
			if m.provenStuck(id) {
				stuck[id] = true
			}
		}
	}
	waiters := make(map[string][]*waitgraph.Goroutine)
	for _, gr := range m.graph.Goroutines {
		if id := waitOf(gr); id != "" {
			waiters[id] = append(waiters[id], gr)
		}
	}
	proven := func(r *waitgraph.Resource) bool {
		ws := waiters[r.ID]
		for _, w := range ws {
			if !stuck[w.ID] {
				return false
			}
		}
		return len(ws) > 0
	}
	for _, r := range m.graph.Resources {
		switch {
		case r.Kind == waitgraph.Chan && r.Maker != 0 && stuck[r.Maker] && proven(r):
			m.maker(r)
		case r.Kind == waitgraph.Cond && len(r.Releasers) == 0 && proven(r):
			m.signallers(r, waiters, stuck)
		}
	}
}

// maker adds the maker of channel r to its releasers when no goroutine
// was seen at the channel's other end: the maker holds it, so the
// goroutines blocked on the channel wait for it. A maker blocked sending
// on its own buffered channel, which it filled and no other goroutine was
// seen with, waits for itself: it holds the buffer as a semaphore's
// permits (a channel used as a lock, taken again by its holder). One
// blocked receiving, or on an unbuffered channel, holds nothing: it is
// blocked for good, not in a cycle.
func (m *merger) maker(r *waitgraph.Resource) {
	if len(r.Releasers) > 0 {
		return // the other end was seen: it went with whoever had it
	}
	why := "made it, and no other goroutine was seen at its other end"
	if waitOf(m.byID[r.Maker]) == r.ID {
		if m.byID[r.Maker].Wait.Mode != waitgraph.Send || r.Cap == 0 || !r.MakerSent {
			return
		}
		why = "made it and filled its buffer, and no other goroutine was seen with it"
	}
	r.Releasers = append(r.Releasers, waitgraph.Releaser{Goroutine: r.Maker, Why: why})
}

// signallers gives condition r, which no goroutine is known to signal, the
// goroutines blocked for good on a lock one of its waiters holds: only
// goroutines that can reach the condition could signal it, all of those
// are blocked for good, and these wait for the waiter. It is the lock held
// across a Cond.Wait closing a circular wait.
func (m *merger) signallers(r *waitgraph.Resource, waiters map[string][]*waitgraph.Goroutine, stuck map[int64]bool) {
	for _, w := range waiters[r.ID] {
		for _, h := range w.Holds {
			for _, o := range waiters[h.Resource] {
				if o != w && stuck[o.ID] && !slices.ContainsFunc(r.Releasers, func(rel waitgraph.Releaser) bool { return rel.Goroutine == o.ID }) {
					r.Releasers = append(r.Releasers, waitgraph.Releaser{Goroutine: o.ID, Why: fmt.Sprintf("waits for %s, which a waiter holds", h.Resource)})
				}
			}
		}
	}
}

// provenStuck reports whether the dump proves goroutine id blocked for
// good: the runtime's leak detector marked it, it waits on a nil channel
// or in an empty select, or the whole program is frozen.
func (m *merger) provenStuck(id int64) bool {
	d := m.dump[id]
	return d != nil && d.class == blocked && (d.leaked || d.forever || m.frozen)
}

func waitOf(gr *waitgraph.Goroutine) string {
	if gr.Wait == nil {
		return ""
	}
	return gr.Wait.Resource
}

func (m *merger) add(gr *waitgraph.Goroutine) {
	m.graph.Goroutines = append(m.graph.Goroutines, gr)
	m.byID[gr.ID] = gr
}

// describe sets gr's state, stack and creator from the dump.
func (m *merger) describe(gr *waitgraph.Goroutine, d *dumpG) {
	gr.State = d.Status
	gr.Stack = m.frames(d.Frames)
	if d.CreatedBy != nil {
		// The detector knows the go statement of a goroutine started
		// through gridlock.Go, which the dump shows as its creator.
		f := m.frame(*d.CreatedBy)
		if gr.CreatedBy == nil || !overlay.Machinery(overlay.FuncPackage(f.Func)) {
			gr.CreatedBy = &f
		}
		gr.Creator = d.Creator
	}
}

func (m *merger) frame(f rt.Frame) waitgraph.Frame {
	return waitgraph.Frame{Func: f.Func, File: f.File, Line: f.Line}
}

// frames returns the frames worth showing: not the runtime's, not
// gridlock's machinery.
func (m *merger) frames(fs []rt.Frame) waitgraph.Stack {
	var s waitgraph.Stack
	for _, f := range fs {
		pkg := overlay.FuncPackage(f.Func)
		if pkg == "runtime" || strings.HasPrefix(pkg, "internal/") || overlay.Machinery(pkg) {
			continue
		}
		s = append(s, m.frame(f))
	}
	return s
}

// user reports whether f is a frame of the user's code: not the standard
// library's, not gridlock's machinery.
func (m *merger) user(f waitgraph.Frame) bool {
	pkg := overlay.FuncPackage(f.Func)
	if overlay.Machinery(pkg) {
		return false
	}
	if m.in.GOROOT != "" {
		return !strings.HasPrefix(filepath.ToSlash(f.File), filepath.ToSlash(filepath.Join(m.in.GOROOT, "src"))+"/")
	}
	first, _, _ := strings.Cut(pkg, "/")
	return strings.Contains(first, ".") || first == "main"
}

// where returns the innermost user frame of s, or its top.
func (m *merger) where(s waitgraph.Stack) waitgraph.Frame {
	for _, f := range s {
		if m.user(f) {
			return f
		}
	}
	return s.Top()
}

// synthetic returns the wait of a goroutine blocked on something only the
// dump shows: a resource of its own that no goroutine is known to
// release, exact (so the waiter is stuck) when the runtime proved it.
func (m *merger) synthetic(d *dumpG) *waitgraph.WaitFor {
	stack := m.frames(d.Frames)
	at := m.where(stack)
	r := &waitgraph.Resource{
		ID:    fmt.Sprintf("%s#g%d", d.kind, d.ID),
		Kind:  d.kind,
		Name:  fmt.Sprintf("%s at %s:%d", describeKind(d.kind), filepath.Base(at.File), at.Line),
		Exact: d.leaked || d.forever,
		Site:  &at,
	}
	m.graph.Resources = append(m.graph.Resources, r)
	m.synth = append(m.synth, r)
	mode := d.mode
	if mode == waitgraph.Lock || mode == waitgraph.RLock {
		// Graph.Stuck reads a lock wait as needing the lock's holders,
		// which the dump does not name: it is a wait on nobody known.
		mode = waitgraph.Wait
	}
	return &waitgraph.WaitFor{Resource: r.ID, Mode: mode, Stack: waitgraph.Stack{at}}
}

func describeKind(k waitgraph.ResourceKind) string {
	switch k {
	case waitgraph.Chan:
		return "a channel"
	case waitgraph.Select:
		return "a select"
	case waitgraph.WaitGroup:
		return "a sync.WaitGroup"
	case waitgraph.Cond:
		return "a sync.Cond"
	case waitgraph.Semaphore:
		return "a semaphore"
	case waitgraph.Mutex:
		return "an unwatched sync.Mutex"
	case waitgraph.RWMutex:
		return "an unwatched sync.RWMutex"
	}
	return "something"
}

// reportable reports whether a group deserves a finding: one of its
// goroutines runs the user's code and was started by the tests.
func (m *merger) reportable(ids []int64) bool {
	for _, id := range ids {
		gr := m.byID[id]
		if gr == nil || (m.in.Baseline > 0 && id <= m.in.Baseline) {
			continue
		}
		if slices.ContainsFunc(gr.Stack, m.user) || (gr.Wait != nil && slices.ContainsFunc(gr.Wait.Stack, m.user)) {
			return true
		}
	}
	return false
}

// why explains how a goroutine was decided stuck.
func (m *merger) why(gr *waitgraph.Goroutine) string {
	d := m.dump[gr.ID]
	switch {
	case d != nil && d.forever:
		return "it waits on a nil channel or in an empty select"
	case d != nil && d.leaked:
		return "the runtime proved that no running goroutine can reach what it waits for"
	case m.frozen:
		return fmt.Sprintf("no goroutine of the program can run and nothing moved for %v", m.in.Hang)
	}
	return "nothing that can run can release it"
}

func (m *merger) finding(kind report.Kind, gs []*waitgraph.Goroutine) *report.Finding {
	f := &report.Finding{Kind: kind, Source: "dump", Hint: kind.Info().Hint, Time: time.Now()}
	used := make(map[string]bool)
	for _, gr := range gs {
		f.Goroutines = append(f.Goroutines, gr)
		for _, h := range gr.Holds {
			used[h.Resource] = true
		}
		if gr.Wait != nil {
			used[gr.Wait.Resource] = true
			if pos := m.where(gr.Wait.Stack); pos.File != "" {
				if p := pos.Pos(); !slices.Contains(f.Positions, p) {
					f.Positions = append(f.Positions, p)
				}
			}
		}
	}
	for _, r := range m.graph.Resources {
		if used[r.ID] {
			f.Resources = append(f.Resources, r)
		}
	}
	return f
}

func (m *merger) deadlock(grp waitgraph.Group) *report.Finding {
	var gs []*waitgraph.Goroutine
	order := slices.Clone(grp.Cycle)
	for _, id := range grp.Goroutines {
		if !slices.Contains(order, id) {
			order = append(order, id)
		}
	}
	for _, id := range order {
		gs = append(gs, m.byID[id])
	}
	f := m.finding(report.Deadlock, gs)
	var steps []string
	for i, id := range grp.Cycle {
		next := grp.Cycle[(i+1)%len(grp.Cycle)]
		steps = append(steps, fmt.Sprintf("goroutine %d %s", id, m.step(m.byID[id].Wait, next)))
	}
	f.Summary = strings.Join(steps, "; ")
	return f
}

// step describes one edge of a circular wait: w's goroutine waits for
// goroutine next.
func (m *merger) step(w *waitgraph.WaitFor, next int64) string {
	r := m.graph.Resource(w.Resource)
	if r == nil || r.Kind == waitgraph.Mutex || r.Kind == waitgraph.RWMutex {
		return fmt.Sprintf("waits for %s held by goroutine %d", w.Resource, next)
	}
	for _, rel := range r.Releasers {
		if rel.Goroutine == next && rel.Why != "" {
			return fmt.Sprintf("waits on %s (%s), which goroutine %d must end (%s)", w.Resource, w.Mode, next, rel.Why)
		}
	}
	return fmt.Sprintf("waits on %s (%s), which goroutine %d must end", w.Resource, w.Mode, next)
}

// partial reports the goroutines blocked for good without a circular
// wait, one finding per place where they wait.
func (m *merger) partial(gs []*waitgraph.Goroutine) []*report.Finding {
	var out []*report.Finding
	byPos := make(map[string][]*waitgraph.Goroutine)
	var keys []string
	for _, gr := range gs {
		key := "?"
		if gr.Wait != nil {
			key = m.where(gr.Wait.Stack).Pos()
		}
		if byPos[key] == nil {
			keys = append(keys, key)
		}
		byPos[key] = append(byPos[key], gr)
	}
	for _, key := range keys {
		members := byPos[key]
		f := m.finding(report.PartialDeadlock, members)
		first := members[0]
		what := "blocked"
		if d := m.dump[first.ID]; d != nil && d.reason != "" {
			what = "blocked in " + d.reason
		} else if first.Wait != nil {
			what = fmt.Sprintf("blocked waiting for %s (%s)", first.Wait.Resource, first.Wait.Mode)
		}
		who := fmt.Sprintf("goroutine %d is", first.ID)
		if len(members) > 1 {
			who = fmt.Sprintf("%d goroutines (%d", len(members), first.ID)
			for _, g := range members[1:min(len(members), 4)] {
				who += fmt.Sprintf(", %d", g.ID)
			}
			if len(members) > 4 {
				who += ", ..."
			}
			who += ") are"
		}
		f.Summary = fmt.Sprintf("%s %s at %s for good: %s", who, what, key, m.why(first))
		out = append(out, f)
	}
	return out
}

// heldAcross reports the stuck goroutines that hold a watched lock across
// a wait on something else (a channel, a select, a wait group, a
// condition), proven blocked for good (by the runtime, by construction,
// or because nothing can run), while another goroutine waits for that
// lock: the lock is gone with them. The runtime detector reports a lock held across a wait
// only when it can close a cycle; a wait proven endless is the other
// case. A lock no other goroutine asks for is not reported, nor a
// goroutine already part of a reported circular wait.
func (m *merger) heldAcross(stuck []int64) []*report.Finding {
	waiters := make(map[string][]*waitgraph.Goroutine)
	for _, gr := range m.graph.Goroutines {
		if gr.Wait != nil {
			waiters[gr.Wait.Resource] = append(waiters[gr.Wait.Resource], gr)
		}
	}
	var out []*report.Finding
	for _, id := range stuck {
		gr := m.byID[id]
		if gr == nil || gr.Wait == nil || m.in.Reported[id] || !m.reportable([]int64{id}) {
			continue
		}
		if d := m.dump[id]; !m.frozen && (d == nil || !d.leaked && !d.forever) {
			continue // stuck on the graph's say-so alone
		}
		if r := m.graph.Resource(gr.Wait.Resource); r == nil || r.Kind == waitgraph.Mutex || r.Kind == waitgraph.RWMutex {
			continue
		}
		for _, h := range gr.Holds {
			r := m.graph.Resource(h.Resource)
			if r == nil || (r.Kind != waitgraph.Mutex && r.Kind != waitgraph.RWMutex) {
				continue
			}
			var others []*waitgraph.Goroutine
			for _, w := range waiters[h.Resource] {
				if w != gr {
					others = append(others, w)
				}
			}
			if len(others) == 0 {
				continue
			}
			f := m.finding(report.LockHeldAcrossBlocking, append([]*waitgraph.Goroutine{gr}, others...))
			if len(h.Stack) > 0 {
				if p := h.Stack.Top().Pos(); !slices.Contains(f.Positions, p) {
					f.Positions = append(f.Positions[:1:1], append([]string{p}, f.Positions[1:]...)...)
				}
			}
			who := fmt.Sprintf("goroutine %d waits", others[0].ID)
			if len(others) > 1 {
				who = fmt.Sprintf("%d goroutines wait", len(others))
			}
			f.Summary = fmt.Sprintf("goroutine %d blocks on %s for good while holding %s, and %s for %s: %s",
				id, gr.Wait.Resource, h.Resource, who, h.Resource, m.why(gr))
			out = append(out, f)
			break
		}
	}
	return out
}
