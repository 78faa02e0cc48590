package engine

import (
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Records of a Once's first Do. A new Once's first Do needs a record of
// its mutex with a class of its own, as any lock does, and allocating it
// costs several times what the standard library's whole Do does. Most
// first Dos are by a goroutine that holds no lock, run a function that
// takes no lock and waits for nothing, and meet no other caller: then
// nothing outside the goroutine's held list ever sees the record, and it
// can serve the next Once. Such a record is a spare: lent to the Do and
// taken back when it returns, to serve the goroutine's next first Do, with
// a new id (hence a new class) for each Do, so that nothing learned about
// one Once is taken for another's.
//
// A spare becomes an ordinary record for good (pin) as soon as anything
// else may keep it: an order edge from it (validate), a wait registered
// while it is held (register), another goroutine's acquisition or wait
// (Ref.Pin, through the Once), or a recursive Do. Pinning and taking back
// race through one compare-and-swap, so one of them wins.
//
// A spare is not entered in its goroutine's taken set: a first Do's record
// is taken by one goroutine only, until pinned.

// Values of Class.spare.
const (
	recOrdinary uint32 = iota
	recSpare
	recRecycled
)

// pin makes l, if it is a spare, an ordinary record. It reports false if l
// was taken back already.
func (l *Lock) pin() bool {
	for {
		switch l.class.spare.Load() {
		case recOrdinary:
			return true
		case recRecycled:
			return false
		}
		if l.class.spare.CompareAndSwap(recSpare, recOrdinary) {
			return true
		}
	}
}

// pinHeld pins the records of g's held locks. Only g calls it.
func (g *G) pinHeld() {
	for i := range g.n {
		if h := g.at(i); h.lock != nil {
			h.lock.pin()
		}
	}
}

// pinned returns the entries of holds whose records are pinned, dropping
// those taken back (a goroutine's list read by another, which the
// goroutine has left since).
func pinned(holds []held) []held {
	out := holds[:0]
	for _, h := range holds {
		if h.lock.pin() {
			out = append(out, h)
		}
	}
	return out
}

// own reports whether l, r's record, is r's own: a Once keeps the spare
// its first Do borrowed, which may since serve another Once, or be free.
func (r *Ref) own(l *Lock) bool {
	return l.addr == uintptr(unsafe.Pointer(r)) && l.class.spare.Load() != recRecycled
}

// Pin returns r's record, a Once's, pinned (see pin), creating one at
// call site pc if r has none of its own. A Once's code calls it before
// anything that keeps the record: an acquisition, a wait.
func (r *Ref) Pin(pc uintptr) *Lock {
	for {
		l := r.p.Load()
		if l == nil || !r.own(l) {
			r.createOver(l, waitgraph.Once, pc, nil)
			continue
		}
		if l.pin() {
			if r.p.Load() == l && r.own(l) {
				return l
			}
			continue // pinned the record's next use: harmless; again
		}
		// Taken back just now: no longer r's own.
	}
}

// AcquiredOnce records that goroutine gid took the mutex of a Once, whose
// record is in r, at call site pc, without waiting; it returns the record,
// for ReleaseOnce. A goroutine that holds no lock gets a spare record
// (see above) if the Once has none. The caller has checked Enabled.
func AcquiredOnce(gid uint64, r *Ref, pc uintptr) *Lock {
	if !e.fastIDs {
		gid = rt.SlowGoid()
	}
	if cur := r.p.Load(); (cur == nil || !r.own(cur)) && !metricsOn.Load() && declClass(waitgraph.Once, pc) == nil {
		if g := goroutine(gid); g.n == 0 && !g.remote.Load() {
			// The spare's fields that its last Do left set are set
			// again below; the rest are as new (see ReleaseOnce).
			lo := g.spare
			if lo == nil || lo.own.spare.Load() != recRecycled {
				// None yet, or the last was pinned, and is the Once's
				// for good.
				lo = new(lockOwn)
				lo.own = Class{singleton: true, kind: waitgraph.Once, writer: mutexWriter}
				lo.Lock.class, lo.Lock.kind = &lo.own, waitgraph.Once
				g.spare = lo
			}
			l := &lo.Lock
			id := g.newID()
			lo.own.id, lo.own.site = id, pc
			l.id, l.cid, l.key0, l.site, l.addr = id, id, chainKey(0, id), pc, uintptr(unsafe.Pointer(r))
			l.class.spare.Store(recSpare)
			if r.p.CompareAndSwap(cur, l) {
				g.epoch = e.epoch.Load()
				h := &g.held[0]
				h.lock, h.pc, h.mode, h.flags, h.chain = l, pc, Write, 0, l.key0
				g.n = 1
				l.setOwner(g)
				return l
			}
			l.class.spare.Store(recRecycled)
		}
	}
	l := r.Pin(pc)
	Acquired(gid, r, waitgraph.Once, Write, pc, nil)
	return l
}

// ReleaseOnce records that the calling goroutine, which took the mutex of
// a Once with record l and holds it, is about to release it; a spare is
// taken back, unless metrics were turned on meanwhile and keep something
// of it.
func ReleaseOnce(l *Lock) {
	if l.class.spare.Load() != recSpare {
		ReleaseWriteOf(l)
		return
	}
	// A spare: the caller is the goroutine that borrowed it, its owner.
	g := l.ownerOf()
	if g == nil {
		return
	}
	l.setOwner(nil)
	if metricsOn.Load() {
		noteReleased(l)
	}
	if !g.PopTop(l) {
		g.remove(l, Write)
	}
	if l.heldAt.Load() != 0 || l.class.stats.Load() != nil {
		return
	}
	// g.spare is l: it serves g's next first Do. A Once keeps pointing to
	// it, which spares a write: it is no longer the Once's own (Ref.own).
	l.class.spare.CompareAndSwap(recSpare, recRecycled)
}

// idBlock is how many ids a goroutine takes at a time for the records of
// its Onces' first Dos.
const idBlock = 64

// newID returns a new lock id for g's spare record. Only g calls it.
func (g *G) newID() uint64 {
	if g.ids.next == g.ids.end {
		g.ids.end = e.nextID.Add(idBlock) + 1
		g.ids.next = g.ids.end - idBlock
	}
	id := g.ids.next
	g.ids.next++
	return id
}
