// Package sched is gridlock explore's controlled scheduler. While a
// schedule runs, the goroutines of the test (the test's own goroutine and
// those it starts through gridlock.Go, and its subtests) run one at a time:
// each instrumented operation (lock, unlock, channel operation, select, go
// statement, wait group, condition, once, a non-blocking attempt, a sleep)
// is a scheduling point at which a strategy (PCT, random, bounded DFS)
// chooses who runs next. Sleeps and timers run in virtual time (see
// vtime.go). A schedule is reproducible from its Token.
//
// Blocking is modelled, not done: a goroutine whose lock is taken, or
// whose channel operation cannot proceed, is marked blocked on that
// resource and gives way; it becomes runnable again when the resource
// changes. When no goroutine of the test can run, those blocked are
// blocked for good, and are reported at once (see Sched.stuck).
//
// Channels: a goroutine blocked by the scheduler has not entered the
// runtime's queue of the channel. An operation that finds no partner in
// the runtime but one blocked by the scheduler hands the rendezvous over:
// the partner is released to do its operation while the first does its
// own, and the first waits for the partner to be back under control before
// it goes on. Channels made outside the schedule (a timer's, a context's)
// and selects with a case on one are waited on for real, out of control
// ("out"): the schedule then depends on timing, and says so.
//
// When no schedule runs, the cost of a hook is one atomic load (On).
package sched

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// active is the running schedule, nil when none runs.
var active atomic.Pointer[Sched]

// On reports whether a schedule runs. It is the one check on the hot path
// of every hook but the uncontended Lock and Unlock of a Mutex, which read
// engine.Hot: each change of the active schedule is mirrored there
// (engine.SetScheduled).
func On() bool { return active.Load() != nil }

// Active returns the running schedule, or nil.
func Active() *Sched { return active.Load() }

// LockName, if set (by gridlock/sync), names the lock at p for findings.
var LockName func(p unsafe.Pointer) string

type gstate uint8

const (
	runnable gstate = iota
	running
	blocked  // by the scheduler, on the keys in on
	out      // in an operation the scheduler does not control
	handing  // released to complete a rendezvous
	finished // returned
)

// Msgs on a goroutine's wake channel.
const (
	msgRun   = 1 // you hold the processor
	msgHand  = 2 // do your channel operation now (a partner waits in it)
	msgFree  = 3 // the schedule is over: run freely
	msgAbort = 4 // the schedule found something: end (the root only)
)

// A G is a goroutine of the schedule.
type G struct {
	id    uint64 // runtime goroutine id
	idx   int    // creation order in the schedule, from 1 (the root)
	name  string
	st    gstate
	wake  chan uint8
	prio  int64
	seq   uint64 // when it blocked, for FIFO hand-overs
	on    []Op   // what it is blocked on, or does out of control
	why   wait   // the wait, for findings
	pcs   []uintptr
	hand  *G              // the partner it handed a rendezvous to
	back  chan struct{}   // closed by a handed partner once back
	sigd  bool            // a Cond signal reached it
	slept bool            // out because it held the processor too long
	stack waitgraph.Stack // where it waits, when known from a dump (Leaked)
	holds []*lockRec
	until time.Duration // Sleep: the virtual time it sleeps until
	test  string        // a subtest's goroutine: the subtest's name
	// failNow, if set, fails the test whose goroutine g is, when the
	// schedule ends it after a finding.
	failNow func()

	// queued is when it first blocked on the lock it waits for (0: it
	// does not), for the order in which sync.Mutex wakes its waiters.
	queued uint64
}

// An Op is one thing a goroutine may wait for: a channel operation
// (Key is the channel), a lock, a wait group or a condition.
type Op struct {
	Key  unsafe.Pointer
	Kind Kind
	Send bool // channels: a send, not a receive
	// Outside: a select's case on a channel the schedule cannot see.
	Outside bool
}

// Kind is the kind of resource of an Op.
type Kind uint8

