package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// waitRec is a goroutine's registered wait for a lock.
type waitRec struct {
	g          *G
	lock       *Lock
	mode       Mode
	since      time.Time
	pc         uintptr
	cancelable bool
	recursive  bool // already reported as recursive-lock
	longDone   bool
	next       time.Duration
	holds      []held // g's held list when the wait began (stable while it waits)
	deadlocked bool   // part of a reported deadlock: no long-wait on top
}

// Wait is a registered wait, returned by BeginWait. A nil *Wait is valid
// and does nothing: the engine was off when the wait began.
type Wait struct {
	rec *waitRec
}

// Re-check schedule for a parked waiter.
const (
	firstCheck = 100 * time.Millisecond
	maxCheck   = 2 * time.Second
)

// BeginWait registers that g is about to park waiting for l in mode m, at
// call site pc, and checks at once whether the wait closes a circular wait.
// cancelable says the wait may end without the lock (a context). The
// waiter must call End when the wait is over, and Tick whenever the channel
// from C delivers.
func BeginWait(g *G, l *Lock, m Mode, pc uintptr, cancelable bool) *Wait {
	if g == nil || l == nil || e.state.Load() != stateOn {
		return nil
	}
	rec := &waitRec{g: g, lock: l, mode: m, since: time.Now(), pc: pc, cancelable: cancelable, next: firstCheck}
	rec.recursive = g.recursiveOn == l
	rec.holds = g.heldSnapshot()
	var fs []*report.Finding
	func() {
		defer guard()
		e.wmu.Lock()
		defer e.wmu.Unlock()
		g.wait = rec
		e.waiters[g] = rec
		e.byLock[l] = append(e.byLock[l], g)
		for _, h := range rec.holds {
			e.heldBy[h.lock] = append(e.heldBy[h.lock], g)
		}
		// A wait closes a circular wait only if someone may be waiting for
		// this goroutine: it holds a lock, or it is a writer that blocks
		// new readers. Other waits are checked at their first re-check.
		if len(rec.holds) > 0 || (m == Write && l.kind == waitgraph.RWMutex) {
			fs = detect(g)
		}
	}()
	deliver(fs)
	w := &Wait{rec: rec}
	w.arm()
	return w
}

// C returns the channel on which the waiter is told to call Tick.
func (w *Wait) C() <-chan time.Time {
	if w == nil || w.rec.g.timer == nil {
		return nil
	}
	return w.rec.g.timer.C
}

func (w *Wait) arm() {
	r := w.rec
	d := r.next
	if !r.longDone {
		if untilLong := time.Until(r.since.Add(longWait())); untilLong < d {
			d = max(untilLong, time.Millisecond)
		}
	}
	if r.g.timer == nil {
		r.g.timer = time.NewTimer(d)
	} else {
		r.g.timer.Reset(d)
	}
	r.next = min(2*r.next, maxCheck)
}

func longWait() time.Duration {
	if o := e.opts.Load(); o != nil && o.LongWait > 0 {
		return o.LongWait
	}
	return DefaultLongWait
}

// Tick re-checks the wait: a circular wait that formed since, or a wait
// that has become long.
func (w *Wait) Tick() {
	if w == nil {
		return
	}
	r := w.rec
	if e.state.Load() == stateOn {
		var fs []*report.Finding
		func() {
			defer guard()
			e.wmu.Lock()
			defer e.wmu.Unlock()
			fs = detect(r.g)
			if !r.longDone && !r.deadlocked && time.Since(r.since) >= longWait() {
				r.longDone = true
				fs = appendNew(fs, longWaitFinding(r))
			}
		}()
		deliver(fs)
	}
	w.arm()
}

// End unregisters the wait.
func (w *Wait) End() {
	if w == nil {
		return
	}
	g := w.rec.g
	e.wmu.Lock()
	if g.wait == w.rec {
		g.wait = nil
		delete(e.waiters, g)
		e.byLock[w.rec.lock] = dropG(e.byLock[w.rec.lock], g)
		if len(e.byLock[w.rec.lock]) == 0 {
			delete(e.byLock, w.rec.lock)
		}
		for _, h := range w.rec.holds {
			e.heldBy[h.lock] = dropG(e.heldBy[h.lock], g)
			if len(e.heldBy[h.lock]) == 0 {
				delete(e.heldBy, h.lock)
			}
		}
	}
	e.wmu.Unlock()
	if g.timer != nil {
		g.timer.Stop()
	}
}

func dropG(gs []*G, g *G) []*G {
	for i, x := range gs {
		if x == g {
			gs[i] = gs[len(gs)-1]
			gs[len(gs)-1] = nil
			return gs[:len(gs)-1]
		}
	}
	return gs
}

