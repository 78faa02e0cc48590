package engine

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

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
	// spare, for the class of one lock, is recOrdinary, or recSpare while
	// the lock's record is lent to the first Do of a Once and taken back
	// when it returns, or recRecycled once taken back (see
	// AcquiredOnce). It fills the padding after the flags above.
	spare atomic.Uint32
	// writer is set once a lock of the class was taken for writing; a
	// cycle of read locks alone cannot deadlock without a writer.
	writer *atomic.Bool
	kind   waitgraph.ResourceKind
	site   uintptr // first use, for an instance class; declaration site otherwise
	// decl is the declaration of the class's locks, for a declaration
	// class or the class of a Level call site within one; nil otherwise.
	decl *decl
	// explicit is set for a class given by Name.
	explicit bool
	// stats are the class's metrics, once metrics are on (metrics.go).
	stats atomic.Pointer[classStats]
	// chained is set once a chain with the class was validated: changing
	// its level or nestability then makes cached chains stale. Guarded by
	// Engine.mu.
	chained bool
}

// Lock is the engine's record of one lock instance. The mirror's Mutex and
// RWMutex point to one, created on first use.
type Lock struct {
	id    uint64
	kind  waitgraph.ResourceKind
	class *Class
	site  uintptr
	addr  uintptr      // the address of the lock value, to name the lock by it
	value weakIn[byte] // the lock value, if kept outside it: see stale
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
	readers weakIn[atomic.Uint64]
	// heldAt is when the lock was last taken for writing, on the clock of
	// mono, while metrics are on; 0 otherwise (metrics.go).
	heldAt atomic.Int64
}

func (l *Lock) readerCount() int {
	p := l.readers.Value()
	if p == nil {
		return 0
	}
	return int(p.Load() & (1<<32 - 1))
}

// isRW reports whether l is an RWMutex's: it counts readers.
func (l *Lock) isRW() bool { return !l.readers.isZero() }

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

// noLast reports whether l has no goroutine that last acquired it, or one
// whose state was dropped.
//
//go:norace
func (l *Lock) noLast() bool { return l.last == nil || l.last.dead }

// Ref is the field the mirror embeds in its lock types: a pointer to the
// Lock record, created on first use.
type Ref struct {
	p atomic.Pointer[Lock]
	// addr is the address of the lock value, for a Ref kept outside it
	// (see SetValue); 0 for a Ref inside its lock value. value tells the
	// lock from a later one at the same address.
	addr  uintptr
	value weakIn[byte]
}

// SetValue records that r is the Ref of the lock value at p, kept outside
// it: findings name the lock by its address, and a record of a lock that
// is garbage is told from one of a new lock at the same address (see
// Lock.stale). It must be called before r's record is created.
func (r *Ref) SetValue(p unsafe.Pointer) {
	r.addr = uintptr(p)
	r.value = makeWeakIn((*byte)(p))
}

// Dead reports whether r is the Ref of a lock value kept outside it (see
// SetValue) that is garbage.
func (r *Ref) Dead() bool { return !r.value.isZero() && r.value.Value() == nil }

// DropStale, set by the mirror, makes it forget the record l of the lock
// at address addr, which is garbage: the lock now at that address gets a
// record of its own at its next acquisition.
var DropStale func(addr uintptr, l *Lock)

// stale reports whether l is the record of a lock that is garbage, found
// by a new lock at the same address before the mirror forgot it (a
// cleanup runs some time after its value is freed).
func (l *Lock) stale() bool {
	return !l.value.isZero() && l.value.Value() == nil
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
	return r.createOver(nil, kind, pc, readers)
}

// createOver is create for a Ref whose record is old, one that is not its
// own (see Ref.own).
func (r *Ref) createOver(old *Lock, kind waitgraph.ResourceKind, pc uintptr, readers *atomic.Uint64) *Lock {
	var l *Lock
	if c := declClass(kind, pc); c != nil {
		l = &Lock{class: c, cid: c.id, key0: chainKey(0, c.id)}
	} else {
		// A class of its own, allocated with the lock.
		lo := new(lockOwn)
		l = &lo.Lock
		l.id = e.nextID.Add(1)
		lo.own = Class{id: l.id, singleton: true, kind: kind, site: pc, writer: writerFlag(kind)}
		l.class = &lo.own
		l.cid, l.key0 = l.id, chainKey(0, l.id)
	}
	if l.id == 0 {
		l.id = e.nextID.Add(1)
	}
	l.kind, l.site, l.addr, l.value = kind, pc, r.addr, r.value
	if l.addr == 0 {
		l.addr = uintptr(unsafe.Pointer(r))
	}
	if readers != nil {
		l.readers = weakAt(r.value, readers, r.addr)
		if l.readers.isZero() {
			l.readers = makeWeakIn(readers)
		}
	}
	if r.p.CompareAndSwap(old, l) {
		return l
	}
	return r.p.Load()
}

// lockOwn is a lock with its own class, in one allocation.
type lockOwn struct {
	Lock
	own Class
}

// mutexWriter is the writer flag of every Mutex and Once class: always set.
var mutexWriter = func() *atomic.Bool { b := new(atomic.Bool); b.Store(true); return b }()

func writerFlag(kind waitgraph.ResourceKind) *atomic.Bool {
	if kind == waitgraph.Mutex || kind == waitgraph.Once {
		return mutexWriter // only ever taken for writing
	}
	return new(atomic.Bool)
}

// Label returns the name findings use for l's class: its name, its
// declaration, or its kind and id.
func (l *Lock) Label() string { return l.class.label() }

// label returns the name findings use for the lock instance l: its
// declaration and address when it has one (e.g. "Conn.mu of *Conn
// 0xc000123400"), its class name and id when it was given a name, else its
// kind and id.
func (l *Lock) label() string {
	c := l.class
	switch {
	case c.decl != nil:
		return l.instLabel(c.decl)
	case c.name != "":
		return fmt.Sprintf("%s#%d", c.name, l.id)
	}
	return fmt.Sprintf("%s#%d", l.kind, l.id)
}

func (c *Class) label() string {
	switch {
	case c.name != "":
		return c.name
	case c.decl != nil:
		return c.decl.label
	}
	return fmt.Sprintf("%s#%d", c.kind, c.id)
}

// className is the class's name as a finding's resource carries it: the
// name given, or the declaration; "" for a lock's own class.
func (c *Class) className() string {
	if c.name == "" && c.decl != nil {
		return c.decl.label
	}
	return c.name
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