// Resource kinds.
const (
	Chan Kind = iota
	Mutex
	RLock
	WLock
	WaitGroup
	Cond
	Semaphore
	// Leaked: a goroutine out of control that the runtime's leak
	// detector proved blocked for good, on what the schedule cannot see.
	Leaked
	// Sleep: a goroutine asleep in virtual time (Key: the goroutine).
	Sleep
	// Subtest: a test waiting in t.Run for its subtest (Key: the
	// subtest's goroutine).
	Subtest
)

type wait struct {
	op  string
	pc  uintptr
	ops []Op
}

type lockRec struct {
	key     unsafe.Pointer
	rw      bool
	writer  *G
	readers []*G
	outside bool // taken by a goroutine the schedule does not control
}

// A Sched is one schedule being run.
type Sched struct {
	mu      sync.Mutex
	tok     Token
	strat   strategy
	gs      []*G // by idx-1
	byID    map[uint64]*G
	cur     *G // holds the processor, nil if none
	steps   int
	seq     uint64
	known   map[unsafe.Pointer]bool // channels made in the schedule
	users   map[unsafe.Pointer][]*G // goroutines that used each channel
	locks   map[unsafe.Pointer]*lockRec
	conds   map[unsafe.Pointer][]*G
	trace   []choice // DFS: the choices made
	over    bool     // ended: findings or finished
	finding *report.Finding
	// depended says why the schedule depended on what it does not
	// control, "" if it did not.
	depended string
	outside  atomic.Bool // a goroutine out of control used a hook
	progress atomic.Uint64
	watch    *time.Timer
	lastProg uint64
	done     chan struct{} // closed when the schedule is over
	// fairAfter is the number of steps after which choices are random.
	fairAfter int
	// polls counts non-blocking attempts (TryLock, a select with a
	// default): past fairPolls, goroutines spin waiting for one another
	// (a TryLock back-off loop on both sides of a pair of locks keeps
	// failing under fixed priorities), and choices are random too.
	polls     atomic.Int64
	fair      *rand.Rand
	leakCheck bool // a check of goroutines out of control is pending
	// unabortable is called, from a goroutine of its own, with a finding
	// made while the root cannot be ended (it waits out of control).
	unabortable func(*report.Finding)
	jit         *jitter // not a schedule: jitter (see JitterEnv)
	// draining is closed when, the root having returned, no goroutine of
	// the schedule can run (or after drainEnd steps).
	draining chan struct{}
	drainEnd int
	makers   map[unsafe.Pointer]*G   // who made each channel
	given    map[unsafe.Pointer][]*G // goroutines given each channel when started
	clock                            // virtual time: sleeps and timers
	roots    []*G                    // the test's goroutine, then those of the subtests it runs
	failed   string                  // the name of the subtest that failed or was stuck, if any

	// ends records who was seen at each end of a channel or condition,
	// and the lock of a condition (see stuck.go).
	ends map[unsafe.Pointer]*ends
}

// choice is one DFS decision: the index taken among n options, and
// whether it preempted a runnable goroutine.
type choice struct {
	pick, n int
	preempt bool
}

// New returns a schedule for token t; Start runs it.
// fairPolls is the number of polls of a schedule after which its choices
// are random (see Sched.polls).
const fairPolls = 2000

func New(t Token) *Sched {
	s := &Sched{tok: t, byID: make(map[uint64]*G), known: make(map[unsafe.Pointer]bool),
		users: make(map[unsafe.Pointer][]*G), locks: make(map[unsafe.Pointer]*lockRec),
		conds: make(map[unsafe.Pointer][]*G), done: make(chan struct{}),
		makers: make(map[unsafe.Pointer]*G), given: make(map[unsafe.Pointer][]*G)}
	s.strat = newStrategy(t)
	s.fairAfter = 10000
	if t.Strategy == PCT {
		s.fairAfter += 4 * t.Steps
	} else if t.Strategy == Random {
		s.fairAfter = math.MaxInt
	}
	return s
}

