package sched

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// quiet is how long a schedule in which code out of its control used a
// hook waits, once every goroutine it controls is blocked, for that code
// to release one, before it reports them.
const quiet = 200 * time.Millisecond

// checkStuck is called when no goroutine can run. If some are out of
// control, they will come back; otherwise the blocked ones are blocked
// for good. Called with s.mu held.
func (s *Sched) checkStuck() {
	stuck := s.stuckSet()
	if len(stuck) == 0 {
		s.maybeLeakCheck()
		return
	}
	if s.outside.Load() {
		p := s.progress.Load()
		time.AfterFunc(quiet, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if !s.over && s.cur == nil && s.progress.Load() == p {
				if st := s.stuckSet(); len(st) > 0 {
					s.depend("code the schedule does not control used the same primitives")
					s.report(st)
				}
			}
		})
		return
	}
	s.report(stuck)
}

// stuckSet returns the blocked goroutines if every goroutine of the
// schedule is blocked or finished. Called with s.mu held.
func (s *Sched) stuckSet() []*G {
	var stuck []*G
	for _, g := range s.gs {
		switch g.st {
		case blocked:
			if len(g.on) == 1 && g.on[0].Kind == Subtest {
				continue // a test waiting in t.Run: its subtest is the one
			}
			stuck = append(stuck, g)
		case finished:
		default:
			return nil
		}
	}
	return stuck
}

// report ends the schedule with a finding for the stuck goroutines: the
// root, which is among them or has ended, is aborted. Called with s.mu
// held.
func (s *Sched) report(stuck []*G) {
	s.finding = s.build(stuck, "")
	s.abort()
}

