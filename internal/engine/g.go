package engine

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is how a lock is held or wanted.
type Mode uint8

// Lock modes.
const (
	Write Mode = iota + 1 // exclusive: Mutex.Lock, RWMutex.Lock
	Read                  // shared: RWMutex.RLock
)

func (m Mode) String() string {
	if m == Read {
		return "rlock"
	}
	return "lock"
}

// held is one entry of a goroutine's held-lock list.
type held struct {
	lock  *Lock
	pc    uintptr // call site of the acquisition
	mode  Mode
	flags uint8  // heldTry, heldLent
	chain uint64 // chain key of the held list up to and including this entry
}

// Flags of a held entry.
const (
	heldTry  uint8 = 1 << iota // taken by TryLock: no edges into it were checked
	heldLent                   // held when the goroutine started another (see G.lend)
)

func tryFlag(try bool) uint8 {
	if try {
		return heldTry
	}
	return 0
}

// lent reports whether the entry was lent (see G.lend).
func (h *held) lent() bool { return h.flags&heldLent != 0 }

// inlineHeld is how many held locks a G keeps without allocating; lockdep
// allows 48, real Go code rarely nests more than a handful.
const inlineHeld = 4

// G is the engine's state for one goroutine. The owning goroutine reads and
// writes its fields without synchronization; other goroutines read them only
// while the goroutine is registered as waiting (which orders the reads after
// the writes through the wait registry's lock) or through the norace
// accessors, which tolerate stale values.
type G struct {
	id     uint64
	idLive uint64 // id while in the goroutine table, 0 once dropped (see Lock.lastFor)
	n      int    // number of held locks
	held   [inlineHeld]held
	more   []held // held locks beyond inlineHeld
	epoch  uint32 // engine epoch at the last outermost acquisition
	// bubbled is set for a goroutine of a testing/synctest bubble. Its
	// waits are not registered: registration and re-checks run from
	// timers, which in a bubble would fire in the bubble's fake time, keep
	// a deadlocked bubble's clock running for ever (instead of letting
	// synctest report the deadlock), and turn fake hours into long waits.
	// Its acquisitions are checked as any other's.
	bubbled bool
	// The goroutine's stack bounds, as last seen by Unlock: an Unlock whose
	// stack address lies between them is the owner's, without asking for
	// the goroutine's id. Written by the owner, read by anyone (norace).
	stackLo, stackHi uintptr
	// rg is the goroutine's runtime handle (rt.Self), by which the sweep
	// of exited goroutines sees that it has exited; 0 if unknown.
	rg uintptr

	// remote is set when another goroutine released a lock this goroutine
	// holds; the owner applies the releases in rem (read locks) and drops entries
	// of write locks it no longer owns at its next lock operation.
	remote atomic.Bool
	rem    atomic.Pointer[remoteState] // made when first needed (see remoteOf)

	// recursiveOn is the lock whose recursive acquisition was just
	// reported, so that the wait that follows is not reported again as a
	// deadlock of one goroutine.
	recursiveOn *Lock

	// waitAt is when the goroutine began waiting for a lock (Before), on
	// the clock of mono, while metrics are on.
	waitAt int64

	// taken is the set of locks the goroutine has taken (taken.go).
	taken atomic.Pointer[takenSet]

	// Goroutines started by gridlock.Go.
	tracked bool
	parent  uint64
	adds    []*Prim // wait groups this goroutine added to, for Go's children
	semas   []*Prim // semaphores it acquired permits of; guarded by Engine.wmu

	// Slow path.
	ready   chan uint8                 // wake-ups for a parked waiter; buffer 1
	timer   *time.Timer                // detection re-checks while parked
	pk      *poker                     // the grace periods of poked waits (see poker)
	spare   *lockOwn                   // a record for a Once's first Do (see AcquiredOnce)
	ids     struct{ next, end uint64 } // ids taken for spare records (newID)
	wait    *waitRec                   // guarded by Engine.wmu
	w       *Wait                      // the goroutine's wait handle, reused (see handle)
	async   *AsyncWait                 // an ended AsyncWait of the goroutine's, to reuse
	live    *AsyncWait                 // the goroutine's AsyncWait not yet ended
	waitSeq uint64                     // counts the goroutine's waits
	// granted is what Prim.Grant handed to wait seq before that wait
	// could register; guarded by Engine.wmu.
	granted struct {
		res waitable
		seq uint64
	}
	name string // guarded by Engine.wmu
	// created is the go statement that started the goroutine (Spawn), if
	// known; guarded by Engine.wmu.
	created uintptr
}

