package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// waitable is something a goroutine can wait for: a lock or a primitive.
type waitable interface {
	// node returns the resource for a graph being built.
	node(b *builder) *waitgraph.Resource
	// release adds to b the goroutines that may release waiter w from its
	// wait on, and returns the releasers that do not hold the resource
	// (for primitives), how many of them must act (0: one), and whether
	// the engine knows every goroutine that could.
	release(b *builder, w *waitRec, on waitOn) (rels []waitgraph.Releaser, quorum int, exact bool)
}

// waitOn is one thing a wait is for; a select waits for several.
type waitOn struct {
	res   waitable
	mode  waitgraph.Mode
	count int64 // semaphore permits
}

// waitRec is a goroutine's registered wait.
type waitRec struct {
	g          *G
	on         []waitOn
	since      time.Time
	pc         uintptr
	cancelable bool
	recursive  bool // already reported as recursive-lock
	longDone   bool
	next       time.Duration
	putOff     int64  // set when a re-check was put off: when it may run (see checkQuiet)
	holds      []held // g's held list when the wait began (stable while it waits)
	deadlocked bool   // part of a reported deadlock: no long-wait on top
	crossed    bool   // a lock held across it was reported (crossingOf)
	outside    bool   // a select with a case gridlock does not watch (Outside)
	leakDone   bool   // its lock's holder was found exited (checkLeak)
	async      bool   // registered by another goroutine: its stack is not the waiter's
	// suspect is when a circular wait through this async wait was first
	// seen; see confirmed.
	suspect time.Time
}

// stack returns the waiter's stack for a finding made as the wait
// registers: the current stack if the waiter registers itself, its call
// site otherwise.
func (r *waitRec) stack() waitgraph.Stack {
	if r.async {
		return site(r.pc)
	}
	return symbolize(callers(5))
}

// lock returns the lock a lock wait is for, or nil.
func (r *waitRec) lock() *Lock {
	if len(r.on) == 1 {
		if l, ok := r.on[0].res.(*Lock); ok {
			return l
		}
	}
	return nil
}

// Wait is a goroutine's wait, returned by BeginWait and BeginWaitOn. It
// is registered with the detector only if it lasts past a grace period
// (the first delivery on C): most waits end sooner, and then cost a timer
// reset and nothing else. A nil *Wait is valid and does nothing: the
// engine was off when the wait began.
type Wait struct {
	g          *G
	on         []waitOn
	pc         uintptr
	cancelable bool
	since      time.Time
	seq        uint64
	rec        *waitRec // set once registered
	async      bool     // registered from a timer, not by the waiter (AsyncWait)
	outside    bool     // a select with a case gridlock does not watch; see Outside
	checker    *checker // runs the re-checks once registered; see detach
	// depth and chain describe the waiter's held list when an async wait
	// began: its length and the chain key of its last entry.
	depth int
	chain uint64
	// poked is set for a poked wait (see poker): C is the goroutine's
	// poker's channel until the wait registers.
	poked bool
	// timed is set once the wait reset the goroutine's timer.
	timed bool
}

// Seq identifies the wait among its goroutine's waits, for Prim.Grant.
func (w *Wait) Seq() uint64 {
	if w == nil {
		return 0
	}
	return w.seq
}

// Re-check schedule for a parked waiter.
const (
	grace      = time.Millisecond
	firstCheck = 100 * time.Millisecond
	maxCheck   = 2 * time.Second
)

// BeginWait starts g's wait for l in mode m, at call site pc. cancelable
// says the wait may end without the lock (a context). The waiter must call
// Tick whenever the channel from C delivers, and End when the wait is
// over. The first Tick registers the wait and checks at once whether it
// closes a circular wait.
func BeginWait(g *G, l *Lock, m Mode, pc uintptr, cancelable bool) *Wait {
	if g == nil || l == nil || e.state.Load() != stateOn || g.bubbled {
		return nil
	}
	w := prepare(g, pc, cancelable)
	w.on = append(w.on, waitOn{res: l, mode: mode(m)})
	return w
}

// WaitOn is one thing a primitive's wait is for.
type WaitOn struct {
	Prim  *Prim
	Mode  waitgraph.Mode
	Count int64 // semaphore permits
}

// Outside is the WaitOn of a select's case on a channel gridlock does not
// watch (a call's result, such as ctx.Done()): such a case may end the
// wait from outside anything the detector knows, so no lock held across
// the select is said to close a cycle through its other cases.
var Outside = WaitOn{Mode: waitgraph.Wait}

// BeginWaitOn starts goroutine gid's wait for the primitives in on
// (several for a select), at call site pc; see BeginWait. Once registered,
// a lock held across the wait and a semaphore wait by a holder of the same
// semaphore are reported at once.
func BeginWaitOn(gid uint64, pc uintptr, cancelable bool, on ...WaitOn) *Wait {
	if !Enabled() || len(on) == 0 {
		return nil
	}
	if !e.fastIDs {
		gid = rt.SlowGoid()
	}
	g := goroutine(gid)
	if g.remote.Load() {
		g.applyRemote()
	}
	if g.bubbled {
		return nil // see G.bubbled
	}
	w := prepare(g, pc, cancelable)
	for _, o := range on {
		w.on = append(w.on, waitOn{res: o.Prim, mode: o.Mode, count: o.Count})
	}
	return w
}

// prepare readies g's wait handle: one per goroutine, reused, since a
// goroutine waits for one thing at a time.
func prepare(g *G, pc uintptr, cancelable bool) *Wait {
	g.waitSeq++
	w := g.handle()
	*w = Wait{g: g, on: w.on[:0], pc: pc, cancelable: cancelable, seq: g.waitSeq}
	if cancelable {
		// Its error tells how long it waited, even if less than grace.
		w.since = time.Now()
	}
	w.reset(grace)
	return w
}

