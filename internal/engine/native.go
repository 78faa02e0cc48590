package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
	"weak"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// Native channels: the records of channels operated on through the hooks
// that gridlock test rewrites channel operations into. A channel is known
// by its address; a weak pointer tells a channel from a later one that
// reuses the address, and a cleanup forgets the record with the channel.

type hchan struct{}

type chanKey struct {
	addr uintptr
	ce   *chanEntry
}

type chanEntry struct {
	key uintptr
	wp  weak.Pointer[hchan]
	p   *Prim
}

var nativeChans sync.Map // uintptr → *chanEntry

// chanCache is a direct-mapped cache in front of nativeChans: a hit costs
// a load and the weak pointer's check, not a sync.Map lookup.
var chanCache [1 << chanCacheBits]atomic.Pointer[chanEntry]

const chanCacheBits = 12

func cacheSlot(key uintptr) *atomic.Pointer[chanEntry] { return &chanCache[chanSlot(key)] }

// chanSlot is the slot of the channel at key in chanCache and made.
func chanSlot(key uintptr) uint64 { return hashID(uint64(key)) >> (64 - chanCacheBits) }

// nilChan is the record of every nil channel: a wait on it is forever.
var nilChan = &Prim{kind: waitgraph.Chan, nilChan: true}

// ChanPrim returns the record of the native channel whose runtime
// representation is at addr (nil for a nil channel), creating it, at call
// site pc, if needed. Its partners are those seen through the hooks only.
func ChanPrim(addr unsafe.Pointer, pc uintptr) *Prim {
	if addr == nil {
		return nilChan
	}
	key := uintptr(addr)
	slot := cacheSlot(key)
	if ce := slot.Load(); ce != nil && ce.key == key && ce.wp.Value() != nil {
		return ce.p
	}
	ce := chanEntryOf(addr, pc)
	slot.Store(ce)
	return ce.p
}

func chanEntryOf(addr unsafe.Pointer, pc uintptr) *chanEntry {
	key := uintptr(addr)
	if v, ok := nativeChans.Load(key); ok {
		ce := v.(*chanEntry)
		if ce.wp.Value() != nil {
			return ce
		}
		nativeChans.CompareAndDelete(key, v)
	}
	ce := &chanEntry{key: key, wp: weak.Make((*hchan)(addr)), p: &Prim{id: e.nextID.Add(1), kind: waitgraph.Chan, site: pc, partial: true}}
	if me := madeSlot(key).Load(); me != nil && me.wp.Value() == (*hchan)(addr) {
		ce.p.site = me.pc
		ce.p.NoteMade(me.gid, me.capacity)
	}
	if v, loaded := nativeChans.LoadOrStore(key, ce); loaded {
		if old := v.(*chanEntry); old.wp.Value() != nil {
			return old
		}
		if !nativeChans.CompareAndSwap(key, v, ce) {
			return chanEntryOf(addr, pc) // another goroutine replaced it first
		}
	}
	runtime.AddCleanup((*hchan)(addr), func(k chanKey) {
		nativeChans.CompareAndDelete(k.addr, k.ce)
		cacheSlot(k.addr).CompareAndSwap(k.ce, nil)
	}, chanKey{key, ce})
	return ce
}

// made remembers the channels that rewritten code made (ChanMade) until
// they get a record: most channels never block anyone, and a record costs
// a finalizer-like cleanup the make should not pay. It is direct-mapped: a
// channel whose slot is taken by a later one before its first operation
// loses its maker, never gets another's, since the weak pointer tells.
var made [1 << chanCacheBits]atomic.Pointer[madeEntry]

type madeEntry struct {
	wp       weak.Pointer[hchan]
	gid      uint64
	pc       uintptr
	capacity int
}

func madeSlot(key uintptr) *atomic.Pointer[madeEntry] {
	return &made[chanSlot(key)]
}

// ChanMade records that goroutine gid made the native channel at addr,
// of the given capacity, at call site pc: its record, when it gets one,
// names the make as its site and gid as its maker (Prim.NoteMade).
func ChanMade(addr unsafe.Pointer, capacity int, gid uint64, pc uintptr) {
	if addr == nil {
		return
	}
	madeSlot(uintptr(addr)).Store(&madeEntry{wp: weak.Make((*hchan)(addr)), gid: gid, pc: pc, capacity: capacity})
}

// AsyncWait is a wait registered on behalf of a goroutine that blocks
// where gridlock cannot interleave its own checks, such as a native select
// statement: a timer registers it after the grace period and re-checks
// it, and End ends it when the select returns.
type AsyncWait struct {
	w     Wait // touched by the timer's goroutine only
	ended atomic.Bool
	mu    sync.Mutex // guards rec and the timer's resets
	rec   *waitRec
	timer *time.Timer
}

