//go:build !gridlock_off

package sync

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
)

// A Mutex, RWMutex or WaitGroup that is idle equals its zero value, as the
// standard library's do: code compares structs holding them with
// reflect.DeepEqual (a used value against a fresh one), or copies a zero
// value over them. So what gridlock keeps about them lives outside the
// value, keyed by its address:
//
//   - its home: the engine's record of it (its identity in the lock-order
//     graph and in findings), for as long as the value lives. The record is
//     found on every operation with the engine on, through a direct-mapped
//     cache of homes in front of a sharded table (homeTable), and made
//     inside the home (one allocation). A new value at the address of a
//     freed one must never take its record: the record tells them apart
//     by a weak pointer to the value's object, or, for a Mutex of a
//     declaration class whose instances are not ordered, by the
//     collector's epoch it was made in
//     (see engine.Epoch), which spares a weak pointer per lock created (a
//     lock per connection): the runtime keeps weak pointers, as cleanups,
//     in a list per span that each new one walks. Homes whose values are
//     garbage, or whose records' epochs ended with no goroutine holding
//     them, are swept from the table after each collection, and their
//     records leave the order graphs with them.
//   - its queue of parked waiters hangs from the value only while some
//     goroutine is in a slow path (see lockq).
//
// The value itself holds only its state word, zero when idle.

// home is the engine's state of a lock or wait group, kept outside it.
type home struct {
	addr uintptr
	ref  engine.Ref     // Mutex, RWMutex
	prim engine.PrimRef // WaitGroup
	// rec is where ref's record is made: one allocation for both.
	rec engine.Space
}

const (
	homeCacheBits = 14
	homeShards    = 1 << homeShardBits
)

var (
	homeCache [1 << homeCacheBits]atomic.Pointer[home]
	homeMaps  [homeShards]homeShard
	// lockCache maps a Mutex's address to its record for Lock's
	// uncontended path: one dependent load fewer than through the home.
	// Filled by Lock's other paths, emptied with the home (forget).
	lockCache [1 << homeCacheBits]atomic.Pointer[engine.Lock]
)

// forget empties the caches' slots of address a if they hold h or its
// record.
func forget(a uintptr, h *home) {
	// A load first: a sweep forgets many homes that the caches no longer
	// hold, and a failed compare-and-swap still takes the cache line
	// from the processors that read it.
	if p := homeSlot(a); p.Load() == h {
		p.CompareAndSwap(h, nil)
	}
	if l := h.ref.Peek(); l != nil {
		if p := &lockCache[homeIndex(a)]; p.Load() == l {
			p.CompareAndSwap(l, nil)
		}
	}
}

// A homeShard is one of the maps of homes, by address.
type homeShard struct {
	mu sync.Mutex
	t  homeTable
	_  [8]byte // a cache line each
}

// homeShardBits is log2(homeShards).
const homeShardBits = 6

// shardOf returns the shard of address a.
func shardOf(a uintptr) *homeShard { return &homeMaps[homeHash(a)>>(64-homeShardBits)] }

func homeSlot(a uintptr) *atomic.Pointer[home] {
	return &homeCache[homeIndex(a)]
}

func homeIndex(a uintptr) uint64 { return (uint64(a) * 0x9E3779B97F4A7C15) >> (64 - homeCacheBits) }

// homeOf returns the home of the value at p, creating it on first use.
func homeOf(p unsafe.Pointer) *home {
	a := uintptr(p)
	if h := homeSlot(a).Load(); h != nil && h.addr == a {
		return h
	}
	return homeSlow(p, true)
}

// peekHome returns the home of the value at p, or nil if it has none.
func peekHome(p unsafe.Pointer) *home {
	a := uintptr(p)
	if h := homeSlot(a).Load(); h != nil && h.addr == a {
		return h
	}
	return homeSlow(p, false)
}