// remoteState is what other goroutines tell a G: the releases they made
// of its locks, and the goroutines it started while it lent its locks.
// Few goroutines have any, so it is kept out of G.
type remoteState struct {
	mu    sync.Mutex
	locks []released
	// borrowers are the goroutines started while the goroutine held lent
	// locks (see lend), the last maxBorrowers of them.
	borrowers []*G
}

// remoteOf returns g's remoteState, making it if g has none.
func (g *G) remoteOf() *remoteState {
	if r := g.rem.Load(); r != nil {
		return r
	}
	g.rem.CompareAndSwap(nil, new(remoteState))
	return g.rem.Load()
}

type released struct {
	lock *Lock
	mode Mode
}

// ID returns the goroutine id.
func (g *G) ID() uint64 { return g.id }

// isDead reports whether g was dropped from the goroutine table.
//
//go:norace
func (g *G) isDead() bool { return g.idLive == 0 }

// ownID reads g.id from any goroutine: ids never change once set.
//
//go:norace
func (g *G) ownID() uint64 { return g.id }

// Ready returns the channel on which a parked waiter of this goroutine is
// woken. It has a buffer of one; every enqueued waiter receives exactly one
// value unless it is removed from its queue first.
func (g *G) Ready() chan uint8 {
	if g.ready == nil {
		g.ready = make(chan uint8, 1)
	}
	return g.ready
}

func (g *G) at(i int) *held {
	if i < inlineHeld {
		return &g.held[i]
	}
	return &g.more[i-inlineHeld]
}

func (g *G) chain() uint64 {
	if g.n == 0 {
		return 0
	}
	return g.at(g.n - 1).chain
}

// push appends an entry. The fields are stored one by one: building a
// held value and copying it costs a store-forwarding stall on the
// uncontended path.
func (g *G) push(l *Lock, pc uintptr, m Mode, try bool, chain uint64) {
	if g.n < inlineHeld {
		h := &g.held[g.n]
		h.lock, h.pc, h.mode, h.flags, h.chain = l, pc, m, tryFlag(try), chain
	} else {
		g.more = append(g.more[:g.n-inlineHeld], held{lock: l, pc: pc, mode: m, flags: tryFlag(try), chain: chain})
	}
	g.n++
}

// remove removes the most recent entry for lock l in mode m and reports
// whether there was one.
func (g *G) remove(l *Lock, m Mode) bool {
	if n := g.n - 1; n >= 0 && n < inlineHeld && g.held[n].lock == l && g.held[n].mode == m {
		g.held[n].lock = nil
		g.n = n
		return true
	}
	for i := g.n - 1; i >= 0; i-- {
		if h := g.at(i); h.lock == l && h.mode == m {
			g.removeAt(i)
			if g.n <= inlineHeld {
				g.more = g.more[:0]
			}
			return true
		}
	}
	return false
}

// find returns the most recent entry for lock l, or nil.
func (g *G) find(l *Lock) *held {
	for i := g.n - 1; i >= 0; i-- {
		if h := g.at(i); h.lock == l {
			return h
		}
	}
	return nil
}

// compact drops entries for write locks that g no longer owns, released
// by another goroutine (see remoteRelease).
func (g *G) compact() {
	for i := g.n - 1; i >= 0; i-- {
		if h := g.at(i); h.lock == nil || h.mode == Write && h.lock.ownerOf() != g {
			g.removeAt(i)
		}
	}
	if g.n <= inlineHeld && len(g.more) > 0 {
		g.more = g.more[:0]
	}
}

