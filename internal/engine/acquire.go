package engine

import (
	"sync/atomic"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Chain flags stored in the chain cache.
const (
	sameClass uint32 = 1 << iota // the chain nests two locks of one class
	watched                      // the chain takes an order of a held cycle of one goroutine
)

// Goid returns the id of the calling goroutine.
func Goid() uint64 {
	if e.fastIDs {
		return rt.Goid()
	}
	return rt.SlowGoid()
}

// Before checks an acquisition that may block: goroutine gid is about to
// take the lock behind r in mode m at call site pc. It reports a
// recursive-lock at once, before the goroutine hangs, and validates the
// order against every held lock the first time this chain of classes is
// seen. It returns the goroutine's state and the lock's record for After.
// The caller has checked Enabled.
//
// A cancelable acquisition (LockContext) of a lock the goroutine holds is
// not reported: it ends with an error that explains itself.
func Before(gid uint64, r *Ref, kind waitgraph.ResourceKind, m Mode, pc uintptr, readers *atomic.Uint64, cancelable bool) (*G, *Lock) {
	if !e.fastIDs {
		gid = rt.SlowGoid()
	}
	g := goroutine(gid)
	l := r.Lock(kind, pc, readers)
	if g.remote.Load() {
		g.applyRemote()
	}
	if cancelable {
		// No recursion report: the wait ends with an explained error.
	} else if l.ownerOf() == g {
		// A lock handed between goroutines before may be released for
		// its holder: a mutex used as a semaphore.
		if h := g.find(l); !l.remote.Load() && (h == nil || !h.lent()) {
			recursive(g, l, m, pc, Write)
		}
	} else if kind == waitgraph.RWMutex && g.n > 0 {
		if h := g.find(l); h != nil && !h.lent() {
			recursive(g, l, m, pc, h.mode)
		}
	}
	if m == Write && kind == waitgraph.RWMutex && !l.class.writer.Load() {
		// A writer waits: read-only cycles through this class are real.
		firstWriter(l.class)
	}
	if g.n > 0 {
		key := chainKey(g.chain(), l.class.id)
		if f, ok := e.chains.get(key); !ok {
			validate(g, l, m, pc, key)
		} else if f != 0 {
			checkFlags(g, l, m, pc, f)
		}
	}
	if metricsOn.Load() {
		g.waitAt = mono()
	}
	return g, l
}

// After records that g acquired l in mode m at call site pc, after a wait
// that Before checked.
func After(g *G, l *Lock, m Mode, pc uintptr) {
	g.recursiveOn = nil
	record(g, l, m, pc, false)
	if metricsOn.Load() && g.waitAt != 0 {
		noteAcquired(l, m, mono()-g.waitAt)
		g.waitAt = 0
	}
}

// Acquired checks and records an acquisition that did not wait: goroutine
// gid took the lock behind r in mode m at call site pc. The checks are
// those of Before, done after the fact since nothing hung; this is the
// uncontended path, and costs one lookup of the goroutine's state, a push
// on its held list and, when other locks are held, one chain-cache lookup.
// The caller has checked Enabled.
func Acquired(gid uint64, r *Ref, kind waitgraph.ResourceKind, m Mode, pc uintptr, readers *atomic.Uint64) {
	if g := Note(gid, r, kind, m, pc, readers); g != nil {
		g.ValidateTop()
	}
}

// Note is Acquired but for the validation of a chain of classes seen for
// the first time, which it leaves to its caller: it returns nil, or, for
// such a chain, the goroutine's state, whose ValidateTop the caller must
// call once it is done with the acquisition. The mirror's locks call it
// so that the validation runs with Note's frame off the stack (see
// validate).
func Note(gid uint64, r *Ref, kind waitgraph.ResourceKind, m Mode, pc uintptr, readers *atomic.Uint64) (validate *G) {
	if !e.fastIDs {
		gid = rt.SlowGoid()
	}
	// The lookups of Ref.Lock and goroutine, by hand: this is the hot path.
	l := r.p.Load()
	if l == nil {
		l = r.create(kind, pc, readers)
	}
	last, lastID := l.lastSeen()
	g := last
	if lastID != gid {
		// goroutine(gid), by hand.
		if g = e.gtab.Load().lookup(gid); g == nil {
			g = newG(gid)
		}
		// g.noteTaken(l, pc), by hand: one call less for a lock last
		// taken by another goroutine (an RWMutex's readers but the first).
		if s := g.taken.Load(); s == nil || s.find(l.id) < 0 {
			g.addTaken(l.id, pc)
		}
		if m == Write || lastID == 0 { // none, or one whose state was dropped
			// Readers would take turns writing it, a shared cache line:
			// a read lock caches the first reader only, which is enough
			// for a lock read by one goroutine at a time.
			l.setLast(g)
		}
	}
	if g.remote.Load() {
		g.applyRemote()
	}
	var prev uint64
	if g.n > 0 {
		prev = g.chain()
	}
	key := chainKey(prev, l.cid)
	if g.n > 0 {
		if kind == waitgraph.RWMutex {
			if h := g.find(l); h != nil && !h.lent() {
				recursive(g, l, m, pc, h.mode)
			}
		}
		if f, ok := e.chains.get(key); !ok {
			validate = g
		} else if f != 0 {
			checkFlags(g, l, m, pc, f)
		}
	} else {
		g.epoch = e.epoch.Load()
	}
	if n := g.n; n < inlineHeld {
		h := &g.held[n]
		h.lock, h.pc, h.mode, h.flags, h.chain = l, pc, m, 0, key
		g.n = n + 1
	} else {
		g.push(l, pc, m, false, key)
	}
	if m == Write {
		l.setOwner(g)
		if kind == waitgraph.RWMutex && !l.class.writer.Load() {
			firstWriter(l.class)
		}
	}
	if metricsOn.Load() {
		noteAcquired(l, m, -1)
	}
	return validate
}

// ValidateTop validates the chain of classes g holds, which ends with the
// acquisition for which Note returned g, and makes the checks that
// the chain's flags call for. g's latest acquisition is in its held list,
// which the checks skip.
//
//go:noinline
func (g *G) ValidateTop() {
	h := g.at(g.n - 1)
	validate(g, h.lock, h.mode, h.pc, h.chain)
}

// lastSeen returns the goroutine that last acquired l and its id while
// in the goroutine table: 0 if there is none or its state was dropped
// (see lastFor).
//
//go:norace
func (l *Lock) lastSeen() (*G, uint64) {
	if g := l.last; g != nil {
		return g, g.idLive
	}
	return nil, 0
}

// Fast returns the state of goroutine gid if it last took l and has no
// pending remote releases: the caller may then try Push1 and PushNested.
// This is the uncontended path of Lock, small enough to be inlined into
// it; when it or they fail, the caller calls Acquired. The caller has
// checked Hot: goroutine ids are valid and no metrics are collected.
//
//go:norace
func (l *Lock) Fast(gid uint64) *G {
	if g := l.last; g != nil && g.idLive == gid && !g.remote.Load() {
		return g
	}
	return nil
}

// Push1 records that g took l for writing at call site pc, if g holds
// nothing else (see Fast), and stores l in *p (the mirror's Mutex.l). The
// three pointer stores come together, for one write-barrier check (*p
// first: stored last, it took a check of its own in PushNested).
//
//go:norace
func (g *G) Push1(p **Lock, l *Lock, pc uintptr) bool {
	if g.n != 0 {
		return false
	}
	g.epoch = e.epoch.Load()
	h := &g.held[0]
	h.pc, h.mode, h.flags, h.chain = pc, Write, 0, l.key0
	*p, h.lock, l.owner = l, l, g
	g.n = 1
	return true
}

// PushNested records that g took l for writing at call site pc while it
// holds other locks, if that chain of classes was validated before and
// needs no check of instances (see Fast), and stores l in *p (see Push1).
//
//go:norace
func (g *G) PushNested(p **Lock, l *Lock, pc uintptr) bool {
	n := g.n
	if n == 0 || n >= inlineHeld {
		return false
	}
	key := chainKey(g.held[n-1].chain, l.cid)
	if f, ok := e.chains.get(key); !ok || f != 0 {
		return false
	}
	h := &g.held[n]
	h.pc, h.mode, h.flags, h.chain = pc, Write, 0, key
	*p, h.lock, l.owner = l, l, g
	g.n = n + 1
	return true
}

// ReleaseFast records that the calling goroutine, whose stack address sp
// is, releases l, held for writing, and clears *p (the mirror's Mutex.l),
// if the goroutine is l's owner as last seen by its stack bounds and l is
// on top of its held list, or l has no owner. It reports false otherwise,
// having changed nothing; the caller then calls ReleaseWriteOf. The caller
// has checked Hot (no metrics are collected).
//
//go:norace
func (l *Lock) ReleaseFast(p **Lock, sp uintptr) bool {
	o := l.owner
	if o == nil {
		*p = nil
		return true
	}
	n := uint(o.n - 1)
	if sp < o.stackLo || sp >= o.stackHi || n >= inlineHeld || o.held[n].lock != l {
		return false
	}
	*p, l.owner, o.held[n].lock = nil, nil, nil
	o.n = int(n)
	return true
}

// Tried records a successful TryLock or TryRLock. A try cannot wait, so no
// order into the lock is checked; locks taken while it is held are ordered
// after it as usual.
func Tried(gid uint64, r *Ref, kind waitgraph.ResourceKind, m Mode, pc uintptr, readers *atomic.Uint64) {
	if !e.fastIDs {
		gid = rt.SlowGoid()
	}
	g := goroutine(gid)
	l := r.Lock(kind, pc, readers)
	if g.remote.Load() {
		g.applyRemote()
	}
	record(g, l, m, pc, true)
	if metricsOn.Load() {
		noteAcquired(l, m, -1)
	}
}

// record pushes l on g's held list and makes g its owner.
func record(g *G, l *Lock, m Mode, pc uintptr, try bool) {
	g.noteTaken(l, pc)
	if g.n == 0 {
		g.epoch = e.epoch.Load()
	}
	g.push(l, pc, m, try, chainKey(g.chain(), l.class.id))
	if m == Write {
		l.setOwner(g)
		if l.kind == waitgraph.RWMutex && !l.class.writer.Load() {
			firstWriter(l.class)
		}
	}
}

// ReleaseWrite records that the write lock behind r is about to be
// released by the calling goroutine. It must be called before the lock is
// actually released. The owner pops the lock from its held list; another
// goroutine (Go allows it) marks the lock as handed over and leaves the
// entry for the owner to drop at its next lock operation, since it must
// not touch another goroutine's list.
func ReleaseWrite(r *Ref) {
	if l := r.p.Load(); l != nil {
		ReleaseWriteOf(l)
	}
}

// ReleaseWriteOf is ReleaseWrite for the lock whose record is l.
func ReleaseWriteOf(l *Lock) {
	o := l.ownerOf()
	if o == nil {
		return
	}
	l.setOwner(nil)
	if metricsOn.Load() {
		noteReleased(l)
	}
	if !o.OnStack(rt.SP()) || !o.PopTop(l) {
		ReleaseWriteSlow(l, o)
	}
}

// Owner returns the goroutine holding l for writing, or nil.
//
//go:norace
func (l *Lock) Owner() *G { return l.owner }

// ClearOwner records that l is no longer held for writing.
//
//go:norace
func (l *Lock) ClearOwner() {
	l.owner = nil
	if metricsOn.Load() {
		noteReleased(l)
	}
}

// PopTop pops l from the top of g's held list, if it is there. Only g's
// own goroutine calls it.
func (g *G) PopTop(l *Lock) bool {
	if n := uint(g.n - 1); n < inlineHeld && g.held[n].lock == l {
		g.held[n].lock = nil
		g.n = int(n)
		return true
	}
	return false
}

// OnStack reports whether address sp lies in g's stack as last seen:
// then the goroutine whose stack sp is in is g. The bounds are refreshed by
// ReleaseWriteSlow when the stack has moved since.
//
//go:norace
func (g *G) OnStack(sp uintptr) bool { return g.stackLo <= sp && sp < g.stackHi }

// ReleaseWriteSlow completes an Unlock of l, owned by o, when the
// releasing goroutine's stack is not o's as last seen: it asks for the
// goroutine's id. The owner pops l from its list and refreshes its stack
// bounds; another goroutine (Go allows it) marks l as handed over and
// leaves the entry for the owner to drop at its next lock operation.
func ReleaseWriteSlow(l *Lock, o *G) {
	var gid uint64
	var lo, hi uintptr
	if e.fastIDs {
		gid, lo, hi = rt.GoidStack()
	} else {
		gid = rt.SlowGoid()
	}
	if o.id == gid {
		if rt.StackOK() {
			o.stackLo, o.stackHi = lo, hi
		}
		o.remove(l, Write)
		return
	}
	l.remote.Store(true)
	o.remote.Store(true)
}

// ReleaseRead records that the read lock behind r is about to be released
// by the calling goroutine. It removes the entry from the goroutine's held
// list or, if another goroutine took the read lock, from that goroutine's
// list at its next lock operation.
func ReleaseRead(r *Ref) {
	l := r.p.Load()
	if l == nil {
		return
	}
	var gid uint64 // Goid, by hand: one call less
	if e.fastIDs {
		gid = rt.Goid()
	} else {
		gid = rt.SlowGoid()
	}
	g := l.lastFor(gid)
	if g == nil {
		g = e.gtab.Load().lookup(gid)
	}
	if g != nil {
		// g.remove(l, Read)'s commonest case, by hand: l is on top.
		if n := uint(g.n - 1); n < inlineHeld && g.held[n].lock == l && g.held[n].mode == Read {
			g.held[n].lock = nil
			g.n = int(n)
			return
		}
		if g.remove(l, Read) {
			return
		}
	}
	remoteReadRelease(l)
}

// ReleaseReadTop records that the calling goroutine releases its read
// hold of the lock whose value is at address a, if that hold is on top of
// its held list, and reports whether it did; if not, it changes nothing
// and the caller calls ReleaseRead. It needs no Ref: the uncontended
// RUnlock finds the record on the goroutine's list, not through the
// lock's home. The caller has checked Hot.
func ReleaseReadTop(a uintptr) bool {
	gid := rt.Goid() // before the table's load: nothing to keep across the call
	g := e.gtab.Load().lookup(gid)
	if g == nil {
		return false
	}
	n := uint(g.n - 1)
	if n >= inlineHeld {
		return false
	}
	h := &g.held[n]
	if l := h.lock; l == nil || l.addr != a || h.mode != Read {
		return false
	}
	h.lock = nil
	g.n = int(n)
	return true
}

// remoteRelease records that a goroutine other than g released l, which g
// acquired. g applies it at its next lock operation.
func remoteRelease(g *G, l *Lock, m Mode) {
	l.remote.Store(true)
	rs := g.remoteOf()
	rs.mu.Lock()
	rs.locks = append(rs.locks, released{l, m})
	g.remote.Store(true)
	rs.mu.Unlock()
}

// remoteReadRelease finds the goroutine whose read hold of l was released
// by another goroutine.
func remoteReadRelease(l *Lock) {
	e.gmu.Lock()
	t := e.gtab.Load()
	var owner *G
	for i := range t.slots {
		if g := t.slots[i].g.Load(); g != nil && holdsRead(g, l) {
			owner = g
			break
		}
	}
	e.gmu.Unlock()
	if owner != nil {
		remoteRelease(owner, l, Read)
	}
}

//go:norace
func holdsRead(g *G, l *Lock) bool {
	for _, h := range g.heldSnapshot() {
		if h.lock == l && h.mode == Read {
			return true
		}
	}
	return false
}