//go:noinline
func homeSlow(p unsafe.Pointer, create bool) *home {
	a := uintptr(p)
	s := shardOf(a)
	s.mu.Lock()
	h, i := s.t.get(a)
	var old *engine.Lock
	if h != nil && h.ref.Unknown() {
		// Made in an epoch that has ended, and not held: the lock at a
		// may be another (see engine.Epoch). It gets a home of its own.
		old = h.ref.Peek()
		forget(a, h)
		if old != nil && old.Graphed() {
			defer engine.Forget([]*engine.Lock{old})
		}
		if !create {
			s.t.deleteAt(i)
			s.mu.Unlock()
			return nil
		}
		h = newHome(p, old)
		s.t.slots[i].h = h // in the old one's slot
		s.mu.Unlock()
	} else if h == nil {
		if !create {
			s.mu.Unlock()
			return nil
		}
		h = newHome(p, nil)
		s.t.add(a, h)
		s.mu.Unlock()
	} else {
		s.mu.Unlock()
		// Anchor also makes p escape: a value with a home lives in the
		// heap (or is a global), never on a stack, whose addresses move.
		h.ref.Anchor(p)
	}
	homeSlot(a).Store(h)
	return h
}

// newHome returns a home for the value at p, whose record will take what
// old, the record of the value last seen at p, knew (see engine.Ref.Inherit).
func newHome(p unsafe.Pointer, old *engine.Lock) *home {
	h := &home{addr: uintptr(p)}
	h.ref.SetHome(p, &h.rec)
	h.ref.Inherit(old)
	return h
}

// sweepShard forgets the homes of s whose values are garbage, or may be
// (see engine.Ref.Gone): their addresses may be reused by new values. (A
// new value that finds such a home before it is swept tells it by its
// record's weak pointer or epoch, see engine.Lock.stale, and gets a record
// of its own.) Called with s.mu held.
// It returns, appended to graphed, the records of the homes it forgot
// that have nodes in the order graphs.
func sweepShard(s *homeShard, graphed []*engine.Lock) []*engine.Lock {
	// In batches: the homes are scattered in memory, and a first pass
	// that only loads from each lets the processor wait for many of them
	// at once.
	var batch [32]*home
	n := 0
	for _, en := range s.t.slots {
		if en.addr == 0 {
			continue
		}
		batch[n] = en.h
		if n++; n == len(batch) {
			graphed = sweepBatch(batch[:n], graphed)
			n = 0
		}
	}
	graphed = sweepBatch(batch[:n], graphed)
	if len(sweepDead) > 0 && len(sweepDead) >= len(sweepKept)/8 || s.t.oversized(len(sweepKept)) {
		// Many are gone, as when locks are made and dropped one after
		// another, or the table is much larger than it needs to be:
		// those that stay are put back in a cleared table, or a smaller
		// one, for less than deleting the others one by one.
		s.t.rebuild(sweepKept)
	} else {
		for _, h := range sweepDead {
			if got, i := s.t.get(h.addr); got == h {
				s.t.deleteAt(i)
			}
		}
		s.t.added = 0
	}
	clear(sweepKept)
	clear(sweepDead)
	sweepKept, sweepDead = sweepKept[:0], sweepDead[:0]
	return graphed
}

// sweepKept and sweepDead are the homes of the shard being swept that stay
// and that go; sweepMu guards them.
var sweepKept, sweepDead []*home

// touched is written by sweepBatch so that its loads are not optimized
// away.
//
//lint:ignore U1000 written, never read: see above.
var touched atomic.Uintptr

func sweepBatch(batch []*home, graphed []*engine.Lock) []*engine.Lock {
	var x uintptr
	for _, h := range batch {
		x += h.addr + h.rec.Touch()
	}
	touched.Store(x)
	for _, h := range batch {
		if !h.gone() {
			sweepKept = append(sweepKept, h)
			continue
		}
		sweepDead = append(sweepDead, h)
		forget(h.addr, h)
		if l := h.ref.Peek(); l != nil {
			if l.OwnChains() {
				swept++
			}
			if l.Graphed() {
				graphed = append(graphed, l)
			}
		}
	}
	return graphed
}

// gone reports whether h's value is garbage, or may be.
func (h *home) gone() bool {
	if h.prim.Peek() != nil {
		return h.prim.Dead() // a WaitGroup's: its record has a weak pointer
	}
	return h.ref.Gone()
}