// removeAt removes entry i and recomputes the chain keys above it.
func (g *G) removeAt(i int) {
	for j := i; j < g.n-1; j++ {
		*g.at(j) = *g.at(j + 1)
	}
	*g.at(g.n - 1) = held{}
	g.n--
	g.rechain(i)
}

// valid reports whether g still holds what entry h says.
//
//go:norace
func (g *G) valid(h *held) bool {
	return h.lock != nil && (h.mode == Read || h.lock.ownerOf() == g)
}

// stillHolds reports whether g still holds what entry h of its held list
// (or of a snapshot of it) says: a write lock it still owns, or a read
// lock no other goroutine has released for it since. Other goroutines call
// it on goroutines registered as waiting, which cannot apply the releases
// made for them until they wake.
//
//go:norace
func (g *G) stillHolds(h *held) bool {
	if !g.valid(h) {
		return false
	}
	if h.mode != Read || !g.remote.Load() {
		return true
	}
	rs := g.remoteOf()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, r := range rs.locks {
		if r.lock == h.lock && r.mode == Read {
			return false
		}
	}
	return true
}

// applyRemote applies releases made by other goroutines.
func (g *G) applyRemote() {
	st := g.remoteOf()
	st.mu.Lock()
	rs := st.locks
	st.locks = nil
	g.remote.Store(false)
	st.mu.Unlock()
	for _, r := range rs {
		if r.mode == Read {
			g.remove(r.lock, r.mode)
		}
	}
	g.compact()
}

// lend marks the goroutine's held locks as lent: it is starting another
// goroutine, which may be the one to unlock them (Go allows it, and code
// does it: a goroutine locks, starts a goroutine that finishes the work
// and unlocks, and goes on). While an entry is lent, the lock is not
// ordered before what the goroutine takes, taking it again is not
// reported as a recursive lock, and the goroutine's wait for it is not a
// circular wait on itself: the goroutine it started may release it. The
// lock still counts as held for everything else (a wait under it, or
// another goroutine's wait for it), and the goroutine's own Unlock of it
// is an ordinary release.
//
// It costs the order edges from these locks to the locks the goroutine
// takes before it releases them, if it does: precision first.
func (g *G) lend() {
	if g.remote.Load() {
		g.applyRemote()
	}
	fresh := true // no lock lent before is still held: a new lending
	for i := range g.n {
		h := g.at(i)
		if h.lent() {
			fresh = false
		}
		h.flags |= heldLent
	}
	g.rechain(0)
	if rs := g.rem.Load(); fresh && rs != nil {
		rs.mu.Lock()
		rs.borrowers = rs.borrowers[:0]
		rs.mu.Unlock()
	}
}

// maxBorrowers bounds G.borrowers.
const maxBorrowers = 8

// borrowed records, in the goroutine that lent its locks, that c was
// started while it held them. Called by c.
func (g *G) borrowed(c *G) {
	rs := g.remoteOf()
	rs.mu.Lock()
	if len(rs.borrowers) == maxBorrowers {
		rs.borrowers = append(rs.borrowers[:0], rs.borrowers[1:]...)
	}
	rs.borrowers = append(rs.borrowers, c)
	rs.mu.Unlock()
}

