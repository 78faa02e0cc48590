// Package engine is gridlock's runtime detector: per-goroutine held-lock
// lists, lock classes, the lock-order graph with its chain cache, the wait
// registry with live deadlock detection, and the delivery of findings.
//
// There is one engine per process (the variable e). Its uncontended path
// (Before, After, Release) takes no lock and allocates nothing once warm:
// a lock-free lookup of the goroutine's state, a push or pop on its held
// list, and, when other locks are held, one lookup of the (held classes →
// new class) chain in a lock-free cache. Everything else, validating a new
// chain, registering a wait, building a finding, runs on a slow path under
// the engine's own locks, which are never held while user code runs.
package engine

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/report"
)

// Engine states.
const (
	stateUninit uint32 = iota
	stateOff
	stateOn
)

// Level says how the engine reacts to a finding.
type Level int

// Engine levels.
const (
	LevelOn     Level = iota // report and carry on
	LevelOff                 // no detection
	LevelStrict              // report, then panic
)

// Options configure the engine.
type Options struct {
	Level Level
	// LongWait is the wait after which a long-wait finding is reported.
	LongWait time.Duration
	// Output receives each finding as text; nil means no text output.
	Output io.Writer
	// ReportPath, if set, is a file to which each finding is appended as
	// one line of JSON.
	ReportPath string
	// Logger, if set, receives each finding as one structured record
	// (see logRecord).
	Logger *slog.Logger
	// OnFinding, if set, is called with each finding, possibly from several
	// goroutines at once, never with an engine lock held.
	OnFinding func(*report.Finding)
	// Off lists finding kinds that are not reported.
	Off []report.Kind
}

// DefaultLongWait is the default long-wait threshold.
const DefaultLongWait = 30 * time.Second

// Engine is the one runtime detector of the process.
type Engine struct {
	state   atomic.Uint32
	initMu  sync.Mutex
	fastIDs bool
	nextID  atomic.Uint64
	epoch   atomic.Uint32
	opts    atomic.Pointer[Options]

	gmu  sync.Mutex // goroutine table inserts, reclamation, growth
	gtab atomic.Pointer[gtable]

	mu          sync.Mutex // classes, order graphs, caches' inserts, dedupe
	classes     map[string]*Class
	siteClasses map[string]*Class
	sitePCs     map[siteKey]*Class // siteClasses by call site of Level
	chains      cache              // chain key → flags
	pairs       cache              // same-class instance pairs already checked
	classGraph  *orderGraph
	instGraph   *orderGraph
	pending     []pendingCycle  // cycles held back: read-only, or of one goroutine
	soloEdges   map[edgeKey]int // orders of cycles of one goroutine, watched
	soloN       atomic.Int32    // cycles of one goroutine held back
	soloOnly    atomic.Uint64   // the goroutine of all of them, 0 if several
	soloResets  int
	seen        map[uint64]bool
	cleanups    int

	wmu     sync.Mutex // wait registry
	waiters map[*G]*waitRec
	byRes   map[waitable][]*G // waiters of each resource
	heldBy  map[*Lock][]*G    // waiters holding each lock
	// The three maps' high-water marks (see sweepTables).
	waitPeak, byResPeak, heldByPeak mapPeak

	exited exitedSet // recently exited tracked goroutines

	reportMu   sync.Mutex // opening the report file
	reportFile *os.File

	stats Stats
}

// Stats counts what the engine did and what it dropped to stay bounded.
type Stats struct {
	Findings      atomic.Int64
	DroppedEdges  atomic.Int64
	DroppedChains atomic.Int64
	DroppedNodes  atomic.Int64
	Goroutines    atomic.Int64
	Reclaimed     atomic.Int64
}

// e is the engine.
var e Engine

// Enabled reports whether detection is on, reading the environment and
// applying the configuration on first use.
func Enabled() bool {
	return e.state.Load() == stateOn || enabledSlow()
}

// enabledSlow is Enabled when detection is off or not yet initialized.
//
//go:noinline
func enabledSlow() bool {
	if e.state.Load() == stateOff {
		return false
	}
	return initSlow()
}

// FastIDs reports whether goroutine ids from rt.Enter are valid. Callers
// that see false must use rt.SlowGoid.
func FastIDs() bool { return e.fastIDs }

