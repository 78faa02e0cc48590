// Package gridlock prevents, detects and explains deadlocks in Go programs.
//
// The locks of gridlock's mirror of the sync package,
// github.com/gridlock-go/gridlock/sync, are watched as the program runs:
// lock-order inversions are reported from one ordinary run with no hang
// needed, recursive locking before the goroutine hangs on itself, actual
// deadlocks within a second of forming, with who holds what, who waits for
// what, and where.
//
// This package configures the detector and lets a program declare its lock
// hierarchy: names and numeric levels, checked at every acquisition.
//
//	var accounts, ledger sync.Mutex // gridlock/sync
//
//	func init() {
//		gridlock.Name(&accounts, "accounts")
//		gridlock.Level(&accounts, 10)
//		gridlock.Name(&ledger, "ledger")
//		gridlock.Level(&ledger, 20) // always taken after accounts
//	}
//
// By default each finding is printed to standard error and the program
// carries on. The environment variable GRIDLOCK (off, on, strict),
// GRIDLOCK_WAIT (the long-wait threshold, e.g. 10s), GRIDLOCK_REPORT (a file
// to which each finding is appended as a line of JSON) and GRIDLOCK_OFF (a
// comma-separated list of finding kinds to silence) set the defaults;
// Configure sets them from code.
package gridlock

import (
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Mode says how the detector reacts to a finding.
type Mode int

// Modes. The zero Mode keeps the mode set by the environment.
const (
	On  Mode = iota + 1 // report each finding and carry on (the default)
	Off                 // detect nothing; locks behave as plain locks
	// Strict reports, then panics in the goroutine that caused the
	// finding; for a goroutine parked on a channel or in a select, which
	// cannot be made to panic, in the detector's timer, which ends the
	// program.
	Strict
)

// Config configures the detector. Zero fields keep their defaults, which
// come from the environment (see the package documentation).
type Config struct {
	Mode Mode
	// LongWait is how long a goroutine may wait for a lock before a
	// long-wait finding is reported; default 30s.
	LongWait time.Duration
	// Output receives each finding as text; default os.Stderr. Use
	// io.Discard to print nothing.
	Output io.Writer
	// ReportFile, if set, is a file to which each finding is appended as a
	// line of JSON (see report.ReadJSON).
	ReportFile string
	// Logger, if set, receives each finding as one structured record, so
	// that findings go where the service's logs go: the message is
	// "gridlock: " and the kind's title; the attributes are kind, summary,
	// goroutines (id, name, state, func, at, waits, holds), resources (id,
	// kind, class, site), sites (the source positions, "file:line"), key
	// (the finding's identity) and doc (the kind's page). Deadlocks and
	// partial deadlocks are logged at level Error, the rest at Warn.
	Logger *slog.Logger
	// OnFinding, if set, is called with each finding. It may be called from
	// several goroutines at once, and is never called with a lock of the
	// detector held, so it may itself take locks.
	OnFinding func(*report.Finding)
	// Off lists kinds of findings that are not reported.
	Off []report.Kind
}

// Configure sets the detector's configuration. Call it early, before the
// program's goroutines start taking locks. GRIDLOCK=off in the environment
// turns detection off whatever the configuration says: it is the
// operator's switch.
func Configure(c Config) {
	o := engine.CurrentOptions()
	switch c.Mode {
	case Off:
		o.Level = engine.LevelOff
	case Strict:
		o.Level = engine.LevelStrict
	case On:
		o.Level = engine.LevelOn
	}
	if c.LongWait > 0 {
		o.LongWait = c.LongWait
	}
	if c.Output != nil {
		o.Output = c.Output
	}
	if c.ReportFile != "" {
		o.ReportPath = c.ReportFile
	}
	o.OnFinding = c.OnFinding
	o.Logger = c.Logger
	if c.Off != nil {
		o.Off = c.Off
	}
	engine.Configure(o)
}

// Name gives lock l a name: findings show it, and every lock given the same
// name belongs to one lock class, so that an order seen on one pair of
// locks of two classes is checked against every other pair of the same
// classes. l must be a *Mutex or *RWMutex of gridlock/sync (or the Locker
// from RWMutex.RLocker); other lockers are ignored. Name is best called
// where the lock is created, before it is first locked. It costs a map
// lookup: naming the lock of every object created is cheap.
//
// A name overrides the lock's declaration class: under gridlock test, a
// lock that is not named belongs to the class of its declaration (the
// package variable, the struct field, the struct that embeds it), as
// gridlock test sees it where the lock is first taken. Other locks that
// are not named each form a class of their own: gridlock then checks the
// order of the instances themselves, which never merges two locks that
// are not the same.
//
//go:noinline
func Name(l sync.Locker, name string) {
	_, pc := rt.Enter()
	engine.Declare(l, engine.Declaration{Name: name}, pc)
}

// Level places lock l at the given level of the lock hierarchy: a lock may
// only be taken while every held lock with a level has a lower one. Taking
// a lock whose level is not greater than that of a held lock is reported at
// once as a hierarchy-violation, with both acquisition sites. Level must be
// positive.
//
// A lock given a level but no name belongs to the class of the call site
// of Level (within its declaration class under gridlock test), so that
// the locks of every object created by one constructor form one class. Two locks of one class have the same level, and holding
// both is a violation unless the class is declared Nestable.
//
//go:noinline
func Level(l sync.Locker, level int) {
	_, pc := rt.Enter()
	if level <= 0 {
		return
	}
	engine.Declare(l, engine.Declaration{Level: level}, pc)
}

// Nestable declares that locks of l's class may be held together, as when
// nodes of a tree or list are locked hand over hand. gridlock then checks
// the order of the instances: nesting them in a consistent order (by id,
// parent before child) stays silent, an inversion is reported. This is
// lockdep's subclass annotation, without the need to count levels.
//
//go:noinline
func Nestable(l sync.Locker) {
	_, pc := rt.Enter()
	engine.Declare(l, engine.Declaration{Nestable: true}, pc)
}

// LockSites registers the lock call sites of one file of the code under
// test, as gridlock test's overlay writes them at the end of each file it
// rewrites: which declaration (package variable, struct field, local
// variable) the lock taken on each line comes from. A lock first taken at
// one of them belongs to the class of its declaration and is named after
// it, e.g. "Conn.mu of *Conn 0xc000123400". pkg is the package's import
// path, file the file's base name, offsets the offsets of mutexes in the
// structs that contain them; the table's format is gridlock's own.
func LockSites(pkg, file, table string, offsets ...uintptr) {
	engine.RegisterSites(pkg, file, table, offsets)
}

// Snapshot returns the detector's current wait-for graph: every goroutine
// waiting for a watched lock, what it holds and where it took it, and the
// goroutines holding what it waits for. Encoded as JSON it is the snapshot
// that gridlock analyze merges with a goroutine dump of the same process.
func Snapshot() *waitgraph.Graph { return engine.Snapshot() }
