package engine

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/rt"
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
	// instances is set once two locks of the class were held together:
	// their order is then checked by instance, which must outlive an
	// epoch, so new locks of the class get a weak pointer at once.
	instances atomic.Bool
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
	// epoch is the epoch of a record kept outside its lock value with no
	// weak pointer made at once (see Epoch); late is its weak pointer once
	// made (anchor), and wantAnchor (below) asks the mirror for one.
	epoch *Epoch
	late  atomic.Pointer[weakIn[byte]]
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
	graphed    atomic.Bool
	wantAnchor atomic.Bool
	// claimed is set on the record in a Space once a Ref made it.
	claimed atomic.Bool
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

// Addr returns the address of the lock value the record is of.
func (l *Lock) Addr() uintptr { return l.addr }

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
	if g := l.last; g != nil && g.idLive == gid {
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
	// addr is the address of the lock value, for a Ref kept outside it
	// (see SetHome); 0 for a Ref inside its lock value. epoch is the epoch
	// r was made in: it tells the lock from a later one at the same
	// address (see Epoch).
	addr  uintptr
	epoch *Epoch
	// space is where r's record is made, if the caller gave one.
	space *Space
}

// Space is room for a lock's record next to its Ref (see SetHome), which
// saves an allocation per lock.
type Space struct {
	l Lock
}

// Touch loads the fields of the record in sp that a sweep reads, and
// returns a value made of them: a sweep touches many scattered records
// first, so that the processor fetches them together.
//
//go:norace
func (sp *Space) Touch() uintptr {
	x := uintptr(unsafe.Pointer(sp.l.epoch)) + uintptr(unsafe.Pointer(sp.l.owner))
	if sp.l.graphed.Load() { // on the record's next cache line, at times
		x++
	}
	return x
}

// SetHome records that r is the Ref of the lock value at p, kept outside
// it: findings name the lock by its address, and a record of a lock that
// is garbage is told from one of a new lock at the same address (see
// Lock.stale). It must be called before r's record is created, by the
// goroutine that made r. The record is made in sp if it is not nil.
func (r *Ref) SetHome(p unsafe.Pointer, sp *Space) {
	r.addr = uintptr(p)
	r.epoch = CurrentEpoch()
	r.space = sp
}

// Inherit makes r's record, when created, take what old, the record of
// the lock last seen at r's address, knew that can only silence findings:
// old is unknown (its epoch ended, see Epoch), so its lock may be r's.
// It must be called before r's record is created, by the goroutine that
// made r.
// r must have a Space (see SetHome).
func (r *Ref) Inherit(old *Lock) {
	if old != nil && old.remote.Load() && r.space != nil {
		r.space.l.remote.Store(true) // kept by create
	}
}

// Gone reports whether r, a Ref kept outside its lock value (see
// SetHome), is that of a lock that is garbage, or may be: its record is
// unknown (see Epoch) and no goroutine holds it. A held record whose
// epoch ended is kept: its holder may still use it. So is a Ref with no
// record yet, which its maker is about to give one (the home of a wait
// group holds a record of its own, see PrimRef.Dead).
func (r *Ref) Gone() bool {
	l := r.p.Load()
	if l == nil {
		return false
	}
	switch l.livenessNow() {
	case recDead:
		return true
	case recUnknown:
		return l.ownerOf() == nil
	}
	return false
}

// Unknown reports whether r's record is unknown (see Epoch) and held by
// no goroutine: the lock at r's address needs a new one.
func (r *Ref) Unknown() bool {
	l := r.p.Load()
	return l != nil && l.liveness() == recUnknown && l.ownerOf() == nil
}

// Anchor gives r's record a weak pointer to p, its lock value, if it
// asked for one (see Lock.anchor). The caller operates on p.
func (r *Ref) Anchor(p unsafe.Pointer) {
	if l := r.p.Load(); l != nil && l.wantAnchor.Load() {
		l.anchor(p)
	}
}

// LockAnchored is Lock for a caller that keeps the record for longer than
// an operation on the lock value p (a declaration, a condition variable's
// locker): the record gets a weak pointer.
func (r *Ref) LockAnchored(kind waitgraph.ResourceKind, pc uintptr, readers *atomic.Uint64, p unsafe.Pointer) *Lock {
	l := r.Lock(kind, pc, readers)
	if r.addr != 0 {
		l.anchor(p)
	}
	return l
}