func initSlow() bool {
	e.initMu.Lock()
	defer e.initMu.Unlock()
	if s := e.state.Load(); s != stateUninit {
		return s == stateOn
	}
	rt.Init()
	e.fastIDs = rt.Supported()
	if !e.fastIDs {
		setSlowAcquire()
	}
	o := e.opts.Load()
	if o == nil {
		o = envOptions()
		e.opts.Store(o)
	}
	e.classes = make(map[string]*Class)
	e.siteClasses = make(map[string]*Class)
	e.sitePCs = make(map[siteKey]*Class)
	e.soloEdges = make(map[edgeKey]int)
	e.chains.init(1<<12, 1<<20)
	e.pairs.init(1<<10, 1<<20)
	e.classGraph = newOrderGraph(maxNodes, maxEdges)
	e.instGraph = newOrderGraph(maxNodes, maxEdges)
	e.seen = make(map[uint64]bool)
	e.waiters = make(map[*G]*waitRec)
	e.byRes = make(map[waitable][]*G)
	e.heldBy = make(map[*Lock][]*G)
	e.gtab.Store(newGTable(minGTable))
	armSweep()
	if o.Level == LevelOff {
		setState(stateOff)
		return false
	}
	setState(stateOn)
	return true
}

// envOptions reads GRIDLOCK, GRIDLOCK_WAIT, GRIDLOCK_REPORT and GRIDLOCK_OFF.
func envOptions() *Options {
	o := &Options{Level: LevelOn, LongWait: DefaultLongWait, Output: os.Stderr}
	applyEnv(o, os.Getenv)
	return o
}

func applyEnv(o *Options, getenv func(string) string) {
	switch strings.ToLower(getenv("GRIDLOCK")) {
	case "off", "0", "false":
		o.Level = LevelOff
	case "strict":
		o.Level = LevelStrict
	case "", "on", "1", "true":
	default:
		fmt.Fprintf(os.Stderr, "gridlock: GRIDLOCK=%q: want off, on or strict; using on\n", getenv("GRIDLOCK"))
	}
	if v := getenv("GRIDLOCK_WAIT"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			o.LongWait = d
		} else {
			fmt.Fprintf(os.Stderr, "gridlock: GRIDLOCK_WAIT=%q: want a positive duration such as 30s; using %v\n", v, o.LongWait)
		}
	}
	if v := getenv("GRIDLOCK_REPORT"); v != "" {
		o.ReportPath = v
	}
	if v := getenv("GRIDLOCK_OFF"); v != "" {
		for k := range strings.SplitSeq(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				o.Off = append(o.Off, report.Kind(k))
			}
		}
	}
}

// Configure replaces the engine's options. GRIDLOCK=off in the environment
// still turns detection off: it is the operator's switch.
func Configure(o Options) {
	if o.LongWait <= 0 {
		o.LongWait = DefaultLongWait
	}
	if os.Getenv("GRIDLOCK") == "off" {
		o.Level = LevelOff
	}
	e.initMu.Lock()
	e.opts.Store(&o)
	s := e.state.Load()
	e.initMu.Unlock()
	if s == stateUninit {
		initSlow()
		return
	}
	if o.Level == LevelOff {
		setState(stateOff)
	} else {
		setState(stateOn)
	}
}

// CurrentOptions returns the engine's options, reading the environment if
// they were never set.
func CurrentOptions() Options {
	Enabled()
	return *e.opts.Load()
}

// disable turns detection off after an internal error, with one message.
func disable(format string, args ...any) {
	old := e.state.Swap(stateOff)
	mirror(hotOn, stateIsOn)
	if old == stateOn {
		fmt.Fprintf(os.Stderr, "gridlock: internal error: %s; deadlock detection is off for the rest of this run\n", fmt.Sprintf(format, args...))
	}
}

// guard recovers an internal error of a slow-path function and turns the
// engine off instead of crashing the program. Deliberate panics (strict
// mode) are raised outside guarded functions.
func guard() {
	if r := recover(); r != nil {
		disable("%v at %s", r, panicSite())
	}
}

