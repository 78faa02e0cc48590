package engine

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"weak"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// Class is a lock class: the unit of the lock-order graph. A lock given a
// name belongs to the class of that name; a lock given only a level belongs
// to the class of the call site that set the level (like lockdep's static
// keys); any other lock is a class of its own, so that order is checked per
// instance and a derived class never merges locks that are not the same.
type Class struct {
	id        uint64
	name      string // "" for an instance's own class
	level     int
	nestable  bool // instances of the class may nest in a consistent order
	singleton bool // the class of one lock instance
	// writer is set once a lock of the class was taken for writing; a
	// cycle of read locks alone cannot deadlock without a writer.
	writer *atomic.Bool
	kind   waitgraph.ResourceKind
	site   uintptr // first use, for an instance class; declaration site otherwise
}

// Lock is the engine's record of one lock instance. The mirror's Mutex and
// RWMutex point to one, created on first use.
type Lock struct {
	id    uint64
	kind  waitgraph.ResourceKind
	class *Class
	own   Class // the class of an unnamed lock
	site  uintptr
	// owner is the goroutine holding the lock for writing, nil if none. The
	// owner writes it after acquiring and clears it before releasing; others
	// read it through ownerOf, which tolerates stale values.
	owner *G
	// last is the goroutine that last acquired the lock, a cache that
	// saves the goroutine-table lookup when one goroutine takes a lock
	// again and again.
	last *G
	// cid is class.id, and key0 the chain key of l held alone, copied for
	// the hot path.
	cid, key0 uint64
	// remote is set once the lock was released by a goroutine that did not
	// acquire it (legal in Go): a wait for it may be ended by anyone, so
	// circular waits through it are not reported as deadlocks.
	remote atomic.Bool
	// graphed is set when the lock has a node in an order graph and a cleanup
	// that removes the node once the lock is garbage.
	graphed atomic.Bool
	// readers is an RWMutex's state word, whose low 32 bits count the
	// goroutines holding the read lock; zero for a Mutex. It is weak: the
	// mirror keeps the record outside the lock, as long as the lock lives
	// (see the mirror's home), so the record must not keep it alive.
	readers weak.Pointer[atomic.Uint64]
}

func (l *Lock) readerCount() int {
	p := l.readers.Value()
	if p == nil {
		return 0
	}
	return int(p.Load() & (1<<32 - 1))
}

// isRW reports whether l is an RWMutex's: it counts readers.
func (l *Lock) isRW() bool { return l.readers != weak.Pointer[atomic.Uint64]{} }

// ID returns the lock's instance id, unique for the life of the process.
func (l *Lock) ID() uint64 { return l.id }

// Class returns the lock's class.
func (l *Lock) Class() *Class { return l.class }

//go:norace
func (l *Lock) ownerOf() *G { return l.owner }

// ownerSeen returns l's owner for a goroutine that reads the owner's
// fields. The owner field is written without synchronization, so the G is
// found again in the goroutine table, whose atomic publication orders the
// G's initialization before the caller's reads. A G no longer in the table
// (its goroutine exited holding l) is returned as read.
func (l *Lock) ownerSeen() *G {
	o := l.ownerOf()
	if o == nil {
		return nil
	}
	e.gtab.Load().lookup(idOf(o)) // finds o: the atomic load orders its fields
	return o
}

//go:norace
func idOf(g *G) uint64 { return g.id }

//go:norace
func (l *Lock) setOwner(g *G) { l.owner = g }

// lastFor returns the goroutine that last acquired l if it is gid, else
// nil. The G may belong to another goroutine: its fields are read without
// synchronization, and a stale value only costs a table lookup.
//
//go:norace
func (l *Lock) lastFor(gid uint64) *G {
	if g := l.last; g != nil && g.id == gid && !g.dead {
		return g
	}
	return nil
}

//go:norace
func (l *Lock) setLast(g *G) { l.last = g }

// Ref is the field the mirror embeds in its lock types: a pointer to the
// Lock record, created on first use.
type Ref struct {
	p atomic.Pointer[Lock]
}

// Lock returns r's record, creating it on first use at call site pc.
func (r *Ref) Lock(kind waitgraph.ResourceKind, pc uintptr, readers *atomic.Uint64) *Lock {
	if l := r.p.Load(); l != nil {
		return l
	}
	return r.create(kind, pc, readers)
}

// Peek returns r's record or nil if the lock was never used with the engine on.
func (r *Ref) Peek() *Lock { return r.p.Load() }

func (r *Ref) create(kind waitgraph.ResourceKind, pc uintptr, readers *atomic.Uint64) *Lock {
	l := &Lock{id: e.nextID.Add(1), kind: kind, site: pc}
	if readers != nil {
		l.readers = weak.Make(readers)
	}
	l.own = Class{id: l.id, singleton: true, kind: kind, site: pc, writer: writerFlag(kind)}
	l.class = &l.own
	l.cid, l.key0 = l.id, chainKey(0, l.id)
	if r.p.CompareAndSwap(nil, l) {
		return l
	}
	return r.p.Load()
}

// mutexWriter is the writer flag of every Mutex class: always set.
var mutexWriter = func() *atomic.Bool { b := new(atomic.Bool); b.Store(true); return b }()

func writerFlag(kind waitgraph.ResourceKind) *atomic.Bool {
	if kind == waitgraph.Mutex {
		return mutexWriter
	}
	return new(atomic.Bool)
}

// Label returns the name findings use for l: its class name, or its kind and
// id with the site of its first use.
func (l *Lock) Label() string {
	if l.class.name != "" {
		return l.class.name
	}
	return fmt.Sprintf("%s#%d", l.kind, l.id)
}

func (c *Class) label() string {
	if c.name != "" {
		return c.name
	}
	return fmt.Sprintf("%s#%d", c.kind, c.id)
}

// frameOf symbolizes a return address into the frame of the call.
func frameOf(pc uintptr) *waitgraph.Frame {
	if pc == 0 {
		return nil
	}
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	if f.Function == "" {
		return nil
	}
	return &waitgraph.Frame{Func: f.Function, File: f.File, Line: f.Line}
}