// build returns the finding for the stuck goroutines; why, if not empty,
// replaces the summary's opening. Called with s.mu held.
func (s *Sched) build(stuck []*G, why string) *report.Finding {
	gr := s.graph(stuck)
	groups := gr.Stuck()
	kind := report.PartialDeadlock
	var cycle []int64
	// A goroutine that waits for a lock it holds: a recursive lock,
	// whatever else waits on it (a read lock taken again waits for the
	// writer that waits for it: the recursive read lock is the cause).
	for _, g := range stuck {
		if self := report.Kind(s.waitsForItself(g)); self == report.RecursiveLock || self == report.RecursiveRLock {
			kind, cycle = self, []int64{int64(g.id)}
			break
		}
	}
	for _, grp := range groups {
		if len(grp.Cycle) > 0 && len(cycle) == 0 {
			kind, cycle = report.Deadlock, grp.Cycle
			break
		}
	}
	// A goroutine that waits for itself alone: a channel only it can
	// reach.
	for _, g := range stuck {
		if self := s.waitsForItself(g); self != "" && len(cycle) == 0 {
			kind, cycle = report.Kind(self), []int64{int64(g.id)}
			break
		}
	}
	// A goroutine that waits for a lock a goroutine that has exited
	// holds: a lock leak, as gridlock test calls it; the holder is
	// shown, exited.
	var exited []*waitgraph.Goroutine
	for _, g := range stuck {
		if len(cycle) > 0 {
			break
		}
		x := gr.Goroutine(int64(g.id))
		for _, h := range s.exitedHolders(g) {
			mode := waitgraph.Lock
			if h.l.writer != h.g {
				mode = waitgraph.RLock
			}
			exited = append(exited, &waitgraph.Goroutine{ID: int64(h.g.id), Name: h.g.name, State: "exited",
				Holds: []waitgraph.Hold{{Resource: x.Wait.Resource, Mode: mode}}})
		}
		if len(exited) > 0 {
			kind, cycle = report.LockLeak, []int64{x.ID}
		}
	}
	f := &report.Finding{Kind: kind, Source: "explore", Certainty: report.Certain, Hint: kind.Info().Hint, Time: time.Now()}
	order := append([]int64(nil), cycle...)
	// Then those that wait for nobody live (the cause), then the rest.
	for _, g := range stuck {
		if x := gr.Goroutine(int64(g.id)); !containsID(order, x.ID) && len(gr.Needs(x).By) == 0 {
			order = append(order, x.ID)
		}
	}
	for _, g := range stuck {
		if !containsID(order, int64(g.id)) {
			order = append(order, int64(g.id))
		}
	}
	used := map[string]bool{}
	var steps []string
	for _, id := range order {
		x := gr.Goroutine(id)
		f.Goroutines = append(f.Goroutines, x)
		for _, h := range x.Holds {
			used[h.Resource] = true
		}
		if x.Wait != nil {
			used[x.Wait.Resource] = true
			f.Positions = append(f.Positions, x.Wait.Stack.Top().Pos())
			what := x.Wait.Resource
			if r := gr.Resource(what); r != nil {
				what = r.Label()
			}
			steps = append(steps, fmt.Sprintf("%s %s %s at %s", x.Label(), verb(x.Wait.Mode), what, x.Wait.Stack.Top()))
		}
	}
	if len(exited) > 0 {
		f.Goroutines = append(f.Goroutines[:1], append(exited, f.Goroutines[1:]...)...)
	}
	for _, r := range gr.Resources {
		if used[r.ID] {
			f.Resources = append(f.Resources, r)
		}
	}
	switch kind {
	case report.Deadlock:
		f.Summary = "under a controlled schedule, no goroutine of the test can run: " + strings.Join(steps, "; ")
	case report.RecursiveLock:
		f.Summary = "under a controlled schedule, a goroutine waits for a lock it holds: " + strings.Join(steps, "; ")
	case report.LockLeak:
		var who []string
		for _, x := range exited {
			who = append(who, x.Label())
		}
		f.Summary = "under a controlled schedule, a goroutine waits for a lock held by " + strings.Join(who, ", ") + ", which has exited without releasing it: " + strings.Join(steps, "; ")
	case report.RecursiveRLock:
		f.Summary = "under a controlled schedule, a goroutine read-locks again a lock it read-holds, behind a writer that waits for it: " + strings.Join(steps, "; ")
	default:
		f.Summary = "under a controlled schedule, goroutines wait for good with no circular wait: " + strings.Join(steps, "; ")
	}
	if why != "" {
		f.Summary = why + ": " + strings.Join(steps, "; ")
	}
	f.Key = report.Identity(f)
	return f
}

// waitsForItself returns the kind of finding if g waits for itself alone:
// recursive-lock for a lock it holds (or a read lock it holds, write-
// locked again), recursive-rlock for a read lock it holds, read-locked
// again behind a waiting writer; deadlock for a send on a buffered
// channel it made and filled, which no other goroutine of the schedule
// used or was given (it holds the buffer as a semaphore's permits). A
// receive on such a channel, or a send on an unbuffered one, holds
// nothing: it is blocked for good, not in a circular wait ("", as
// gridlock test's post-mortem decides). Called with s.mu held.
func (s *Sched) waitsForItself(g *G) string {
	if len(g.why.ops) != 1 {
		return ""
	}
	o := g.why.ops[0]
	switch o.Kind {
	case Mutex, WLock, RLock:
		l := s.locks[o.Key]
		switch {
		case l == nil:
		case l.writer == g || o.Kind == WLock && slices.Contains(l.readers, g):
			return string(report.RecursiveLock)
		case o.Kind == RLock && slices.Contains(l.readers, g):
			return string(report.RecursiveRLock)
		}
	case Chan:
		if !o.Send || o.Key == nil || !s.known[o.Key] || s.makers[o.Key] != g || len(s.given[o.Key]) > 0 {
			return ""
		}
		for _, u := range s.users[o.Key] {
			if u != g {
				return ""
			}
		}
		if atomic.LoadUintptr(&(*hchan)(o.Key).dataqsiz) == 0 {
			return ""
		}
		return string(report.Deadlock)
	}
	return ""
}