// register enters the wait in the registry, reports what a blocking
// operation under a lock means, and checks for a circular wait. It
// reports false if the wait was granted meanwhile (Prim.Grant).
//
// An async wait is registered by a timer while its goroutine may already
// have woken and run on: its held list is read as it was when the wait
// began (depth entries, the last with chain key chain), and a goroutine
// whose list no longer matches has left the wait: nothing is registered.
// The findings are returned, not delivered: an async wait's caller drops
// them if the wait ended meanwhile.
func (w *Wait) register() (fs []*report.Finding) {
	g := w.g
	if w.since.IsZero() {
		// The wait began a grace period ago, or a little more if the
		// timer ran late: reading the clock here, not in prepare, keeps
		// it off the path of the waits that end sooner (a Cond's, a
		// contended lock's).
		w.since = time.Now().Add(-grace)
	}
	rec := &waitRec{g: g, on: slices.Clone(w.on), since: w.since, pc: w.pc, cancelable: w.cancelable, next: firstCheck, async: w.async, outside: w.outside}
	if l := rec.lock(); l != nil {
		rec.recursive = g.recursiveOn == l
	}
	if w.async {
		holds, ok := heldAtStart(g, w.depth, w.chain)
		if !ok {
			return nil
		}
		rec.holds = pinned(holds)
	} else {
		rec.holds = pinned(g.heldSnapshot())
	}
	func() {
		defer guard()
		e.wmu.Lock()
		defer e.wmu.Unlock()
		if gr := g.granted; gr.res != nil && gr.seq == w.seq {
			return // granted before it could register: nothing to wait for
		}
		if old := g.wait; old != nil {
			// A goroutine waits for one thing at a time.
			if rec.async {
				return // it waits elsewhere: this wait has ended, or is ending
			}
			unregister(old) // an async wait whose End never came
		}
		if rec.lock() == nil {
			fs = appendNew(fs, semaphoreFinding(rec))
			fs = appendNew(fs, crossingCheck(rec, rec.since, true))
		}
		w.rec = rec
		g.wait = rec
		e.waiters[g] = rec
		for _, o := range rec.on {
			e.byRes[o.res] = append(e.byRes[o.res], g)
		}
		for _, h := range rec.holds {
			e.heldBy[h.lock] = append(e.heldBy[h.lock], g)
		}
		e.waitPeak.note(len(e.waiters))
		e.byResPeak.note(len(e.byRes))
		e.heldByPeak.note(len(e.heldBy))
		// A wait closes a circular wait only if someone may be waiting for
		// this goroutine: it holds something, or it is a writer that
		// blocks new readers. Other waits are checked at their first
		// re-check.
		if len(rec.holds) > 0 || len(g.semas) > 0 || (rec.on[0].mode == waitgraph.Lock && rec.lock() != nil && rec.lock().kind == waitgraph.RWMutex) {
			if start := time.Now(); checkAllowed(start) {
				fs = append(fs, detect(g)...)
				checkSpent(start)
			}
		}
		if l := rec.lock(); l != nil {
			// A goroutine that waits for a lock may be what a holder of
			// it, blocked on a primitive, waits for: the moment a lock
			// held across that wait closes a cycle.
			// Bounded: many readers of one lock, each parked on a
			// primitive, are checked at their own re-checks too.
			now := time.Now()
			for i, hg := range e.heldBy[l] {
				if i == maxCrossChecks {
					break
				}
				if hr := hg.wait; hr != nil && hg != g {
					fs = appendNew(fs, crossingCheck(hr, now, false))
				}
			}
		}
	}()
	return fs
}

// heldAtStart returns the first depth entries of g's held list, those it
// held when a wait began, if the entry at depth-1 still has chain key
// chain; ok is false if the list no longer matches (g has run on since).
// Other goroutines call it; stale values only make ok false or drop an
// entry released meanwhile.
//
//go:norace
func heldAtStart(g *G, depth int, chain uint64) (holds []held, ok bool) {
	n := g.n
	if depth < 0 || n < depth || depth > inlineHeld+len(g.more) {
		return nil, false
	}
	if depth == 0 {
		return nil, true
	}
	if g.at(depth-1).chain != chain {
		return nil, false
	}
	holds = make([]held, 0, depth)
	for i := range depth {
		if h := g.at(i); g.valid(h) {
			holds = append(holds, *h)
		}
	}
	return holds, true
}

// C returns the channel on which the waiter is told to call Tick; nil once
// the wait is registered and re-checked on its own (see detach), so that
// the waiter's select is parked on what it waits for alone.
func (w *Wait) C() <-chan time.Time {
	if w == nil || w.checker != nil {
		return nil
	}
	if w.poked && w.rec == nil {
		return nil // the waiter's own channel receives Poke
	}
	if !w.timed {
		return nil
	}
	return w.g.timer.C
}

func (w *Wait) reset(d time.Duration) {
	w.timed = true
	if w.g.timer == nil {
		w.g.timer = time.NewTimer(d)
		return
	}
	// A module whose go line predates Go 1.23 runs with asynchronous
	// timer channels (GODEBUG asynctimerchan=1): a tick not received
	// stays in the channel across Reset. Drained, it cannot wake the
	// next wait early.
	if !w.g.timer.Stop() {
		select {
		case <-w.g.timer.C:
		default:
		}
	}
	w.g.timer.Reset(d)
}

func (w *Wait) arm() { w.reset(nextCheck(w.rec)) }

// nextCheck returns when to re-check r next, in time to report it as long,
// and doubles its interval up to maxCheck.
func nextCheck(r *waitRec) time.Duration {
	if r.putOff != 0 {
		// Put off: once checks may run again, at the same pace, spread
		// over as long again. Thousands of waits put off together would
		// otherwise fire together, each timer starting a goroutine at
		// once: the runtime allocates those it has no free one for, and
		// keeps them for ever.
		d := max(time.Duration(r.putOff-time.Now().UnixNano()), 0) + time.Millisecond
		r.putOff = 0
		return d + time.Duration(rand.Int64N(int64(d)))
	}
	d := r.next
	if !r.longDone {
		if untilLong := time.Until(r.since.Add(longWait())); untilLong < d {
			d = max(untilLong, time.Millisecond)
		}
	}
	r.next = min(2*r.next, maxCheck)
	return d
}

// recheck re-checks a registered wait: a circular wait that formed since,
// or a wait that has become long. It reports false if the wait is no
// longer registered: another wait of its goroutine superseded it.
func recheck(r *waitRec) bool {
	start := time.Now()
	if !checkAllowed(start) {
		r.putOff = checkQuiet.Load()
		return true
	}
	// A wait for a lock its exited holder left is a lock-leak, not a long
	// wait: checked first.
	checkLeak(r)
	var fs []*report.Finding
	live := true
	func() {
		defer guard()
		e.wmu.Lock()
		defer e.wmu.Unlock()
		if r.g.wait != r {
			live = false // superseded: an async wait whose End never came
			return
		}
		fs = detect(r.g)
		fs = appendNew(fs, crossingCheck(r, time.Now(), false))
		if !r.longDone && !r.deadlocked && !r.recursive && !r.leakDone && time.Since(r.since) >= longWait() {
			r.longDone = true
			if !longWaitOff(r) {
				fs = appendNew(fs, longWaitFinding(r))
			}
		}
	}()
	checkSpent(start) // what it took to check, not to report
	deliver(fs)
	return live
}

// checkQuiet is the time (Unix nanoseconds) before which waits are not
// re-checked. Each check pushes it back by checkShare-1 times what it
// took, so that checks take at most a checkShare-th of the time: with
// thousands of waiting goroutines every check walks a large wait-for
// graph, and checking each wait at its own pace would take time quadratic
// in their number. A check put off runs at the wait's next re-check.
var checkQuiet atomic.Int64