// Start makes the calling goroutine the root of s and starts s. It
// returns false if another schedule runs.
func (s *Sched) Start() bool {
	if !active.CompareAndSwap(nil, s) {
		return false
	}
	engine.SetScheduled(On)
	s.mu.Lock()
	g := s.newG("")
	g.id = engine.Goid()
	s.byID[g.id] = g
	g.st = running
	s.cur = g
	s.roots = []*G{g}
	s.base = time.Now()
	s.watch = time.AfterFunc(watchEvery, s.watchdog) // it takes s.mu first
	s.mu.Unlock()
	return true
}

// watchEvery is how often the watchdog looks for a goroutine that holds
// the processor without reaching a scheduling point (asleep, in I/O, in
// code the schedule does not control): it is then taken for out of
// control, and another goroutine runs.
const watchEvery = 2 * time.Millisecond

func (s *Sched) watchdog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.over {
		return
	}
	p := s.progress.Load()
	if p == s.lastProg && s.cur != nil && s.cur.st == running {
		g := s.cur
		g.st = out
		g.on = nil
		g.slept = true
		s.depend("a goroutine held the processor past " + watchEvery.String() + " outside any scheduling point (a sleep, I/O, an operation gridlock does not rewrite)")
		s.cur = nil
		s.poll()
	} else if p == s.lastProg && s.cur == nil {
		// Nothing moved for a while, goroutines out of control: virtual
		// time moves on, then the blocked try again.
		if s.draining == nil && s.advance() {
			s.dispatch(nil)
		} else {
			s.poll()
		}
	}
	s.lastProg = p
	s.watch.Reset(watchEvery)
}

// poll makes the blocked goroutines try again, while some goroutine is
// out of control: it may have changed what they wait for unseen (parked
// in the runtime on a channel they would meet it on). Called with s.mu
// held.
func (s *Sched) poll() {
	any := false
	for _, x := range s.gs {
		if x.st == out {
			any = true
		}
	}
	if !any {
		return
	}
	for _, x := range s.gs {
		// A lock's waiters need no poll: every unlock, even out of
		// control, wakes them (Unlocked), in the lock's order.
		if x.st == blocked && !waitsLock(x) {
			x.st = runnable
			x.on = nil
		}
	}
	if s.cur == nil {
		s.dispatch(nil)
	}
}

func waitsLock(x *G) bool { return len(x.on) == 1 && isLock(x.on[0].Kind) }

func (s *Sched) depend(why string) {
	if s.depended == "" {
		s.depended = why
	}
}

// Depended says why the schedule depended on timing or on code it does
// not control, "" if it did not: a replay may then differ.
func (s *Sched) Depended() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.depended
}

// Steps returns the number of scheduling decisions made.
func (s *Sched) Steps() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.steps
}

// Finding returns what the schedule found itself (a deadlock), or nil.
func (s *Sched) Finding() *report.Finding {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finding
}

// Token returns the schedule's token. For DFS, the choices it made.
func (s *Sched) Token() Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tok
	if t.Strategy == DFS {
		t.Choices = nil
		for _, c := range s.trace {
			t.Choices = append(t.Choices, c.pick)
		}
		for len(t.Choices) > 0 && t.Choices[len(t.Choices)-1] == 0 {
			t.Choices = t.Choices[:len(t.Choices)-1]
		}
	}
	return t
}

func (s *Sched) newG(name string) *G {
	g := &G{idx: len(s.gs) + 1, name: name, wake: make(chan uint8, 1), st: runnable}
	s.gs = append(s.gs, g)
	s.strat.newG(g)
	return g
}

// self returns the calling goroutine's G, or nil if it is not controlled.
// Called with s.mu held.
func (s *Sched) self(gid uint64) *G {
	g := s.byID[gid]
	if g == nil {
		s.outside.Store(true)
	}
	return g
}