var (
	sweepMu sync.Mutex
	// swept counts the records of the homes a sweep forgot whose
	// chains may be their own (engine.Forgotten); sweepMu guards it.
	swept int
)

// sweepHomes sweeps every shard; the engine runs it after each
// collection (engine.AfterGC): the homes of values that became garbage are
// forgotten promptly even when no lock is created any more. Its cost is a
// pass over the homes, as the collection's own is over the values.
func sweepHomes() {
	sweepMu.Lock() // one sweep at a time: the engine's, or Reset's
	defer sweepMu.Unlock()
	var graphed []*engine.Lock
	swept = 0
	for i := range homeMaps {
		s := &homeMaps[i]
		s.mu.Lock()
		graphed = sweepShard(s, graphed)
		s.mu.Unlock()
	}
	if len(graphed) > 0 {
		engine.Forget(graphed)
	}
	if swept > 0 {
		engine.Forgotten(swept)
	}
}

// A lock's or wait group's queue of parked waiters hangs from the value
// itself (its q field) while some goroutine is in one of its slow paths,
// and not from any global: a goroutine parked on a lock that nothing
// running can reach is then unreachable for the garbage collector, and
// the runtime's goroutine leak detector can prove it blocked for good.
// The last goroutine out of the slow paths clears the field, so that an
// idle value is zero again.
type lockq struct {
	rwq // a Mutex or WaitGroup uses writers alone
	// users counts the goroutines in a slow path (see enterQueue); dead
	// is set once the last one out has detached the queue from its value.
	users atomic.Int32
	dead  atomic.Bool
}

// enterQueue returns the queue hanging from slot, attaching a new one if
// there is none, for a slow path; the caller calls leaveQueue when done.
func enterQueue(slot *atomic.Pointer[lockq]) *lockq {
	for {
		q := slot.Load()
		if q == nil {
			slot.CompareAndSwap(nil, new(lockq))
			continue
		}
		q.users.Add(1)
		if !q.dead.Load() {
			return q
		}
		// Being detached: leaveQueue sees us and keeps it, or has
		// detached it and the next load finds another.
		q.users.Add(-1)
		runtime.Gosched()
	}
}

// enterExistingQueue is enterQueue for a caller that has nothing to do if
// no goroutine is in a slow path: it returns nil then.
func enterExistingQueue(slot *atomic.Pointer[lockq]) *lockq {
	q := slot.Load()
	if q == nil {
		return nil
	}
	q.users.Add(1)
	if q.dead.Load() {
		q.users.Add(-1)
		return nil // detached empty: no waiter
	}
	return q
}

// leaveQueue ends a slow path; the last goroutine out detaches an empty
// queue from its value.
func leaveQueue(slot *atomic.Pointer[lockq], q *lockq) {
	if q.users.Add(-1) != 0 {
		return
	}
	// Set dead first, then look for users: a goroutine entering at the
	// same time either sees dead and retries, or is seen here.
	q.dead.Store(true)
	// No goroutine is in a slow path: nobody touches the queue.
	if q.users.Load() != 0 || q.readers.head != nil || q.writers.head != nil {
		q.dead.Store(false)
		return
	}
	slot.CompareAndSwap(q, nil)
}

func init() {
	engine.AfterGC = sweepHomes
	engine.EvictHome = func(addr uintptr, l *engine.Lock) {
		if h := homeSlot(addr).Load(); h != nil && h.addr == addr && h.ref.Peek() == l {
			forget(addr, h)
		}
		lockCache[homeIndex(addr)].CompareAndSwap(l, nil)
	}
	engine.DropStale = func(addr uintptr, l *engine.Lock) {
		s := shardOf(addr)
		s.mu.Lock()
		h, i := s.t.get(addr)
		if h != nil && h.ref.Peek() == l {
			s.t.deleteAt(i)
		} else {
			h = nil
		}
		s.mu.Unlock()
		if h != nil {
			forget(addr, h)
			if l.Graphed() {
				engine.Forget([]*engine.Lock{l})
			}
		}
	}
}