// BeginAsync starts goroutine gid's wait for the primitives in on, at
// call site pc, without the goroutine's help; see AsyncWait. The goroutine
// gid calls it itself.
func BeginAsync(gid uint64, pc uintptr, on ...WaitOn) *AsyncWait {
	if !Enabled() || len(on) == 0 {
		return nil
	}
	g := goroutine(gid)
	if g.remote.Load() {
		g.applyRemote() // in the waiter, as BeginWaitOn does
	}
	if g.bubbled {
		return nil // see G.bubbled
	}
	if g.live != nil {
		// A goroutine waits for one thing at a time: the wait before
		// never saw its End (its select panicked and was recovered).
		g.live.End()
	}
	a := g.async
	if a != nil {
		// Its timer was stopped before it could fire: nothing else
		// touches it.
		g.async = nil
		a.ended.Store(false)
	} else {
		a = &AsyncWait{}
	}
	a.w = Wait{g: g, on: a.w.on[:0], pc: pc, async: true, depth: g.n, chain: g.chain()}
	for _, o := range on {
		if o.Prim == nil {
			a.w.outside = true // see Outside
			continue
		}
		a.w.on = append(a.w.on, waitOn{res: o.Prim, mode: o.Mode, count: o.Count})
	}
	if len(a.w.on) == 0 {
		g.async = a // nothing watched to wait on
		return nil
	}
	g.live = a
	a.mu.Lock()
	if a.timer == nil {
		a.timer = time.AfterFunc(grace, a.tick)
	} else {
		a.timer.Reset(grace)
	}
	a.mu.Unlock()
	return a
}

// tick runs in the timer's goroutine. It never holds a.mu while the
// engine delivers findings, which may call the program's handler.
func (a *AsyncWait) tick() {
	if a.ended.Load() || e.state.Load() != stateOn {
		return
	}
	w := &a.w
	if w.sendsOnClosed() {
		// No goroutine stays parked sending on a closed channel: the
		// select panicked, and End will never come.
		if !a.ended.Swap(true) {
			a.mu.Lock()
			rec := a.rec
			a.rec = nil
			a.mu.Unlock()
			drop(rec)
		}
		return
	}
	if w.rec == nil {
		if h := testHookRegister; h != nil {
			defer h(a, true)
			h(a, false)
		}
		// The wait began a grace period ago, or a little more if the
		// timer ran late: reading the clock here, not in BeginAsync,
		// keeps it off the path of the waits that end sooner.
		w.since = time.Now().Add(-grace)
		fs := w.register()
		if w.rec == nil {
			// Not registered: granted, or the goroutine has run on (its
			// held list changed), and End is coming.
			return
		}
		a.mu.Lock()
		if a.ended.Load() {
			// The wait ended while it registered: what was found is
			// about a wait that is over.
			a.mu.Unlock()
			drop(w.rec)
			return
		}
		a.rec = w.rec
		a.timer.Reset(nextCheck(w.rec))
		a.mu.Unlock()
		deliver(fs)
		return
	} else {
		if !recheck(w.rec) {
			// The goroutine waits elsewhere: this wait's End will not
			// come. No more checks.
			a.ended.Store(true)
			return
		}
		a.mu.Lock()
		if a.ended.Load() {
			a.mu.Unlock()
			return
		}
	}
	d := maxCheck
	if w.rec != nil {
		d = nextCheck(w.rec)
	}
	a.timer.Reset(d)
	a.mu.Unlock()
}

// testHookRegister, if set, runs in an AsyncWait's timer just before it
// registers the wait (done false) and when the tick that registers is over
// (done true): tests use it to interleave the waiter's wake-up.
var testHookRegister func(a *AsyncWait, done bool)

// drop unregisters rec, if any.
func drop(rec *waitRec) {
	if rec != nil {
		e.wmu.Lock()
		unregister(rec)
		e.wmu.Unlock()
	}
}

// sendsOnClosed reports whether w sends on a channel known to be closed.
func (w *Wait) sendsOnClosed() bool {
	for _, o := range w.on {
		if p, ok := o.res.(*Prim); ok && o.mode == waitgraph.Send && !p.nilChan && p.closed.Load() {
			return true
		}
	}
	return false
}

// End ends the wait: the select returned.
func (a *AsyncWait) End() {
	if a == nil || a.ended.Swap(true) {
		return
	}
	if g := a.w.g; g.live == a {
		g.live = nil
	}
	a.mu.Lock()
	stopped := a.timer.Stop()
	rec := a.rec
	a.rec = nil
	a.mu.Unlock()
	if rec != nil {
		drop(rec)
		return
	}
	if stopped && a.w.rec == nil {
		// The timer never fired: the next wait of this goroutine can
		// reuse the wait and its timer. End runs in the waiter.
		a.w.g.async = a
	}
}