// Finish ends the schedule from its root: goroutines still controlled
// run freely from now on. It reports whether the schedule was still
// running.
func (s *Sched) Finish() {
	s.mu.Lock()
	s.end()
	s.mu.Unlock()
}

// end ends the schedule. Called with s.mu held.
func (s *Sched) end() {
	if s.over {
		return
	}
	s.over = true
	active.CompareAndSwap(s, nil)
	engine.SetScheduled(On)
	if s.watch != nil {
		s.watch.Stop()
	}
	for _, g := range s.gs {
		switch g.st {
		case runnable, blocked:
			g.st = out
			select {
			case g.wake <- msgFree:
			default:
			}
		}
	}
	s.realTimers()
	close(s.done)
}

// Yield is a scheduling point of goroutine gid: the strategy may run
// another goroutine first.
func (s *Sched) Yield(gid uint64) {
	if s.jit != nil {
		s.jit.point()
		return
	}
	s.mu.Lock()
	g := s.self(gid)
	if g == nil || s.over {
		s.mu.Unlock()
		return
	}
	s.comeBack(g)
	g.st = runnable
	s.switchFrom(g)
}

// comeBack returns a goroutine that was out of control (or handed a
// rendezvous) to the schedule: it waits for the processor. Called with
// s.mu held; returns with it held.
func (s *Sched) comeBack(g *G) {
	switch g.st {
	case out, handing:
		g.slept = false
		if g.st == handing && g.back != nil {
			close(g.back)
			g.back = nil
		}
		g.st = runnable
		g.on = nil
		if s.cur == nil {
			s.dispatch(nil)
		}
		// Chosen or not, its turn comes as a message on its channel
		// (dispatch from nil sends it even to g itself).
		s.mu.Unlock()
		s.await(g)
		s.mu.Lock()
	}
}

// switchFrom makes g give way to the strategy's choice and returns when
// g holds the processor again (or the schedule is over). g's state says
// whether it can run. Called with s.mu held; returns without it.
func (s *Sched) switchFrom(g *G) {
	s.progress.Add(1)
	next := s.dispatch(g)
	s.mu.Unlock()
	if next == g {
		return
	}
	s.await(g)
}

// await waits for g's turn. Called without s.mu.
func (s *Sched) await(g *G) {
	if <-g.wake == msgAbort {
		s.abortRoot(g)
	}
}

// dispatch picks the goroutine to run next and wakes it; g is the one
// giving way (nil if none). It returns the goroutine chosen, nil if none
// can run. Called with s.mu held.
func (s *Sched) dispatch(g *G) *G {
	if s.over {
		return nil
	}
	var rs []*G
	for {
		rs = rs[:0]
		for _, x := range s.gs {
			if x.st == runnable || x == g && x.st == running {
				rs = append(rs, x)
			}
		}
		// No goroutine can run: time passes, virtually, up to the first
		// sleep or timer that makes one runnable. Not once the test
		// returned: a goroutine asleep then is not stuck, and the
		// schedule does not wait for it.
		// While a goroutine is out of control (in a real wait) time
		// stands still: it may come back; the watchdog moves it on.
		if len(rs) > 0 || s.draining != nil || s.anyOut() || !s.advance() {
			break
		}
	}
	if len(rs) > 0 && s.nsleep > 0 && s.draining == nil {
		// Others can run, but a sleep may end first: the goroutines
		// whose sleep ends first are options too (a goroutine that
		// sleeps "to let another go first" races with it).
		rs = s.sleepers(rs)
	}
	if len(rs) == 0 {
		s.cur = nil
		if s.draining != nil {
			close(s.draining)
			s.draining = nil
			return nil
		}
		s.checkStuck()
		return nil
	}
	if s.draining != nil && s.steps > s.drainEnd {
		close(s.draining) // goroutines that run on and on: give up
		s.draining = nil
	}
	var next *G
	if len(rs) == 1 {
		next = rs[0]
		if s.tok.Strategy == DFS {
			s.trace = append(s.trace, choice{pick: 0, n: 1})
		}
	} else if s.steps > s.fairAfter || s.polls.Load() > fairPolls {
		// A goroutine that spins (polls a flag between scheduling
		// points) would keep the processor for good under PCT's fixed
		// priorities or DFS's default of no preemption: past a bound,
		// the schedule goes on in a seeded random order.
		if s.fair == nil {
			s.fair = rand.New(rand.NewPCG(s.tok.Seed, uint64(s.steps)))
			if s.steps > s.fairAfter {
				s.depend(fmt.Sprintf("the schedule passed %d steps (a goroutine spinning?): the rest ran in a random order", s.fairAfter))
			} else {
				s.depend(fmt.Sprintf("the schedule made %d non-blocking attempts (goroutines spinning on TryLock or a select's default?): the rest ran in a random order", fairPolls))
			}
		}
		next = rs[s.fair.IntN(len(rs))]
	} else {
		next = s.strat.pick(s, g, rs)
	}
	s.steps++
	if next.sleeping() {
		s.advanceTo(next.until)
	}
	next.st = running
	s.cur = next
	if next != g {
		select {
		case next.wake <- msgRun:
		default:
		}
	}
	return next
}