const checkShare = 20

func checkAllowed(now time.Time) bool { return now.UnixNano() >= checkQuiet.Load() }

func checkSpent(start time.Time) {
	end := time.Now()
	cost := int64(end.Sub(start)) * (checkShare - 1)
	for {
		q := checkQuiet.Load()
		if checkQuiet.CompareAndSwap(q, max(q, end.UnixNano())+cost) {
			return
		}
	}
}

func longWait() time.Duration {
	if o := e.opts.Load(); o != nil && o.LongWait > 0 {
		return o.LongWait
	}
	return DefaultLongWait
}

// Tick registers the wait the first time, then re-checks it: a circular
// wait that formed since, or a wait that has become long.
func (w *Wait) Tick() {
	if w == nil || w.checker != nil {
		// Detached: its re-checks are the queue's (see detach). A poke
		// sent before the wait registered may still be read after.
		return
	}
	if w.poked && w.rec == nil {
		w.unpoke()
		if e.state.Load() != stateOn {
			return
		}
	}
	if e.state.Load() != stateOn {
		w.reset(maxCheck)
		return
	}
	if w.rec == nil {
		deliver(w.register())
		if w.rec == nil {
			if !w.poked {
				w.reset(maxCheck) // granted: the waiter is about to wake
			}
			return
		}
		checkLeak(w.rec)
		if o := e.opts.Load(); o != nil && o.Level == LevelStrict {
			// A finding panics in the goroutine that checks: keep the
			// checks in the waiter.
			w.arm()
			return
		}
		w.detach()
		return
	}
	recheck(w.rec)
	w.arm()
}

// detach hands a registered wait's re-checks to the engine's queue of
// re-checks (checks) and stops the waiter's timer: C is nil from now on,
// and the waiter stays parked on what it waits for alone. A goroutine
// parked on a timer's channel is never proven blocked for good by the
// runtime's goroutine leak detector, and neither is any goroutine blocked
// on what its stack references.
func (w *Wait) detach() {
	if w.timed {
		w.g.timer.Stop()
	}
	c := &checker{rec: w.rec, index: -1}
	checks.schedule(c, nextCheck(w.rec))
	w.checker = c
}

// Detached reports whether the wait's re-checks run on their own, and C
// is nil.
func (w *Wait) Detached() bool { return w != nil && w.checker != nil }

// checker re-checks a registered wait from the queue of re-checks.
type checker struct {
	rec *waitRec // rec.next is the checker's alone
	// at is when the next re-check is due, index the checker's place in
	// checks' heap (-1 if not in it), and stopped set once its wait has
	// ended; checks.mu guards them.
	at      time.Time
	index   int
	stopped bool
}

func (c *checker) tick() {
	d := maxCheck
	if e.state.Load() == stateOn {
		if !recheck(c.rec) {
			return // ended
		}
		d = nextCheck(c.rec)
	}
	checks.schedule(c, d)
}

func (c *checker) stop() { checks.remove(c) }

// End ends the wait.
func (w *Wait) End() {
	if w == nil {
		return
	}
	if w.poked {
		w.unpoke()
	}
	if w.checker != nil {
		w.checker.stop()
		w.checker = nil
	}
	if w.rec != nil {
		e.wmu.Lock()
		unregister(w.rec)
		e.wmu.Unlock()
		w.rec = nil
	}
	if w.timed {
		w.g.timer.Stop()
	}
}

// unregister removes a wait from the registry. Called with e.wmu held.
func unregister(rec *waitRec) {
	g := rec.g
	if g.wait == rec {
		g.wait = nil
		delete(e.waiters, g)
		for _, o := range rec.on {
			e.byRes[o.res] = dropG(e.byRes[o.res], g)
			if len(e.byRes[o.res]) == 0 {
				delete(e.byRes, o.res)
			}
		}
		for _, h := range rec.holds {
			e.heldBy[h.lock] = dropG(e.heldBy[h.lock], g)
			if len(e.heldBy[h.lock]) == 0 {
				delete(e.heldBy, h.lock)
			}
		}
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
		if len(grp.Cycle) == 1 && !waitsForItself(grp.Cycle[0]) {
			continue
		}
		if reported(grp) || !confirmed(grp) {
			continue
		}
		fs = appendNew(fs, deadlockFinding(g, grp))
	}
	return fs
}

// waitsForItself reports whether goroutine id, found in a circular wait
// of its own, truly waits for itself: a cycle needs two goroutines to
// contribute its edges, except where one alone provably closes it: a
// lock it holds, permits only it holds, or a channel it made that no
// other goroutine was seen to use or given (a maker that filled its own
// buffered channel). Having called Done or sent before does not make a
// goroutine the only one that could. Called with e.wmu held.
func waitsForItself(id int64) bool {
	g := e.gtab.Load().lookup(uint64(id))
	if g == nil || g.wait == nil {
		return false
	}
	for _, o := range g.wait.on {
		p, ok := o.res.(*Prim)
		if !ok {
			continue // a lock it holds
		}
		switch p.kind {
		case waitgraph.Semaphore:
		case waitgraph.Chan:
			if p.nilChan || p.maker.Load() != g.id || len(p.given(true))+len(p.given(false)) > 0 {
				return false
			}
			for _, ps := range []*partners{&p.send, &p.recv} {
				if ps.over.Load() {
					return false
				}
				for _, x := range ps.ids() {
					if x != g.id {
						return false
					}
				}
			}
		default:
			return false
		}
	}
	return true
}

// confirmAfter is how long a circular wait through an async wait must last
// before it is reported.
const confirmAfter = 50 * time.Millisecond

// confirmed reports whether a circular wait may be reported now. An async
// wait (AsyncWait) is registered and ended by different goroutines: its
// goroutine may have been woken, by the very operation that closed the
// cycle, and not yet have run to End. So a cycle through one is reported
// only when a check at least confirmAfter after the first still finds the
// same waits in it; a real deadlock lasts. Called with e.wmu held.
func confirmed(grp waitgraph.Group) bool {
	now := time.Now()
	ok := true
	for _, id := range grp.Cycle {
		g := e.gtab.Load().lookup(uint64(id))
		if g == nil || g.wait == nil || !g.wait.async {
			continue
		}
		switch r := g.wait; {
		case r.suspect.IsZero():
			r.suspect = now
			ok = false
		case now.Sub(r.suspect) < confirmAfter:
			ok = false
		}
	}
	return ok
}

// reported reports whether every waiting goroutine of a stuck group was
// already part of a reported deadlock. A deadlock lasts forever: it is
// reported once, even after Reset.
func reported(grp waitgraph.Group) bool {
	for _, id := range grp.Cycle {
		g := e.gtab.Load().lookup(uint64(id))
		if g == nil || g.wait == nil || !g.wait.deadlocked {
			return false
		}
	}
	return true
}