// mayRelease reports whether a goroutine g started while it held l lent
// may still release it: one that has not exited and is not parked in a
// registered wait. A wait for l is then not a circular wait through g,
// which holds l only until that goroutine unlocks it (client_golang's
// summary.asyncFlush). A goroutine it started that waits (for l itself,
// say) cannot. Called with e.wmu held.
func (g *G) mayRelease(l *Lock) bool {
	if !g.lentHold(l) {
		return false
	}
	rs := g.rem.Load()
	if rs == nil {
		return false
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, c := range rs.borrowers {
		if c.wait == nil && !e.exited.has(c.ownID()) {
			return true
		}
	}
	return false
}

// rechain recomputes the chain keys of the entries from i up. A lent
// entry adds nothing to the chain: its lock is not ordered before later
// ones.
func (g *G) rechain(i int) {
	prev := uint64(0)
	if i > 0 {
		prev = g.at(i - 1).chain
	}
	for j := i; j < g.n; j++ {
		h := g.at(j)
		if h.lock != nil && !h.lent() {
			h.chain = chainKey(prev, h.lock.class.id)
		} else {
			h.chain = prev
		}
		prev = h.chain
	}
}

// lentHold reports whether g holds l in an entry it lent (see lend). Other
// goroutines call it only on goroutines registered as waiting.
//
//go:norace
func (g *G) lentHold(l *Lock) bool {
	for _, h := range g.heldSnapshot() {
		if h.lock == l && h.lent() {
			return true
		}
	}
	return false
}

// heldSnapshot returns a copy of the held list. Other goroutines call it
// only on goroutines registered as waiting.
//
//go:norace
func (g *G) heldSnapshot() []held {
	n := g.n
	if n < 0 || n > inlineHeld+len(g.more) {
		return nil
	}
	var gone []released // read locks released by other goroutines
	if g.remote.Load() {
		rs := g.remoteOf()
		rs.mu.Lock()
		gone = append(gone, rs.locks...)
		rs.mu.Unlock()
	}
	out := make([]held, 0, n)
	for i := n - 1; i >= 0; i-- {
		h := g.at(i)
		if !g.valid(h) {
			continue
		}
		if h.mode == Read {
			if j := slices.IndexFunc(gone, func(r released) bool { return r.lock == h.lock && r.mode == Read }); j >= 0 {
				gone = slices.Delete(gone, j, j+1)
				continue
			}
		}
		out = append(out, *h)
	}
	slices.Reverse(out)
	return out
}

// gtable maps goroutine ids to their G. Lookups are lock-free; inserts,
// reclamation and growth happen under Engine.gmu.
type gtable struct {
	slots []gslot
	mask  uint64
	used  int // live entries plus tombstones; guarded by Engine.gmu
	live  int
	// created counts the entries inserted since the last sweep of exited
	// goroutines (sweep.go); guarded by Engine.gmu.
	created int
}

type gslot struct {
	key atomic.Uint64
	g   atomic.Pointer[G]
}

// drop removes g, in slot s of t, from the table: its goroutine is gone.
// Called with Engine.gmu and Engine.wmu held.
func (t *gtable) drop(s *gslot, g *G) {
	markDead(g)
	for _, p := range g.semas {
		p.forget(g.id)
	}
	s.g.Store(nil)
	s.key.Store(tombstone)
	t.live--
}

const tombstone = ^uint64(0)

func newGTable(size int) *gtable {
	return &gtable{slots: make([]gslot, size), mask: uint64(size - 1)}
}

func hashID(id uint64) uint64 { return id * 0x9E3779B97F4A7C15 }

func (t *gtable) lookup(id uint64) *G {
	i := hashID(id) & t.mask
	for {
		s := &t.slots[i]
		switch s.key.Load() {
		case id:
			return s.g.Load()
		case 0:
			return nil
		}
		i = (i + 1) & t.mask
	}
}

// insert adds g; the caller holds Engine.gmu and knows g.id is absent.
func (t *gtable) insert(g *G) {
	i := hashID(g.id) & t.mask
	for {
		s := &t.slots[i]
		switch s.key.Load() {
		case 0:
			t.used++
			fallthrough
		case tombstone:
			s.g.Store(g)
			s.key.Store(g.id)
			t.live++
			t.created++
			return
		}
		i = (i + 1) & t.mask
	}
}

// handle returns g's wait handle, made at its first wait: most goroutines
// never wait for a lock.
func (g *G) handle() *Wait {
	if g.w == nil {
		g.w = new(Wait)
	}
	return g.w
}