// changed makes the goroutines blocked on key runnable: they try again.
// Called with s.mu held.
func (s *Sched) changed(key unsafe.Pointer) {
	if s.wakeOn(key) && s.cur == nil {
		s.dispatch(nil)
	}
}

// wakeOn makes the goroutines blocked on key runnable, and reports
// whether there was one. Called with s.mu held.
func (s *Sched) wakeOn(key unsafe.Pointer) bool {
	woke := false
	for _, x := range s.gs {
		if x.st != blocked {
			continue
		}
		for _, o := range x.on {
			if o.Key == key {
				x.st = runnable
				x.on = nil
				woke = true
				break
			}
		}
	}
	return woke
}

// Changed tells the schedule that the resource at key changed (a lock was
// unlocked, a wait group's counter moved), whoever changed it.
func (s *Sched) Changed(key unsafe.Pointer) {
	s.mu.Lock()
	s.changed(key)
	s.mu.Unlock()
}

// Spawn registers a goroutine about to be started by goroutine gid, and
// returns it, or nil if gid is not controlled. The new goroutine calls
// Begin first.
func (s *Sched) Spawn(gid uint64, name string, uses ...unsafe.Pointer) *G {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.over || s.self(gid) == nil {
		return nil
	}
	if len(uses) > 0 {
		g := s.newG(name)
		for _, k := range uses {
			if k != nil {
				s.given[k] = append(s.given[k], g)
			}
		}
		return g
	}
	// Runnable at once: if chosen before it starts, it finds its turn
	// waiting in its wake channel.
	return s.newG(name)
}

// Begin is the first thing a spawned goroutine does: it waits for its turn.
func (s *Sched) Begin(g *G) {
	s.mu.Lock()
	if s.over {
		s.mu.Unlock()
		return
	}
	g.id = engine.Goid()
	s.byID[g.id] = g
	if g.st == out { // the watchdog gave its turn away before it started
		s.comeBack(g)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.await(g)
}

// Exit is the last thing a spawned goroutine does.
func (s *Sched) Exit(g *G) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g.st = finished
	// A lock held at exit stays held: its waiters stay blocked. A test
	// waiting in t.Run for g goes on.
	s.wakeOn(unsafe.Pointer(g))
	if s.over {
		return
	}
	if s.cur == g || s.cur == nil {
		s.cur = nil
		s.progress.Add(1)
		s.dispatch(nil)
	}
}

// out marks g as about to wait out of control (a real blocking operation
// on ops) and gives the processor away; After brings it back. Called with
// s.mu held.
func (s *Sched) out(g *G, ops []Op, why string) {
	g.st = out
	g.on = ops
	s.depend(why)
	if s.cur == g {
		s.cur = nil
	}
	s.progress.Add(1)
	s.dispatch(nil)
}