// mayBeStuck is a cheap pre-check: a goroutine waiting for a mutex whose
// owner is running cannot be part of a deadlock yet.
func mayBeStuck(g *G) bool {
	if g.wait == nil {
		return false
	}
	l := g.wait.lock()
	if l == nil {
		return true
	}
	if o := l.ownerSeen(); o != nil {
		return o.wait != nil || o == g
	}
	return l.kind != waitgraph.Mutex && l.kind != waitgraph.Once
}

// builder builds the part of the wait-for graph reachable from a waiter.
type builder struct {
	graph   *waitgraph.Graph
	gs      map[*G]*waitgraph.Goroutine
	others  map[uint64]*waitgraph.Goroutine // goroutines the engine has no state for
	res     map[waitable]*waitgraph.Resource
	stacks  bool                        // symbolize sites
	sites   map[uintptr]waitgraph.Stack // symbolized sites, when stacks
	unknown int64
	rels    map[*waitgraph.Resource]map[int64]bool // releasers of resources with many; see addReleaser
}

func newBuilder(stacks bool) *builder {
	return &builder{
		graph:  &waitgraph.Graph{},
		gs:     make(map[*G]*waitgraph.Goroutine),
		others: make(map[uint64]*waitgraph.Goroutine),
		res:    make(map[waitable]*waitgraph.Resource),
		stacks: stacks,
	}
}

func (b *builder) site(pc uintptr) waitgraph.Stack {
	if !b.stacks {
		return nil
	}
	// A snapshot of many goroutines waiting at a few sites symbolizes each
	// once.
	if s, ok := b.sites[pc]; ok {
		return s
	}
	if b.sites == nil {
		b.sites = make(map[uintptr]waitgraph.Stack)
	}
	s := site(pc)
	b.sites[pc] = s
	return s
}

func (b *builder) resource(w waitable) *waitgraph.Resource {
	if r := b.res[w]; r != nil {
		return r
	}
	r := w.node(b)
	b.res[w] = r
	b.graph.Resources = append(b.graph.Resources, r)
	return r
}

// goroutine adds goroutine gid to the graph and returns its node, or nil if
// it is known to have exited.
func (b *builder) goroutine(gid uint64) *waitgraph.Goroutine {
	if e.exited.has(gid) {
		return nil
	}
	if g := e.gtab.Load().lookup(gid); g != nil && !g.isDead() {
		return b.visit(g)
	}
	if gr := b.others[gid]; gr != nil {
		return gr
	}
	// No state: it has taken no lock and waits for nothing watched. It
	// may run and release.
	gr := &waitgraph.Goroutine{ID: int64(gid), Runnable: true}
	b.others[gid] = gr
	b.graph.Goroutines = append(b.graph.Goroutines, gr)
	return gr
}

func (b *builder) visit(g *G) *waitgraph.Goroutine {
	if gr := b.gs[g]; gr != nil {
		return gr
	}
	gr := &waitgraph.Goroutine{ID: int64(g.ownID()), Name: g.name}
	if g.created != 0 && b.stacks {
		gr.CreatedBy, gr.Creator = frameOf(g.created), int64(g.parent)
	}
	b.gs[g] = gr
	b.graph.Goroutines = append(b.graph.Goroutines, gr)
	rec := g.wait
	if rec != nil {
		if p, ok := rec.on[0].res.(*Prim); ok && p.kind == waitgraph.Semaphore && p.grantedTo(g.id) {
			rec = nil // granted: about to run
		}
	}
	if rec == nil {
		// Running: its held list may change under us, so only what the
		// resources' own records say is used.
		gr.Runnable = true
		return gr
	}
	for _, h := range rec.holds {
		if !g.stillHolds(&h) {
			continue // released by another goroutine since
		}
		gr.Holds = append(gr.Holds, waitgraph.Hold{Resource: b.resource(h.lock).ID, Mode: mode(h.mode), Stack: b.site(h.pc)})
	}
	for _, p := range g.semas {
		if n := p.Holding(g.id); n > 0 {
			gr.Holds = append(gr.Holds, waitgraph.Hold{Resource: b.resource(p).ID, Mode: waitgraph.Acquire, Count: n})
		}
	}
	var r *waitgraph.Resource
	if len(rec.on) == 1 {
		r = b.resource(rec.on[0].res)
	} else {
		r = &waitgraph.Resource{ID: fmt.Sprintf("select@%d", g.id), Kind: waitgraph.Select, Exact: true}
		var names []string
		for _, o := range rec.on {
			names = append(names, fmt.Sprintf("%s %s", o.mode, b.resource(o.res).ID))
		}
		r.Name = strings.Join(names, ", ")
		b.graph.Resources = append(b.graph.Resources, r)
	}
	gr.Wait = &waitgraph.WaitFor{Resource: r.ID, Mode: rec.on[0].mode, Count: rec.on[0].count, Since: rec.since, Stack: b.site(rec.pc), Cancelable: rec.cancelable}
	if len(rec.on) > 1 {
		gr.Wait.Mode = waitgraph.Wait
	}
	for _, o := range rec.on {
		rels, quorum, exact := o.res.release(b, rec, o)
		for _, rel := range rels {
			b.addReleaser(r, rel)
		}
		if quorum > 0 {
			r.Quorum = quorum
		}
		r.Exact = r.Exact && exact
	}
	return gr
}

// addReleaser adds rel to r's releasers unless it is there: many waiters
// of one resource each list its releasers, which are merged in time linear
// in their number.
func (b *builder) addReleaser(r *waitgraph.Resource, rel waitgraph.Releaser) {
	if len(r.Releasers) < 8 {
		if !hasReleaser(r.Releasers, rel.Goroutine) {
			r.Releasers = append(r.Releasers, rel)
		}
		return
	}
	if b.rels == nil {
		b.rels = make(map[*waitgraph.Resource]map[int64]bool)
	}
	seen := b.rels[r]
	if seen == nil {
		seen = make(map[int64]bool, len(r.Releasers))
		for _, x := range r.Releasers {
			seen[x.Goroutine] = true
		}
		b.rels[r] = seen
	}
	if !seen[rel.Goroutine] {
		seen[rel.Goroutine] = true
		r.Releasers = append(r.Releasers, rel)
	}
}

func hasReleaser(rs []waitgraph.Releaser, id int64) bool {
	for _, r := range rs {
		if r.Goroutine == id {
			return true
		}
	}
	return false
}

// node describes a lock for a graph.
func (l *Lock) node(b *builder) *waitgraph.Resource {
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
	return r
}