// detect looks for a circular wait through g's wait. Called with e.wmu held.
func detect(g *G) []*report.Finding {
	if !mayBeStuck(g) {
		return nil
	}
	b := newBuilder(false)
	b.visit(g)
	var fs []*report.Finding
	for _, grp := range b.graph.Stuck() {
		if len(grp.Cycle) == 0 || !slices.Contains(grp.Goroutines, int64(g.id)) {
			continue
		}
		if len(grp.Cycle) == 1 && g.wait.recursive {
			continue // reported as recursive-lock
		}
		fs = appendNew(fs, deadlockFinding(g, grp))
	}
	return fs
}

// mayBeStuck is a cheap pre-check: a goroutine waiting for a mutex whose
// owner is running cannot be part of a deadlock yet.
func mayBeStuck(g *G) bool {
	l := g.wait.lock
	if o := l.ownerOf(); o != nil {
		return o.wait != nil || o == g
	}
	return l.kind != waitgraph.Mutex
}

// builder builds the part of the wait-for graph reachable from a waiter.
type builder struct {
	graph   *waitgraph.Graph
	gs      map[*G]*waitgraph.Goroutine
	res     map[*Lock]*waitgraph.Resource
	stacks  bool // symbolize sites
	unknown int64
}

func newBuilder(stacks bool) *builder {
	return &builder{graph: &waitgraph.Graph{}, gs: make(map[*G]*waitgraph.Goroutine), res: make(map[*Lock]*waitgraph.Resource), stacks: stacks}
}

func (b *builder) site(pc uintptr) waitgraph.Stack {
	if !b.stacks {
		return nil
	}
	return site(pc)
}

func (b *builder) resource(l *Lock) *waitgraph.Resource {
	if r := b.res[l]; r != nil {
		return r
	}
	r := resourceOf(l.info())
	if l.class.name != "" {
		r.ID = fmt.Sprintf("%s#%d", l.class.name, l.id)
	}
	if !b.stacks {
		r.Site = nil
	}
	// A lock released by goroutines that did not take it may be released
	// by anyone: never call its waiters stuck.
	r.Exact = !l.remote.Load()
	b.res[l] = r
	b.graph.Resources = append(b.graph.Resources, r)
	return r
}

func (b *builder) visit(g *G) *waitgraph.Goroutine {
	if gr := b.gs[g]; gr != nil {
		return gr
	}
	gr := &waitgraph.Goroutine{ID: int64(g.id), Name: g.name}
	b.gs[g] = gr
	b.graph.Goroutines = append(b.graph.Goroutines, gr)
	rec := g.wait
	if rec == nil {
		// Running: its held list may change under us, so only what the
		// locks' owner fields say is used.
		gr.Runnable = true
		return gr
	}
	for _, h := range rec.holds {
		if !g.valid(&h) {
			continue // released by another goroutine since
		}
		gr.Holds = append(gr.Holds, waitgraph.Hold{Resource: b.resource(h.lock).ID, Mode: mode(h.mode), Stack: b.site(h.pc)})
	}
	r := b.resource(rec.lock)
	gr.Wait = &waitgraph.WaitFor{Resource: r.ID, Mode: mode(rec.mode), Since: rec.since, Stack: b.site(rec.pc), Cancelable: rec.cancelable}
	l := rec.lock
	if o := l.ownerOf(); o != nil {
		og := b.visit(o)
		if o.wait == nil && !holds(og, r.ID) {
			og.Holds = append(og.Holds, waitgraph.Hold{Resource: r.ID, Mode: waitgraph.Lock})
		}
	}
	if l.kind == waitgraph.RWMutex {
		found := 0
		for _, wg := range e.heldBy[l] {
			if holdsRead(wg, l) {
				b.visit(wg)
				found++
			}
		}
		if rec.mode == Read {
			for _, wg := range e.byLock[l] {
				if wr := wg.wait; wr != nil && wr.mode == Write {
					b.visit(wg)
				}
			}
		}
		if l.readers != nil {
			for range l.readerCount() - found {
				// A reader that is running: it will release.
				b.unknown--
				b.graph.Goroutines = append(b.graph.Goroutines, &waitgraph.Goroutine{
					ID: b.unknown, Runnable: true, State: "running reader",
					Holds: []waitgraph.Hold{{Resource: r.ID, Mode: waitgraph.RLock}},
				})
			}
		}
	}
	return gr
}

func holds(gr *waitgraph.Goroutine, res string) bool {
	for _, h := range gr.Holds {
		if h.Resource == res {
			return true
		}
	}
	return false
}

