package engine

import (
	"sync/atomic"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Chain flags stored in the chain cache.
const (
	sameClass uint32 = 1 << iota // the chain nests two locks of one class
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
		if !l.remote.Load() {
			recursive(g, l, m, pc, Write)
		}
	} else if kind == waitgraph.RWMutex && g.n > 0 {
		if h := g.find(l); h != nil {
			recursive(g, l, m, pc, h.mode)
		}
	}
	if g.n > 0 {
		key := chainKey(g.chain(), l.class.id)
		f, ok := e.chains.get(key)
		if !ok {
			f = validate(g, l, m, pc, key)
		}
		if f&sameClass != 0 {
			checkInstances(g, l, m, pc)
		}
	}
	return g, l
}

// After records that g acquired l in mode m at call site pc, after a wait
// that Before checked.
func After(g *G, l *Lock, m Mode, pc uintptr) {
	g.recursiveOn = nil
	record(g, l, m, pc, false)
}

// Acquired checks and records an acquisition that did not wait: goroutine
// gid took the lock behind r in mode m at call site pc. The checks are
// those of Before, done after the fact since nothing hung; this is the
// uncontended path, and costs one lookup of the goroutine's state, a push
// on its held list and, when other locks are held, one chain-cache lookup.
// The caller has checked Enabled.
func Acquired(gid uint64, r *Ref, kind waitgraph.ResourceKind, m Mode, pc uintptr, readers *atomic.Uint64) {
	if !e.fastIDs {
		gid = rt.SlowGoid()
	}
	// The lookups of Ref.Lock and goroutine, by hand: this is the hot path.
	l := r.p.Load()
	if l == nil {
		l = r.create(kind, pc, readers)
	}
	g := l.lastFor(gid)
	if g == nil {
		g = goroutine(gid)
		l.setLast(g)
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
			if h := g.find(l); h != nil {
				recursive(g, l, m, pc, h.mode)
			}
		}
		f, ok := e.chains.get(key)
		if !ok {
			f = validate(g, l, m, pc, key)
		}
		if f&sameClass != 0 {
			checkInstances(g, l, m, pc)
		}
	} else {
		g.epoch = e.epoch.Load()
	}
	if n := g.n; n < inlineHeld {
		h := &g.held[n]
		h.lock, h.pc, h.mode, h.try, h.chain = l, pc, m, false, key
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
}

// record pushes l on g's held list and makes g its owner.
func record(g *G, l *Lock, m Mode, pc uintptr, try bool) {
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
	l := r.p.Load()
	if l == nil {
		return
	}
	o := l.ownerOf()
	if o == nil {
		return
	}
	l.setOwner(nil)
	var gid uint64
	if e.fastIDs {
		gid = rt.Goid()
	} else {
		gid = rt.SlowGoid()
	}
	if o.ownID() == gid {
		if n := o.n - 1; n >= 0 && n < inlineHeld && o.held[n].lock == l {
			o.held[n].lock = nil
			o.n = n
			return
		}
		o.remove(l, Write)
		return
	}
	l.remote.Store(true)
	o.remote.Store(true)
}

// Owner returns the goroutine holding l for writing, or nil.
//
//go:norace
func (l *Lock) Owner() *G { return l.owner }

// ClearOwner records that l is no longer held for writing.
//
//go:norace
func (l *Lock) ClearOwner() { l.owner = nil }

// PopTop pops l from the top of g's held list, if it is there. Only g's
// own goroutine calls it.
func (g *G) PopTop(l *Lock) bool {
	if n := g.n - 1; n >= 0 && n < inlineHeld && g.held[n].lock == l {
		g.held[n].lock = nil
		g.n = n
		return true
	}
	return false
}

// OwnID returns g's goroutine id, from any goroutine.
//
//go:norace
func (g *G) OwnID() uint64 { return g.id }

// ReleaseWriteSlow completes ReleaseWrite when the lock is not at the top
// of its owner's list or another goroutine releases it.
func ReleaseWriteSlow(l *Lock, o *G, gid uint64) {
	if o.id == gid {
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
	if g := e.gtab.Load().lookup(Goid()); g != nil && g.remove(l, Read) {
		return
	}
	remoteReadRelease(l)
}

// remoteRelease records that a goroutine other than g released l, which g
// acquired. g applies it at its next lock operation.
func remoteRelease(g *G, l *Lock, m Mode) {
	l.remote.Store(true)
	g.remoteMu.Lock()
	g.remoteLocks = append(g.remoteLocks, released{l, m})
	g.remote.Store(true)
	g.remoteMu.Unlock()
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