// release visits the goroutines a waiter for l needs: the owner, the
// readers, and, for a reader, the writers queued before it.
func (l *Lock) release(b *builder, w *waitRec, on waitOn) ([]waitgraph.Releaser, int, bool) {
	r := b.resource(l)
	if o := l.ownerSeen(); o != nil {
		og := b.visit(o)
		if o.wait == nil && !holds(og, r.ID) {
			// Where it took l, from its list as last seen: it may run (or
			// have exited, a lock-leak, whose report starts there).
			hold := waitgraph.Hold{Resource: r.ID, Mode: waitgraph.Lock}
			for _, h := range o.heldSnapshot() {
				if h.lock == l && h.mode == Write {
					hold.Stack = b.site(h.pc)
				}
			}
			og.Holds = append(og.Holds, hold)
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
		if on.mode == waitgraph.RLock {
			for _, wg := range e.byRes[l] {
				if wr := wg.wait; wr != nil && wr.on[0].mode == waitgraph.Lock {
					b.visit(wg)
				}
			}
		}
		if l.isRW() {
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
	// A goroutine that waits for a lock it lent (see G.lend) waits for
	// the goroutine it started to release it, not for itself.
	exact := !l.remote.Load() && !w.g.lentHold(l)
	if o := l.ownerSeen(); exact && o != nil && o.mayRelease(l) {
		exact = false
	}
	return nil, 0, exact
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
	var ids []string
	for _, r := range b.graph.Resources {
		ids = append(ids, r.ID)
	}
	for _, id := range grp.Goroutines {
		ids = append(ids, fmt.Sprint(id))
	}
	slices.Sort(ids)
	e.mu.Lock()
	fresh := onceKey(report.Deadlock, strings.Join(ids, ","))
	e.mu.Unlock()
	if !fresh {
		return nil
	}
	for wg, wr := range e.waiters {
		if slices.Contains(grp.Goroutines, int64(wg.id)) {
			wr.deadlocked = true
		}
	}
	if off(report.Deadlock) {
		return nil
	}
	qk := quickKey(report.Deadlock, groupWaits(grp))
	if f := quickRepeat(qk, report.Deadlock, grp.Goroutines, waitPositions(b, grp)); f != nil {
		return f
	}
	f := stuckFinding(b, grp, report.Deadlock)
	defer learnQuick(qk, f)
	var steps []string
	for i, id := range grp.Cycle {
		next := grp.Cycle[(i+1)%len(grp.Cycle)]
		steps = append(steps, step(b.graph, id, next))
	}
	f.Summary = strings.Join(steps, "; ")
	return f
}

// stuckFinding builds the finding for a stuck group: its goroutines, cycle
// members first, with their current stacks, and the resources they hold
// and wait for.
func stuckFinding(b *builder, grp waitgraph.Group, kind report.Kind) *report.Finding {
	f := &report.Finding{Kind: kind, Source: "runtime", Hint: kind.Info().Hint}
	stacksLater(f, nil) // no stack dump under the engine's lock
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
	return f
}

// groupWaits returns the waits of a stuck group's goroutines. Called with
// e.wmu held.
func groupWaits(grp waitgraph.Group) []*waitRec {
	var recs []*waitRec
	for _, id := range grp.Goroutines {
		if g := e.gtab.Load().lookup(uint64(id)); g != nil && g.wait != nil {
			recs = append(recs, g.wait)
		}
	}
	return recs
}

// waitPositions returns where a stuck group's goroutines wait, as a
// finding's positions, from a graph built with stacks.
func waitPositions(b *builder, grp waitgraph.Group) []string {
	in := make(map[int64]bool, len(grp.Goroutines))
	for _, id := range grp.Goroutines {
		in[id] = true
	}
	var ps []string
	for _, gr := range b.graph.Goroutines {
		if in[gr.ID] && gr.Wait != nil {
			if p := gr.Wait.Stack.Top().Pos(); !slices.Contains(ps, p) {
				ps = append(ps, p)
			}
		}
	}
	return ps
}

// state is what a finding says a goroutine is doing: "blocked" while it
// waits on something gridlock watches (its runtime status would show
// gridlock's own parking, a select), else the runtime's status.
func state(gr *waitgraph.Goroutine, d *rt.Goroutine) string {
	if gr.Wait != nil {
		return "blocked"
	}
	return d.Status
}

// step says why goroutine id waits for goroutine next.
func step(g *waitgraph.Graph, id, next int64) string {
	gr := g.Goroutine(id)
	if gr == nil || gr.Wait == nil {
		return fmt.Sprintf("goroutine %d waits for goroutine %d", id, next)
	}
	w := gr.Wait
	what := fmt.Sprintf("goroutine %d waits for %s", id, w.Resource)
	switch w.Mode {
	case waitgraph.Send:
		what = fmt.Sprintf("goroutine %d waits to send on %s", id, w.Resource)
	case waitgraph.Recv:
		what = fmt.Sprintf("goroutine %d waits to receive from %s", id, w.Resource)
	case waitgraph.Acquire:
		what = fmt.Sprintf("goroutine %d waits for %d permit(s) of %s", id, max(w.Count, 1), w.Resource)
	}
	if id == next {
		if holds(gr, w.Resource) {
			return what + ", which it holds itself"
		}
		if r := g.Resource(w.Resource); r != nil {
			for _, rel := range r.Releasers {
				if rel.Goroutine == id {
					return fmt.Sprintf("%s, which only it could end (%s)", what, rel.Why)
				}
			}
		}
		return what + ", which only it could end"
	}
	if ng := g.Goroutine(next); ng != nil {
		for _, h := range ng.Holds {
			if h.Resource == w.Resource {
				return fmt.Sprintf("%s held by goroutine %d", what, next)
			}
		}
		if ng.Wait != nil && ng.Wait.Mode == waitgraph.Lock && w.Mode == waitgraph.RLock && ng.Wait.Resource == w.Resource {
			return fmt.Sprintf("%s behind goroutine %d, a waiting writer", what, next)
		}
	}
	if r := g.Resource(w.Resource); r != nil {
		for _, rel := range r.Releasers {
			if rel.Goroutine != next {
				continue
			}
			if r.Quorum > 0 || rel.Needed {
				return fmt.Sprintf("%s, which needs goroutine %d (%s)", what, next, rel.Why)
			}
			return fmt.Sprintf("%s, which only goroutines like %d could end (%s)", what, next, rel.Why)
		}
	}
	return fmt.Sprintf("%s, which goroutine %d must end", what, next)
}

// longWaitFinding describes a wait longer than the threshold, with the
// holders' current stacks. If the holder of a lock has exited, it is a
// lock-leak; if every goroutine that could release a primitive's waiter
// has exited or is stuck, a partial-deadlock. Called with e.wmu held.
func longWaitFinding(r *waitRec) *report.Finding {
	b := newBuilder(true)
	w := b.visit(r.g)
	waited := time.Since(r.since).Round(time.Millisecond)
	if r.lock() == nil {
		// Blocked for good with no circular wait: nothing live can
		// release it.
		for _, grp := range b.graph.Stuck() {
			if len(grp.Cycle) == 0 && slices.Contains(grp.Goroutines, w.ID) {
				qk := quickKey(report.PartialDeadlock, groupWaits(grp))
				if f := quickRepeat(qk, report.PartialDeadlock, grp.Goroutines, waitPositions(b, grp)); f != nil {
					return f
				}
				f := stuckFinding(b, grp, report.PartialDeadlock)
				defer learnQuick(qk, f)
				f.Summary = fmt.Sprintf("%s has waited %v on %s; no live goroutine can end the wait", w.Label(), waited, w.Wait.Resource)
				if rs := b.graph.Resource(w.Wait.Resource); rs != nil && len(rs.Releasers) > 0 {
					var who []string
					for i, rel := range rs.Releasers {
						if i == report.MaxReleasers {
							who = append(who, fmt.Sprintf("and %d more", len(rs.Releasers)-i))
							break
						}
						who = append(who, fmt.Sprintf("goroutine %d %s", rel.Goroutine, rel.Why))
					}
					f.Summary += " (" + strings.Join(who, "; ") + ")"
				}
				return f
			}
		}
	}
	if r.lock() == nil && (!handOff(r) || holdsValid(r)) {
		// An idle goroutine (a worker waiting for a task, a loop waiting
		// for an event) is not a finding; one holding a lock across the
		// wait was reported as lock-held-across-blocking (crossingOf).
		return nil
	}
	var qk string
	if r.lock() == nil {
		// Without a lock, no holder to have exited: a long wait.
		qk = quickKey(report.LongWait, []*waitRec{r})
		if f := quickRepeat(qk, report.LongWait, []int64{w.ID}, []string{w.Wait.Stack.Top().Pos()}); f != nil {
			return f
		}
	}
	f := &report.Finding{Kind: report.LongWait, Source: "runtime", Hint: report.LongWait.Info().Hint}
	if qk != "" {
		defer learnQuick(qk, f)
	}
	res := b.graph.Resource(w.Wait.Resource)
	f.Goroutines = b.graph.Goroutines
	f.Resources = b.graph.Resources
	f.Positions = []string{w.Wait.Stack.Top().Pos()}
	lockWait := r.lock() != nil
	// The stacks come from a dump taken, or reused, outside the engine's
	// lock; so does what it tells: a holder that has exited.
	stacksLater(f, func(v jobView) {
		var holders []string
		var lockedAt string // where a holder that exited took the lock
		for _, gr := range f.Goroutines {
			exited := gr != w && lockWait && v.exited(gr.ID)
			if exited {
				gr.State = "exited"
				f.Kind = report.LockLeak
			}
			if gr == w {
				continue
			}
			for _, h := range gr.Holds {
				if h.Resource != res.ID {
					continue
				}
				holders = append(holders, gr.Label())
				if exited && lockedAt == "" && len(h.Stack) > 0 {
					lockedAt = h.Stack.Top().Pos()
				}
				break
			}
		}
		switch {
		case f.Kind == report.LockLeak:
			// As the engine's own lock-leak finding: where the lock was
			// taken comes first, the wait after.
			if lockedAt != "" {
				f.Positions = append([]string{lockedAt}, f.Positions...)
			}
			f.Summary = fmt.Sprintf("%s has waited %v for %s, held by %s, which has exited without releasing it", w.Label(), waited, res.ID, strings.Join(holders, ", "))
		case len(holders) > 0:
			f.Summary = fmt.Sprintf("%s has waited %v for %s, held by %s", w.Label(), waited, res.ID, strings.Join(holders, ", "))
		case lockWait:
			f.Summary = fmt.Sprintf("%s has waited %v for %s, held by an unknown goroutine", w.Label(), waited, res.ID)
		default:
			f.Summary = fmt.Sprintf("%s has waited %v on %s", w.Label(), waited, res.ID)
		}
		f.Hint = f.Kind.Info().Hint
	})
	return f
}

// holdsValid reports whether r's goroutine still holds a lock it held
// when the wait began. Called with e.wmu held.
func holdsValid(r *waitRec) bool {
	for i := range r.holds {
		if r.g.stillHolds(&r.holds[i]) {
			return true
		}
	}
	return false
}

// handOff reports whether a wait on primitives is one whose length is a
// finding of its own, held locks aside: a send (a value handed over that
// no one takes), a semaphore acquisition, or a wait by a goroutine that
// holds semaphore permits. Called with e.wmu held.
func handOff(r *waitRec) bool {
	for _, o := range r.on {
		if o.mode == waitgraph.Send || o.mode == waitgraph.Acquire {
			return true
		}
	}
	for _, p := range r.g.semas {
		if p.Holding(r.g.id) > 0 {
			return true
		}
	}
	return false
}

// semaphoreFinding reports a goroutine waiting for semaphore permits
// while it holds some of the same semaphore. Called with e.wmu held, as
// the wait registers.
func semaphoreFinding(r *waitRec) *report.Finding {
	g := r.g
	on := r.on[0]
	p, ok := on.res.(*Prim)
	if !ok || p.kind != waitgraph.Semaphore || off(report.SemaphoreHoldAndWait) {
		return nil
	}
	n := p.Holding(g.id)
	if n <= 0 {
		return nil
	}
	e.mu.Lock()
	fresh := once(report.SemaphoreHoldAndWait, p.id, uint64(r.pc))
	e.mu.Unlock()
	if !fresh {
		return nil
	}
	now := r.stack()
	f := &report.Finding{Kind: report.SemaphoreHoldAndWait, Source: "runtime", Hint: report.SemaphoreHoldAndWait.Info().Hint}
	res := &waitgraph.Resource{ID: p.Label(), Kind: p.kind, Site: frameOf(p.site), Exact: true}
	f.Resources = []*waitgraph.Resource{res}
	f.Goroutines = []*waitgraph.Goroutine{{
		ID:    int64(g.id),
		Holds: []waitgraph.Hold{{Resource: res.ID, Mode: waitgraph.Acquire, Count: n}},
		Wait:  &waitgraph.WaitFor{Resource: res.ID, Mode: waitgraph.Acquire, Count: on.count, Stack: now},
		Stack: now,
	}}
	f.Positions = []string{now.Top().Pos()}
	f.Summary = fmt.Sprintf("goroutine %d waits for %d permit(s) of %s while it holds %d: tasks that each hold some and wait for more can deadlock", g.id, on.count, res.ID, n)
	return f
}

// A lock held across a wait on a primitive (a channel, a select, a wait
// group, a condition, a semaphore) is reported at run time only when it
// can close a cycle, or has hurt: when, the wait having lasted
// crossConfirm, a goroutine that may end it (a partner, one that owes a
// Done, one that signals, a semaphore holder; not a channel's maker, and
// none for a select with a case gridlock does not watch) waits for the
// lock or has taken it before; when
// nothing known can end the wait and another goroutine waits for the
// lock; or when the wait outlasts the long-wait threshold. A lock held
// across a wait no other goroutine ever asks for (a per-stream lock over
// a send to a consumer that never takes it; a lock kept on purpose) is
// not a finding of the run; gridlock vet reports the pattern statically.
//
// The checks run when the wait registers, at its re-checks, and when a
// goroutine starts waiting for a lock a registered waiter holds (the
// moment a cycle closes; it is reported at a later re-check if the wait
// is younger than crossConfirm).

// maxCrossChecks bounds the holders of a lock whose waits are checked
// when a goroutine starts waiting for it.
const maxCrossChecks = 64

// crossConfirm is how long a wait on a primitive lasts before a lock held
// across it is said to close a cycle with a goroutine that may end it.
const crossConfirm = time.Second

// crossing is why a lock held across a wait is reported.
type crossing struct {
	h     held
	other *G      // a goroutine that wants h.lock, if any
	waits bool    // other waits for h.lock now; else it took it before, at pc
	pc    uintptr // where other waits, or took h.lock
	why   string  // how other may end the wait; "" if it may not
	long  time.Duration
}

// crossingCheck returns the lock-held-across-blocking finding for r, if
// a lock it holds can now be seen to close a cycle, once per wait. own
// says the caller is r's goroutine, registering it: the finding then
// shows its whole stack. Called with e.wmu held.
func crossingCheck(r *waitRec, now time.Time, own bool) *report.Finding {
	if r.crossed || r.lock() != nil || len(r.holds) == 0 || off(report.LockHeldAcrossBlocking) {
		return nil
	}
	c, ok := crossingOf(r, now)
	if !ok {
		return nil
	}
	r.crossed = true
	return crossingFinding(r, c, own && !r.async)
}

// crossingOf decides whether a lock r holds across its wait is reported,
// and why. Called with e.wmu held.
func crossingOf(r *waitRec, now time.Time) (crossing, bool) {
	g := r.g
	var holds []held // newest first
	for i := len(r.holds) - 1; i >= 0; i-- {
		if h := r.holds[i]; g.stillHolds(&h) {
			holds = append(holds, h)
		}
	}
	if len(holds) == 0 {
		return crossing{}, false
	}
	ends, others, unseen := enders(r)
	if r.outside || unseen && len(r.on) > 1 {
		ends = nil // bounded, or ended from outside: only a long wait counts
	}
	if now.Sub(r.since) < crossConfirm {
		// A lock may be handed over: unlocked by another goroutine than
		// the one blocked holding it. A cycle through it is one only if
		// it lasts.
		ends = nil
	}
	// A goroutine that may end the wait waits for the lock: a circular
	// wait, now.
	for _, h := range holds {
		for _, q := range e.byRes[h.lock] {
			if q == g || q.wait == nil || q.wait.lock() != h.lock {
				continue
			}
			if why, ok := ends[q.id]; ok {
				return crossing{h: h, other: q, waits: true, pc: q.wait.pc, why: why}, true
			}
		}
	}
	// One took the lock before: if it needs it again before it ends the
	// wait, neither goroutine goes on. Two readers need a writer between
	// them for that.
	for _, h := range holds {
		if h.mode == Read && !h.lock.class.writer.Load() {
			continue
		}
		for id, why := range ends {
			if id == g.id || e.exited.has(id) {
				continue
			}
			q := e.gtab.Load().lookup(id)
			if q == nil || q.isDead() {
				continue
			}
			if pc, ok := q.took(h.lock); ok {
				return crossing{h: h, other: q, pc: pc, why: why}, true
			}
		}
	}
	// Nothing known can end the wait, and another goroutine waits for the
	// lock: the lock is gone with the waiter. Given a first re-check's
	// time for a partner to show up.
	if others == 0 && now.Sub(r.since) >= firstCheck {
		for _, h := range holds {
			for _, q := range e.byRes[h.lock] {
				if q != g && q.wait != nil && q.wait.lock() == h.lock {
					return crossing{h: h, other: q, waits: true, pc: q.wait.pc}, true
				}
			}
		}
	}
	if d := now.Sub(r.since); d >= longWait() {
		return crossing{h: holds[0], long: d.Round(time.Millisecond)}, true
	}
	return crossing{}, false
}

// enders returns the goroutines other than r's that may end r's wait on
// primitives, with why, and how many goroutines may end it, counting one
// unknown for a channel no partner of the direction was seen on (its
// maker is not assumed to: the maker's inference is for goroutines the
// runtime proved blocked for good, in package stuck). Called with e.wmu
// held.
//
// unseen reports a channel made where gridlock does not see, with no
// partner seen either: a timer's, a context's, a library's. A select with
// such a case may end through it (a timeout is how code bounds a send
// under a lock), so no cycle is claimed through its other cases.
func enders(r *waitRec) (ends map[uint64]string, others int, unseen bool) {
	ends = make(map[uint64]string)
	self := r.g.id
	add := func(gid uint64, why string) {
		if gid == 0 || gid == self {
			return
		}
		if _, ok := ends[gid]; !ok {
			ends[gid] = why
			others++
		}
	}
	for _, o := range r.on {
		p, ok := o.res.(*Prim)
		if !ok {
			continue
		}
		switch p.kind {
		case waitgraph.Chan:
			if p.nilChan {
				continue
			}
			if p.closed.Load() {
				others++ // about to wake
				continue
			}
			n := others
			if o.mode == waitgraph.Recv {
				for _, gid := range p.send.ids() {
					add(gid, "sent on it before")
				}
				for _, gid := range p.given(true) {
					add(gid, "was given it to send on")
				}
				if p.send.over.Load() {
					others++
				}
			} else {
				for _, gid := range p.recv.ids() {
					add(gid, "received from it before")
				}
				for _, gid := range p.given(false) {
					add(gid, "was given it to receive from")
				}
				if p.recv.over.Load() {
					others++
				}
			}
			if others == n {
				// No partner seen: who ends the wait is unknown (a
				// goroutine that will close it through a field, say).
				others++
				unseen = unseen || p.maker.Load() == 0
			}
		case waitgraph.Cond:
			for _, gid := range p.send.ids() {
				add(gid, "signalled it before")
			}
			others++ // whoever takes its lock may signal
		case waitgraph.WaitGroup:
			p.mu.Lock()
			for gid, o := range p.owers {
				add(gid, o.why)
			}
			for gid := range p.doners {
				add(gid, "called Done on it before")
			}
			p.mu.Unlock()
			others++ // Done may come from goroutines not known to owe it
		case waitgraph.Semaphore:
			p.mu.Lock()
			holders := p.holders.held()
			p.mu.Unlock()
			for gid, n := range holders {
				add(gid, fmt.Sprintf("holds %d permit(s)", n))
			}
			others++
		}
	}
	return ends, others, unseen
}

// crossingFinding describes a lock held across a wait on a primitive, for
// the reason c; with the current stack if own (the caller is r's
// goroutine), else with the wait's call site. Called with e.wmu held.
func crossingFinding(r *waitRec, c crossing, own bool) *report.Finding {
	g := r.g
	h := c.h
	on := r.on[0]
	e.mu.Lock()
	fresh := once(report.LockHeldAcrossBlocking, h.lock.class.id, uint64(h.pc), uint64(r.pc))
	e.mu.Unlock()
	if !fresh {
		return nil
	}
	now := site(r.pc)
	if own {
		now = symbolize(callers(0))
	}
	lockRes := resourceOf(h.lock.info())
	if h.lock.class.name != "" {
		lockRes.ID = fmt.Sprintf("%s#%d", h.lock.class.name, h.lock.id)
	}
	waitRes := waitResource(r)
	f := &report.Finding{Kind: report.LockHeldAcrossBlocking, Source: "runtime", Hint: report.LockHeldAcrossBlocking.Info().Hint}
	f.Resources = []*waitgraph.Resource{lockRes, waitRes}
	gr := &waitgraph.Goroutine{ID: int64(g.id), Name: g.name, Stack: now,
		Wait: &waitgraph.WaitFor{Resource: waitRes.ID, Mode: on.mode, Count: on.count, Since: r.since, Stack: now}}
	if len(r.on) > 1 {
		gr.Wait.Mode = waitgraph.Wait
	}
	for _, x := range r.holds {
		if !g.stillHolds(&x) {
			continue
		}
		res := resourceOf(x.lock.info())
		if x.lock.class.name != "" {
			res.ID = fmt.Sprintf("%s#%d", x.lock.class.name, x.lock.id)
		}
		gr.Holds = append(gr.Holds, waitgraph.Hold{Resource: res.ID, Mode: mode(x.mode), Stack: site(x.pc)})
	}
	f.Goroutines = []*waitgraph.Goroutine{gr}
	f.Positions = []string{now.Top().Pos(), site(h.pc).Top().Pos()}
	verb := map[waitgraph.Mode]string{waitgraph.Send: "sending on", waitgraph.Recv: "receiving from", waitgraph.Acquire: "acquiring"}[gr.Wait.Mode]
	if verb == "" {
		verb = "waiting on"
	}
	blocks := fmt.Sprintf("goroutine %d blocks %s %s while holding %s", g.id, verb, waitRes.ID, lockRes.ID)
	if c.other == nil {
		f.Summary = fmt.Sprintf("%s, and has waited %v: every goroutine that needs %s waits for it too", blocks, c.long, lockRes.ID)
		return f
	}
	q := c.other
	or := &waitgraph.Goroutine{ID: int64(q.id), Name: q.name}
	at := site(c.pc)
	if c.waits {
		or.Stack = at
		or.Wait = &waitgraph.WaitFor{Resource: lockRes.ID, Mode: mode(Write), Stack: at}
		if w := q.wait; w != nil {
			or.Wait.Since = w.since
			if len(w.on) == 1 {
				or.Wait.Mode = w.on[0].mode
			}
		}
		or.State = "blocked"
	} else {
		or.Stack = at
		or.State = "took " + lockRes.ID + " before"
	}
	f.Goroutines = append(f.Goroutines, or)
	if p := at.Top().Pos(); p != "" {
		f.Positions = append(f.Positions, p)
	}
	switch {
	case c.waits && c.why != "":
		f.Summary = fmt.Sprintf("%s, and goroutine %d, which may end that wait (%s), waits for %s: a circular wait", blocks, q.id, c.why, lockRes.ID)
	case c.waits:
		f.Summary = fmt.Sprintf("%s, which no goroutine is known to be able to end, and goroutine %d waits for %s", blocks, q.id, lockRes.ID)
	default:
		f.Summary = fmt.Sprintf("%s; goroutine %d, which may end that wait (%s), took %s before (%s): if it needs it again first, neither goes on", blocks, q.id, c.why, lockRes.ID, at.Top().Pos())
	}
	return f
}

// waitResource names what r waits on for a finding: its primitive, or
// the select over several.
func waitResource(r *waitRec) *waitgraph.Resource {
	if len(r.on) == 1 {
		if p, ok := r.on[0].res.(*Prim); ok {
			return &waitgraph.Resource{ID: p.Label(), Kind: p.kind, Site: frameOf(p.site), Exact: true}
		}
	}
	res := &waitgraph.Resource{ID: fmt.Sprintf("select@%d", r.g.id), Kind: waitgraph.Select, Exact: true}
	var names []string
	for _, o := range r.on {
		if p, ok := o.res.(*Prim); ok {
			names = append(names, fmt.Sprintf("%s %s", o.mode, p.Label()))
		}
	}
	res.Name = strings.Join(names, ", ")
	return res
}

// Snapshot returns the current wait-for graph: every goroutine parked on a
// watched lock, what it holds and where it took it, and the goroutines that
// hold what it waits for. Goroutines are in increasing id order.
func Snapshot() *waitgraph.Graph {
	g, _ := snapshot()
	return g
}

// waitFlags is what a snapshot notes of a waiter beyond the graph.
type waitFlags struct {
	reported bool // part of a reported deadlock
	async    bool // an async wait: its goroutine may already be woken
}

// snapshot is Snapshot, with the flags of the waiters.
func snapshot() (*waitgraph.Graph, map[int64]waitFlags) {
	if e.state.Load() == stateUninit {
		return &waitgraph.Graph{}, nil
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	b := newBuilder(true)
	gs := make([]*G, 0, len(e.waiters))
	flags := make(map[int64]waitFlags)
	for g, r := range e.waiters {
		gs = append(gs, g)
		if r.deadlocked || r.async {
			flags[int64(g.ownID())] = waitFlags{r.deadlocked, r.async}
		}
	}
	slices.SortFunc(gs, func(a, b *G) int { return cmpID(a.id, b.id) })
	for _, g := range gs {
		b.visit(g)
	}
	slices.SortFunc(b.graph.Goroutines, func(a, b *waitgraph.Goroutine) int { return cmpID(uint64(a.ID), uint64(b.ID)) })
	return b.graph, flags
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