// A heldBy is a goroutine holding a lock.
type heldBy struct {
	g *G
	l *lockRec
}

// exitedHolders returns the goroutines that have exited holding the lock
// g waits for, in a mode that excludes g. Called with s.mu held.
func (s *Sched) exitedHolders(g *G) []heldBy {
	if len(g.why.ops) != 1 || !isLock(g.why.ops[0].Kind) {
		return nil
	}
	o := g.why.ops[0]
	l := s.locks[o.Key]
	if l == nil {
		return nil
	}
	var hs []heldBy
	if l.writer != nil && l.writer != g && l.writer.st == finished {
		hs = append(hs, heldBy{l.writer, l})
	}
	if o.Kind != RLock {
		for _, r := range l.readers {
			if r != g && r.st == finished {
				hs = append(hs, heldBy{r, l})
			}
		}
	}
	return hs
}

// ends is who was seen at each end of a channel (senders, receivers) or
// condition (signallers, waiters), and a condition's lock.
type ends struct {
	sent, recvd []*G
	lock        unsafe.Pointer // a condition's lock, once a Wait released it
}

// sawEnd records g at one end of the channel or condition at key. Called
// with s.mu held.
func (s *Sched) sawEnd(key unsafe.Pointer, g *G, send bool) {
	e := s.endsOf(key)
	if send && !slices.Contains(e.sent, g) {
		e.sent = append(e.sent, g)
	} else if !send && !slices.Contains(e.recvd, g) {
		e.recvd = append(e.recvd, g)
	}
}

func (s *Sched) endsOf(key unsafe.Pointer) *ends {
	if s.ends == nil {
		s.ends = make(map[unsafe.Pointer]*ends)
	}
	e := s.ends[key]
	if e == nil {
		e = &ends{}
		s.ends[key] = e
	}
	return e
}

// condLock records the lock of the condition at key: the one of held, the
// locks g held before its Wait, that g no longer holds. Called with s.mu
// held.
func (s *Sched) condLock(key unsafe.Pointer, g *G, held []*lockRec) {
	for _, l := range held {
		if !slices.Contains(g.holds, l) {
			s.endsOf(key).lock = l.key
			return
		}
	}
}

// A releaser is a goroutine that may release a waiter, and why.
type releaser struct {
	g   *G
	why string
}