// panicSite returns the innermost frame of gridlock's own code on the
// stack of a panic being recovered.
func panicSite() string {
	var pcs [32]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs[:])])
	for {
		f, more := frames.Next()
		if strings.Contains(f.Function, "gridlock-go/gridlock/internal/") && !strings.HasSuffix(f.Function, ".guard") && !strings.HasSuffix(f.Function, ".panicSite") {
			return fmt.Sprintf("%s (%s:%d)", f.Function, filepath.Base(f.File), f.Line)
		}
		if !more {
			return "?"
		}
	}
}

// goroutine returns the state of goroutine id, creating it if needed.
func goroutine(id uint64) *G {
	if g := e.gtab.Load().lookup(id); g != nil {
		return g
	}
	return newG(id)
}

func newG(id uint64) *G {
	for {
		g, sweep := newGLocked(id)
		if !sweep {
			return g
		}
		// Made many states since the last sweep: drop those of goroutines
		// that exited, outside the table's lock (see sweepExited), before
		// the table is found full and its idle states dropped.
		sweepExited()
	}
}

// newGLocked makes and inserts the state of goroutine id, unless another
// call did; or, when a sweep is due, inserts nothing and reports it. The
// state is made before the table's lock is taken: the lock is held for
// the insertion alone.
func newGLocked(id uint64) (*G, bool) {
	// The goroutine's own state is created by the goroutine itself: its
	// clock says whether it runs in a bubble.
	g := &G{id: id, idLive: id, bubbled: InBubble(time.Now())}
	if e.fastIDs && rt.Goid() == id {
		g.rg = rt.Self()
	}
	e.gmu.Lock()
	defer e.gmu.Unlock()
	t := e.gtab.Load()
	if old := t.lookup(id); old != nil {
		return old, false
	}
	if t.created >= max(sweepEvery, t.live) {
		t.created = 0 // one sweep for this many
		return nil, true
	}
	if t.used+1 > len(t.slots)/2 {
		t = maintainGTable(t)
	}
	g.epoch = e.epoch.Load() // under e.gmu, as maintainGTable advances it
	t.insert(g)
	e.stats.Goroutines.Add(1)
	return g, false
}

// maintainGTable makes room: it first drops the states of goroutines that
// hold nothing, wait for nothing and have not taken a lock since the
// last maintenance round (goroutine ids are never reused, so the state of an
// exited goroutine is garbage), then grows the table if it is still more
// than a quarter full. Called with e.gmu held.
func maintainGTable(t *gtable) *gtable {
	epoch := e.epoch.Add(1)
	e.wmu.Lock()
	for i := range t.slots {
		s := &t.slots[i]
		k := s.key.Load()
		if k == 0 || k == tombstone {
			continue
		}
		g := s.g.Load()
		if g == nil || g.wait != nil || !idle(g, epoch) {
			continue
		}
		t.drop(s, g)
		e.stats.Reclaimed.Add(1)
	}
	e.wmu.Unlock()
	size := len(t.slots)
	for t.live+1 > size/4 {
		size *= 2
	}
	nt := newGTable(size)
	for i := range t.slots {
		s := &t.slots[i]
		if k := s.key.Load(); k != 0 && k != tombstone {
			nt.insert(s.g.Load())
		}
	}
	nt.created = t.created
	e.gtab.Store(nt)
	return nt
}

//go:norace
func markDead(g *G) { g.idLive = 0 }

// idle reports whether g's state can be dropped: it has not taken a lock
// since the last maintenance round and holds nothing, or holds only locks that
// other goroutines have released since (a goroutine that handed its locks
// over and exited), and has no semaphore permits and no wait group Adds
// that still pay for goroutines it may start. It never modifies g, whose
// owner may still run.
//
//go:norace
func idle(g *G, epoch uint32) bool {
	if epoch-g.epoch < 1 || g.tracked && !e.exited.has(g.id) {
		return false
	}
	for _, p := range g.semas {
		if p.Holding(g.id) > 0 {
			return false
		}
	}
	for _, p := range g.adds {
		if p.pending() {
			// Its Adds pay for goroutines it may still start: they owe
			// a Done (see Spawn).
			return false
		}
	}
	if g.n == 0 {
		return true
	}
	// The held snapshot leaves out what other goroutines released.
	return g.remote.Load() && len(g.heldSnapshot()) == 0
}