// DropStale, set by the mirror, makes it forget the record l of the lock
// at address addr, which is garbage: the lock now at that address gets a
// record of its own at its next acquisition.
var DropStale func(addr uintptr, l *Lock)

// stale reports whether l is the record of a lock that is garbage, found
// by a new lock at the same address before the mirror forgot it (its sweep
// runs some time after its value is freed), or may be (unknown).
func (l *Lock) stale() bool { return l.liveness() != recAlive }

// Liveness of a record.
const (
	recAlive   = iota // its lock is live, or the record is inside its lock
	recDead           // its lock is garbage
	recUnknown        // made in an epoch that ended, with no weak pointer
)

func (l *Lock) liveness() int { return l.livenessOf(false) }

// livenessNow is liveness for a caller that keeps what may be live (the
// sweep): a record of the current epoch is taken as live, without
// counting collections.
func (l *Lock) livenessNow() int { return l.livenessOf(true) }

func (l *Lock) livenessOf(cheap bool) int {
	if !l.value.isZero() {
		if l.value.Value() == nil {
			return recDead
		}
		return recAlive
	}
	if l.epoch == nil {
		return recAlive
	}
	if w := l.late.Load(); w != nil {
		if w.Value() == nil {
			return recDead
		}
		return recAlive
	}
	if ep := l.epoch; !ep.current() || !cheap && !ep.Live() {
		return recUnknown // an epoch is replaced once it has ended
	}
	return recAlive
}

// homed reports whether l is kept outside its lock (see SetHome): it
// leaves the order graphs with its home (Forget).
// OwnChains reports whether the chains cached with l's class may be l's
// alone: its record has a weak pointer, as those of locks of their own
// classes do, not only an epoch, as those of a declaration class's locks,
// whose chains the class's other locks share (see Forgotten).
func (l *Lock) OwnChains() bool { return l.epoch == nil }

func (l *Lock) homed() bool { return l.epoch != nil || !l.value.isZero() }

// anchor gives l, a record made with no weak pointer (see Epoch), one to
// its lock value p, on which the caller operates, while l's epoch lives:
// l then outlives the epoch. Once the epoch has ended it is too late: the
// lock at l's address may be another.
func (l *Lock) anchor(p unsafe.Pointer) {
	if l.epoch == nil || l.late.Load() != nil || !l.epoch.Live() {
		return
	}
	w := makeWeakIn((*byte)(p))
	l.late.CompareAndSwap(nil, &w)
}

// anchorLater asks that l, held by the calling goroutine but not the lock
// it operates on, get a weak pointer at the next use of its lock (see
// EvictHome).
func (l *Lock) anchorLater() {
	if l.epoch == nil || l.late.Load() != nil || l.wantAnchor.Swap(true) {
		return
	}
	if EvictHome != nil {
		EvictHome(l.addr, l)
	}
}

// EvictHome, set by the mirror, makes the next use of the lock at addr,
// whose record is l, look its home up in full, where it is anchored.
var EvictHome func(addr uintptr, l *Lock)

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
	c := declClass(kind, pc)
	var l *Lock
	if sp := r.space; sp != nil && sp.l.claimed.CompareAndSwap(false, true) {
		l = &sp.l
	} else if c == nil {
		lo := new(lockOwn)
		l = &lo.Lock
		l.class = &lo.own
	} else {
		l = new(Lock)
	}
	if c != nil {
		l.class, l.cid, l.key0 = c, c.id, chainKey(0, c.id)
	} else {
		// A class of its own.
		l.id = e.nextID.Add(1)
		if l.class == nil {
			l.class = new(Class)
		}
		*l.class = Class{id: l.id, singleton: true, kind: kind, site: pc, writer: writerFlag(kind)}
		l.cid, l.key0 = l.id, chainKey(0, l.id)
	}
	if l.id == 0 {
		l.id = e.nextID.Add(1)
	}
	l.kind, l.site, l.addr = kind, pc, r.addr
	if l.addr == 0 {
		l.addr = uintptr(unsafe.Pointer(r))
	}
	if r.epoch != nil {
		// Kept outside its lock value, which the caller operates on.
		if kind == waitgraph.Mutex && l.class.decl != nil && !l.class.instances.Load() {
			// Of a declaration class, whose instances are not ordered:
			// no state that must outlive the epoch, yet.
			l.epoch = r.epoch
		} else {
			l.value = makeWeakIn((*byte)(rt.PointerAt(r.addr)))
		}
	}
	if readers != nil {
		l.readers = weakAt(l.value, readers, r.addr)
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