// releasers returns the goroutines that may release g from its wait o on
// a channel, condition, wait group or semaphore, by the rules gridlock
// test decides a hang by (the engine's releasers, internal/stuck's
// post-mortem inferences), so that both classify a wait alike:
//
//   - a channel: the goroutines seen at its other end (who sent on it,
//     for a receiver; who received from it, for a sender) and those given
//     it when started; when none was, its maker, which holds it (unless
//     it is g: see waitsForItself);
//   - a condition: who signalled it before, who holds or waits for its
//     lock; when none did, the goroutines blocked on a lock one of its
//     waiters holds (only a goroutine that can reach the condition can
//     signal it, and these wait for a waiter: the lock held across a
//     Cond.Wait closing a circular wait);
//   - a wait group: who owes a Done or called Done before, as the
//     engine's record knows them (WaitGroupPartners); any goroutine of
//     the schedule when it knows none;
//   - a semaphore: the holders of its permits, as the engine's record
//     knows them (SemaphoreHolders); any goroutine of the schedule when
//     it does not.
//
// Finished goroutines are listed (they count as seen) and release
// nothing. Called with s.mu held.
func (s *Sched) releasers(g *G, o Op, stuck []*G) []releaser {
	var rels []releaser
	add := func(x *G, why string) {
		if x != nil && x != g {
			rels = append(rels, releaser{x, why})
		}
	}
	e := s.ends[o.Key]
	if e == nil {
		e = &ends{}
	}
	switch o.Kind {
	case Chan:
		other, why := e.sent, "sent on it before"
		if o.Send {
			other, why = e.recvd, "received from it before"
		}
		for _, x := range other {
			add(x, why)
		}
		for _, x := range s.given[o.Key] {
			add(x, "was given it when started")
		}
		if len(rels) == 0 {
			add(s.makers[o.Key], "made it, and no other goroutine was seen at its other end")
		}
	case Cond:
		for _, x := range e.sent {
			add(x, "signalled it before")
		}
		if l := s.locks[e.lock]; l != nil {
			add(l.writer, "holds its lock")
			for _, x := range l.readers {
				add(x, "holds its lock")
			}
			for _, x := range s.gs {
				if x.st == blocked && slices.ContainsFunc(x.why.ops, func(wo Op) bool { return wo.Key == e.lock }) {
					add(x, "waits for its lock")
				}
			}
		}
		if len(rels) > 0 {
			break
		}
		for _, w := range stuck {
			if !slices.ContainsFunc(w.why.ops, func(wo Op) bool { return wo.Kind == Cond && wo.Key == o.Key }) {
				continue
			}
			for _, h := range w.holds {
				for _, x := range stuck {
					if x != w && slices.ContainsFunc(x.why.ops, func(xo Op) bool { return isLock(xo.Kind) && xo.Key == h.key }) {
						add(x, "waits for a lock a waiter holds")
					}
				}
			}
		}
	case WaitGroup:
		// The engine's record of who owes a Done (goroutines started
		// after an Add, or by WaitGroup.Go) and who called Done without
		// owing one; without one, any goroutine may.
		if gids, known := waitGroupPartners(o.Key); known {
			for _, id := range gids {
				add(s.byID[id], "may still call Done")
			}
			break
		}
		for _, x := range s.gs {
			add(x, "may still call Done")
		}
	case Semaphore:
		// The holders of its permits, as the engine's record knows them;
		// any goroutine when it does not.
		if gids, known := semaphoreHolders(o.Key); known {
			for _, id := range gids {
				add(s.byID[id], "holds permits")
			}
			break
		}
		for _, x := range s.gs {
			add(x, "may still release permits")
		}
	default:
		for _, x := range s.gs {
			add(x, "used it in this schedule")
		}
	}
	return rels
}

// HeldMutexName, if set (by gridlock/sync), names the held Mutex at p
// from the engine's record it keeps while held, for a lock LockName does
// not know (a Once's, which keeps its record in place of a home).
var HeldMutexName func(p unsafe.Pointer) string

// WaitGroupPartners, if set (by gridlock/sync), returns the goroutines
// that may call Done on the wait group at p, by their runtime ids, and
// whether its record knows any (see engine.Prim.Partners).
var WaitGroupPartners func(p unsafe.Pointer) (gids []uint64, known bool)

func waitGroupPartners(p unsafe.Pointer) ([]uint64, bool) {
	if WaitGroupPartners == nil {
		return nil, false
	}
	return WaitGroupPartners(p)
}

// SemaphoreHolders, if set (by gridlock), returns the goroutines that
// hold permits of the semaphore at p, by their runtime ids, and whether
// its record knows them all (see engine.Prim.Holders).
var SemaphoreHolders func(p unsafe.Pointer) (gids []uint64, known bool)

func semaphoreHolders(p unsafe.Pointer) ([]uint64, bool) {
	if SemaphoreHolders == nil {
		return nil, false
	}
	return SemaphoreHolders(p)
}

func isLock(k Kind) bool { return k == Mutex || k == RLock || k == WLock }