// deadlockFinding describes a stuck group found from g. Called with e.wmu
// held; it rebuilds the graph with stacks.
func deadlockFinding(g *G, grp waitgraph.Group) *report.Finding {
	b := newBuilder(true)
	b.visit(g)
	var lockIDs []uint64
	for l := range b.res {
		lockIDs = append(lockIDs, l.id)
	}
	slices.Sort(lockIDs)
	parts := make([]uint64, 0, len(grp.Goroutines)+len(lockIDs))
	for _, id := range grp.Goroutines {
		parts = append(parts, uint64(id))
	}
	parts = append(parts, lockIDs...)
	e.mu.Lock()
	fresh := once(report.Deadlock, parts...)
	e.mu.Unlock()
	if !fresh {
		return nil
	}
	dump := rt.AllStacks()
	f := &report.Finding{Kind: report.Deadlock, Source: "runtime"}
	for wg, wr := range e.waiters {
		if slices.Contains(grp.Goroutines, int64(wg.id)) {
			wr.deadlocked = true
		}
	}
	// Cycle members first, in cycle order, then the others.
	order := slices.Clone(grp.Cycle)
	for _, id := range grp.Goroutines {
		if !slices.Contains(order, id) {
			order = append(order, id)
		}
	}
	used := make(map[string]bool)
	for _, id := range order {
		gr := b.graph.Goroutine(id)
		if gr == nil {
			continue
		}
		if d := dump[id]; d != nil {
			gr.Stack = userFrames(d.Frames)
			gr.State = d.Status
		}
		f.Goroutines = append(f.Goroutines, gr)
		for _, h := range gr.Holds {
			used[h.Resource] = true
		}
		if gr.Wait != nil {
			used[gr.Wait.Resource] = true
			f.Positions = append(f.Positions, gr.Wait.Stack.Top().Pos())
		}
	}
	for _, r := range b.graph.Resources {
		if used[r.ID] {
			f.Resources = append(f.Resources, r)
		}
	}
	var steps []string
	for i, id := range grp.Cycle {
		gr := b.graph.Goroutine(id)
		next := grp.Cycle[(i+1)%len(grp.Cycle)]
		steps = append(steps, fmt.Sprintf("goroutine %d waits for %s held by goroutine %d", gr.ID, gr.Wait.Resource, next))
	}
	f.Summary = strings.Join(steps, "; ")
	if len(grp.Cycle) == 1 {
		f.Summary = fmt.Sprintf("goroutine %d waits for %s, which it holds itself", grp.Cycle[0], b.graph.Goroutine(grp.Cycle[0]).Wait.Resource)
	}
	f.Hint = report.Deadlock.Info().Hint
	return f
}

// longWaitFinding describes a wait longer than the threshold, with the
// holders' current stacks, or a lock-leak if the holder has exited. Called
// with e.wmu held.
func longWaitFinding(r *waitRec) *report.Finding {
	b := newBuilder(true)
	w := b.visit(r.g)
	dump := rt.AllStacks()
	kind := report.LongWait
	f := &report.Finding{Source: "runtime"}
	waited := time.Since(r.since).Round(time.Millisecond)
	res := b.resource(r.lock)
	var holders []string
	for _, gr := range b.graph.Goroutines {
		if d := dump[gr.ID]; d != nil {
			gr.Stack = userFrames(d.Frames)
			gr.State = d.Status
		} else if gr.ID > 0 && gr != w {
			gr.State = "exited"
			kind = report.LockLeak
		}
		if gr != w && holds(gr, res.ID) {
			holders = append(holders, gr.Label())
		}
		f.Goroutines = append(f.Goroutines, gr)
	}
	f.Kind = kind
	f.Resources = b.graph.Resources
	f.Positions = []string{w.Wait.Stack.Top().Pos()}
	who := "an unknown goroutine"
	if len(holders) > 0 {
		who = strings.Join(holders, ", ")
	}
	if kind == report.LockLeak {
		f.Summary = fmt.Sprintf("%s has waited %v for %s, held by %s, which has exited without releasing it", w.Label(), waited, res.ID, who)
	} else {
		f.Summary = fmt.Sprintf("%s has waited %v for %s, held by %s", w.Label(), waited, res.ID, who)
	}
	f.Hint = kind.Info().Hint
	return f
}

// userFrames converts dump frames, dropping gridlock's own.
func userFrames(fs []rt.Frame) waitgraph.Stack {
	var s waitgraph.Stack
	for _, fr := range fs {
		if internalFunc(fr.Func) || strings.HasPrefix(fr.Func, "runtime.") || strings.HasPrefix(fr.Func, "internal/") {
			continue
		}
		s = append(s, waitgraph.Frame{Func: fr.Func, File: fr.File, Line: fr.Line})
	}
	return s
}

// Snapshot returns the current wait-for graph: every goroutine parked on a
// watched lock, what it holds and where it took it, and the goroutines that
// hold what it waits for. Goroutines are in increasing id order.
func Snapshot() *waitgraph.Graph {
	if e.state.Load() == stateUninit {
		return &waitgraph.Graph{}
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	b := newBuilder(true)
	gs := make([]*G, 0, len(e.waiters))
	for g := range e.waiters {
		gs = append(gs, g)
	}
	slices.SortFunc(gs, func(a, b *G) int { return cmpID(a.id, b.id) })
	for _, g := range gs {
		b.visit(g)
	}
	slices.SortFunc(b.graph.Goroutines, func(a, b *waitgraph.Goroutine) int { return cmpID(uint64(a.ID), uint64(b.ID)) })
	return b.graph
}

func cmpID(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