// abort ends a schedule that found something: the stuck goroutines stay
// parked; the root ends. Called with s.mu held.
func (s *Sched) abort() {
	s.over = true
	active.CompareAndSwap(s, nil)
	engine.SetScheduled(On)
	if s.watch != nil {
		s.watch.Stop()
	}
	// The innermost test running ends: the goroutine of the subtest that
	// runs, or the test's. The tests waiting in t.Run for it go on.
	root := s.gs[0]
	if n := len(s.roots); n > 0 {
		root = s.roots[n-1]
		if root.test != "" && s.failed == "" {
			s.failed = root.test
		}
	}
	for _, g := range s.gs {
		if g.st != finished && g != root {
			g.st = blocked
		}
	}
	for _, p := range s.roots {
		if p != root && p.st != finished {
			p.st = out
			select {
			case p.wake <- msgFree:
			default:
			}
		}
	}
	close(s.done)
	parked := root.st == runnable || root.st == blocked && (len(root.why.ops) == 0 || root.why.ops[0].Kind != Leaked)
	switch {
	case parked:
		select {
		case <-root.wake: // a turn it has not taken yet
		default:
		}
		root.wake <- msgAbort
	case root.st != finished && s.unabortable != nil:
		go s.unabortable(s.finding)
	}
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// graph builds the wait-for graph of the schedule's goroutines. Called
// with s.mu held.
func (s *Sched) graph(stuck []*G) *waitgraph.Graph {
	gr := &waitgraph.Graph{}
	ids := map[unsafe.Pointer]*waitgraph.Resource{}
	counts := map[waitgraph.ResourceKind]int{}
	sel := map[*G]*waitgraph.Resource{} // the wait of each goroutine in a select
	res := func(key unsafe.Pointer, k Kind) *waitgraph.Resource {
		if r := ids[key]; r != nil {
			return r
		}
		kind := resKind(k)
		if l := s.locks[key]; l != nil && l.rw {
			kind = waitgraph.RWMutex
		}
		counts[kind]++
		r := &waitgraph.Resource{ID: fmt.Sprintf("%s#%d", kind, counts[kind]), Kind: kind, Exact: true}
		if (kind == waitgraph.Mutex || kind == waitgraph.RWMutex) && LockName != nil {
			n := LockName(key)
			if n == "" && kind == waitgraph.Mutex && HeldMutexName != nil {
				n = HeldMutexName(key)
			}
			if n != "" {
				r.Name = n
				r.ID = fmt.Sprintf("%s#%d", n, counts[kind])
				if strings.Contains(n, "#") {
					r.ID = n // the engine's label of this lock, already unique
				}
			}
		}
		ids[key] = r
		gr.Resources = append(gr.Resources, r)
		return r
	}
	for _, g := range s.gs {
		if g.st == finished {
			continue
		}
		x := &waitgraph.Goroutine{ID: int64(g.id), Name: g.name, State: "blocked (explore)"}
		for _, l := range g.holds {
			mode := waitgraph.Lock
			if l.writer != g {
				mode = waitgraph.RLock
			}
			x.Holds = append(x.Holds, waitgraph.Hold{Resource: res(l.key, Mutex).ID, Mode: mode})
		}
		if g.st == blocked && len(g.why.ops) > 0 && g.why.ops[0].Kind == Leaked {
			counts[waitgraph.Unknown]++
			r := &waitgraph.Resource{ID: fmt.Sprintf("unknown#%d", counts[waitgraph.Unknown]), Kind: waitgraph.Unknown, Name: g.why.op, Exact: true}
			gr.Resources = append(gr.Resources, r)
			x.Wait = &waitgraph.WaitFor{Resource: r.ID, Mode: waitgraph.Wait, Stack: g.stack}
			x.State = g.why.op
		} else if g.st == blocked && len(g.why.ops) > 1 {
			// A select waits for any of its cases: one resource of its
			// own, released by whoever may release any case, as the
			// engine's graph has it.
			r := &waitgraph.Resource{ID: fmt.Sprintf("select@%d", g.id), Kind: waitgraph.Select, Exact: true}
			var names []string
			for _, o := range g.why.ops {
				if !o.Outside {
					names = append(names, fmt.Sprintf("%s %s", waitMode(o), res(o.Key, o.Kind).ID))
				}
			}
			r.Name = strings.Join(names, ", ")
			gr.Resources = append(gr.Resources, r)
			sel[g] = r
			x.Wait = &waitgraph.WaitFor{Resource: r.ID, Mode: waitgraph.Wait, Stack: frames(g.pcs)}
		} else if g.st == blocked && len(g.why.ops) > 0 {
			o := g.why.ops[0]
			r := res(o.Key, o.Kind)
			x.Wait = &waitgraph.WaitFor{Resource: r.ID, Mode: waitMode(o), Stack: frames(g.pcs)}
		} else {
			x.Runnable = true
		}
		gr.Goroutines = append(gr.Goroutines, x)
	}
	// Releasers of what is not a lock (see releasers).
	for _, g := range stuck {
		for _, o := range g.why.ops {
			if o.Kind == Mutex || o.Kind == RLock || o.Kind == WLock || o.Outside {
				continue
			}
			r := sel[g]
			if r == nil {
				r = res(o.Key, o.Kind)
			}
			for _, rel := range s.releasers(g, o, stuck) {
				if rel.g != g && rel.g.st != finished && !hasRel(r.Releasers, int64(rel.g.id)) {
					r.Releasers = append(r.Releasers, waitgraph.Releaser{Goroutine: int64(rel.g.id), Why: rel.why})
				}
			}
		}
	}
	return gr
}

func hasRel(rs []waitgraph.Releaser, id int64) bool {
	for _, r := range rs {
		if r.Goroutine == id {
			return true
		}
	}
	return false
}

func resKind(k Kind) waitgraph.ResourceKind {
	switch k {
	case Mutex:
		return waitgraph.Mutex
	case RLock, WLock:
		return waitgraph.RWMutex
	case WaitGroup:
		return waitgraph.WaitGroup
	case Cond:
		return waitgraph.Cond
	case Semaphore:
		return waitgraph.Semaphore
	}
	return waitgraph.Chan
}

func waitMode(o Op) waitgraph.Mode {
	switch o.Kind {
	case Mutex, WLock:
		return waitgraph.Lock
	case RLock:
		return waitgraph.RLock
	case Semaphore:
		return waitgraph.Acquire
	case Chan:
		if o.Send {
			return waitgraph.Send
		}
		return waitgraph.Recv
	}
	return waitgraph.Wait
}

// frames turns pcs into a stack, leaving out gridlock's own frames.
func frames(pcs []uintptr) waitgraph.Stack {
	var st waitgraph.Stack
	fs := runtime.CallersFrames(pcs)
	for {
		f, more := fs.Next()
		if !own(f.Function) {
			st = append(st, waitgraph.Frame{Func: f.Function, File: f.File, Line: f.Line})
		}
		if !more || len(st) >= 16 {
			break
		}
	}
	return st
}

// own reports whether fn is gridlock's: a hook, the mirror, the scheduler.
func own(fn string) bool {
	for _, p := range []string{"github.com/gridlock-go/gridlock.", "github.com/gridlock-go/gridlock/sync.", "github.com/gridlock-go/gridlock/internal/", "runtime."} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// verb says what a goroutine waiting in mode m does.
func verb(m waitgraph.Mode) string {
	switch m {
	case waitgraph.Lock:
		return "waits to lock"
	case waitgraph.RLock:
		return "waits to read-lock"
	case waitgraph.Send:
		return "waits to send on"
	case waitgraph.Recv:
		return "waits to receive from"
	case waitgraph.Acquire:
		return "waits to acquire"
	}
	return "waits on"
}

// drainWait is how long Drain waits for goroutines out of control to come
// back.
const drainWait = 50 * time.Millisecond

// anySlept reports whether a goroutine of the schedule is out of control
// because it held the processor too long (asleep, computing): it may well
// come back soon. Called with s.mu held.
func (s *Sched) anySlept() bool {
	for _, x := range s.gs {
		if x.st == out && x.slept {
			return true
		}
	}
	return false
}

// anyOut reports whether a goroutine of the schedule is out of control.
// Called with s.mu held.
func (s *Sched) anyOut() bool {
	for _, x := range s.gs {
		if x.st == out || x.st == handing {
			return true
		}
	}
	return false
}

// drainSteps bounds the steps the goroutines left by a returned root may
// take before Drain gives up on them.
const drainSteps = 10000

// Drain is called by the root when the test returns (its cleanups run):
// the goroutines it leaves run until none can; those then blocked for
// good on what the schedule made and nothing live can reach are reported
// (partial-deadlock: a leak). Goroutines out of control make the question
// undecidable: nothing is reported then.
func (s *Sched) Drain(gid uint64) {
	s.mu.Lock()
	g := s.byID[gid]
	if g == nil || s.over {
		s.mu.Unlock()
		return
	}
	s.comeBack(g) // if it slept out of control
	if s.over || g.st != running {
		s.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	s.draining, s.drainEnd = ch, s.steps+drainSteps
	g.st = finished
	s.cur = nil
	s.progress.Add(1)
	s.dispatch(nil)
	s.mu.Unlock()
	<-ch
	// Goroutines out of control (asleep, in a real wait) may come back
	// soon: wait a little for them.
	deadline := time.Now().Add(drainWait)
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.over && s.anySlept() && time.Now().Before(deadline) {
		ch = make(chan struct{})
		s.draining = ch
		s.mu.Unlock()
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
		s.mu.Lock()
	}
	s.draining = nil
	if s.over {
		return
	}
	// Take the processor back from whoever has it: nobody runs on.
	g.st = running
	if s.cur != nil && s.cur != g {
		s.cur.st = runnable
	}
	s.cur = g
	for _, x := range s.gs {
		if x.st == runnable && x != g {
			return
		}
	}
	if s.anyOut() {
		// Waiting for real: only the runtime's leak detector can tell
		// whether they wait for good.
		if f := s.leakedOut(); f != nil {
			s.finding = f
		}
		return
	}
	var leaked []*G
	for _, x := range s.gs {
		if x.st == blocked && s.unreachable(x) {
			leaked = append(leaked, x)
		}
	}
	if len(leaked) > 0 {
		s.finding = s.build(leaked, "when the test returned, goroutines it started wait for good: nothing live can release them")
	}
}

// unreachable reports whether what x waits for was made in the schedule
// and no goroutine but blocked ones can release it. Called with s.mu held
// once every goroutine of the schedule is blocked or finished.
func (s *Sched) unreachable(x *G) bool {
	for _, o := range x.why.ops {
		if o.Outside {
			return false
		}
		if o.Kind == Chan && o.Key != nil && (!s.known[o.Key] || s.unfired(o.Key)) {
			return false // a channel from outside, or a timer's yet to fire
		}
		if o.Kind == Sleep || o.Kind == Subtest {
			return false
		}
	}
	return len(x.why.ops) > 0
}

// leakedOut asks the runtime's goroutine leak detector (a build with
// GOEXPERIMENT=goroutineleakprofile) which of the goroutines out of
// control are blocked for good, and returns the finding for them, or nil.
// Called with s.mu held, once the root has returned and nothing else of
// the schedule can run.
func (s *Sched) leakedOut() *report.Finding {
	p := pprof.Lookup("goroutineleak")
	if p == nil {
		return nil
	}
	// The schedule is over but for this: drop its references to the
	// program's channels and locks, which would keep what the goroutines
	// wait on reachable, and so them not leaked.
	s.end()
	s.known, s.users, s.makers, s.given, s.locks, s.conds, s.ends = nil, nil, nil, nil, nil, nil, nil
	for _, x := range s.gs {
		x.on, x.why.ops, x.holds = nil, nil, nil
	}
	if p.WriteTo(io.Discard, 0) != nil {
		return nil
	}
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	f := &report.Finding{Kind: report.PartialDeadlock, Source: "explore", Certainty: report.Certain, Hint: report.PartialDeadlock.Info().Hint, Time: time.Now()}
	var steps []string
	for _, x := range s.gs {
		if x.st != out {
			continue
		}
		state, stack, ok := leakedStack(buf, x.id)
		if !ok {
			continue
		}
		gr := &waitgraph.Goroutine{ID: int64(x.id), Name: x.name, State: state, Stack: stack}
		f.Goroutines = append(f.Goroutines, gr)
		f.Positions = append(f.Positions, stack.Top().Pos())
		steps = append(steps, fmt.Sprintf("%s [%s] at %s", gr.Label(), state, stack.Top()))
	}
	if len(f.Goroutines) == 0 {
		return nil
	}
	f.Summary = "when the test returned, goroutines it started wait for good (proven by the runtime's leak detector): " + strings.Join(steps, "; ")
	f.Key = report.Identity(f)
	return f
}

// leakedStack finds goroutine id in a dump of all stacks and returns its
// state and stack if the leak detector marked it leaked.
func leakedStack(dump []byte, id uint64) (string, waitgraph.Stack, bool) {
	head := []byte(fmt.Sprintf("goroutine %d [", id))
	i := bytes.Index(dump, head)
	if i < 0 {
		return "", nil, false
	}
	block := dump[i+len(head):]
	if j := bytes.Index(block, []byte("\n\n")); j >= 0 {
		block = block[:j]
	}
	lines := strings.Split(string(block), "\n")
	state, _, _ := strings.Cut(lines[0], "]:")
	if !strings.Contains(state, "(leaked)") {
		return "", nil, false
	}
	var st waitgraph.Stack
	for k := 1; k+1 < len(lines); k += 2 {
		fn := lines[k]
		if strings.HasPrefix(fn, "created by ") {
			break
		}
		if p := strings.LastIndexByte(fn, '('); p > 0 {
			fn = fn[:p]
		}
		loc := strings.TrimSpace(lines[k+1])
		if sp := strings.IndexByte(loc, ' '); sp > 0 {
			loc = loc[:sp]
		}
		file, line := loc, 0
		if c := strings.LastIndexByte(loc, ':'); c > 0 {
			file = loc[:c]
			fmt.Sscan(loc[c+1:], &line)
		}
		if !own(fn) {
			st = append(st, waitgraph.Frame{Func: fn, File: file, Line: line})
		}
	}
	return state, st, len(st) > 0
}

// leakAfter is how long nothing of a schedule must have moved, every
// goroutine it controls blocked but some out of control, before the
// runtime's leak detector is asked whether those are blocked for good.
const leakAfter = 200 * time.Millisecond

// maybeLeakCheck arranges a leak check when the goroutines out of control
// are all that keeps the schedule from a verdict. Called with s.mu held.
func (s *Sched) maybeLeakCheck() {
	if s.leakCheck || s.over || s.draining != nil {
		return
	}
	blockedAny := false
	for _, x := range s.gs {
		switch x.st {
		case blocked:
			blockedAny = true
		case runnable, running, handing:
			return
		}
	}
	if !blockedAny || !s.anyOut() {
		return
	}
	s.leakCheck = true
	time.AfterFunc(leakAfter, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.leakCheck = false
		// No check of progress: the watchdog's polls make some. The
		// verdict is the leak detector's, and the rest is decided
		// again below, under s.mu.
		if s.over || s.cur != nil || s.draining != nil {
			return
		}
		prof := pprof.Lookup("goroutineleak")
		if prof == nil || prof.WriteTo(io.Discard, 0) != nil {
			return
		}
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, x := range s.gs {
			if x.st != out {
				continue
			}
			state, stack, ok := leakedStack(buf, x.id)
			if !ok {
				continue
			}
			x.st = blocked
			x.on = nil
			x.stack = stack
			x.why = wait{op: state, ops: []Op{{Kind: Leaked}}}
		}
		if st := s.stuckSet(); len(st) > 0 {
			s.depend("a goroutine waited out of the scheduler's control; the runtime's leak detector proved it blocked for good")
			s.report(st)
		}
	})
}
