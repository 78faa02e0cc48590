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
//     graph and in findings), for as long as the value lives. A cleanup on
//     the value drops it once the value is garbage. The record is found on
//     every operation with the engine on, through a direct-mapped cache of
//     homes in front of a sharded map;
//   - its queue of parked waiters, in its home.
//
// The value itself holds only its state word, zero when idle.

// home is the engine's state of a lock or wait group, kept outside it.
type home struct {
	addr uintptr
	ref  engine.Ref     // Mutex, RWMutex
	prim engine.PrimRef // WaitGroup
	q    rwq            // parked waiters; a Mutex or WaitGroup uses q.writers
	// users counts the goroutines in a slow path (see enter); dropped is
	// set while dropHome tries to drop the home.
	users   atomic.Int32
	dropped atomic.Bool
}

const (
	homeCacheBits = 14
	homeShards    = 64
)

var (
	homeCache [1 << homeCacheBits]atomic.Pointer[home]
	homeMaps  [homeShards]struct {
		mu sync.Mutex
		m  map[uintptr]*home
		_  [48]byte // a cache line each
	}
)

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
	s := &homeMaps[(uint64(a)*0x9E3779B97F4A7C15)>>(64-6)]
	s.mu.Lock()
	h := s.m[a]
	if h == nil {
		if !create {
			s.mu.Unlock()
			return nil
		}
		h = &home{addr: a}
		if s.m == nil {
			s.m = make(map[uintptr]*home)
		}
		s.m[a] = h
		s.mu.Unlock()
		// Once the value is garbage its address may be reused: forget
		// its home. (A value at a package-level variable never is.)
		runtime.AddCleanup((*byte)(p), dropHome, h)
	} else {
		s.mu.Unlock()
	}
	homeSlot(a).Store(h)
	return h
}

// dropHome forgets h once its value is garbage. Its address may have
// been reused already by a new value, which found h: h is then dropped
// only if it is idle (no goroutine in a slow path, no waiter), and the new
// value gets a home of its own at its next operation. A home in use is
// kept, as the new value's.
func dropHome(h *home) {
	h.dropped.Store(true)
	h.q.readers.mu.Lock()
	idle := h.users.Load() == 0 && h.q.readers.head == nil && h.q.writers.head == nil
	h.q.readers.mu.Unlock()
	if !idle {
		h.dropped.Store(false)
		return
	}
	s := &homeMaps[(uint64(h.addr)*0x9E3779B97F4A7C15)>>(64-6)]
	s.mu.Lock()
	if s.m[h.addr] == h {
		delete(s.m, h.addr)
	}
	s.mu.Unlock()
	homeSlot(h.addr).CompareAndSwap(h, nil)
}

// enter returns the home of the value at p for one of its slow paths,
// whose queues it holds: the home is not dropped (dropHome) while a
// goroutine is in a slow path or parked in a queue. The caller calls
// leave when done.
func enter(p unsafe.Pointer) *home {
	for {
		h := homeOf(p)
		h.users.Add(1)
		if !h.dropped.Load() {
			return h
		}
		// Being dropped: dropHome sees us and gives up, or has
		// removed it and the next lookup makes a new one.
		h.users.Add(-1)
		runtime.Gosched()
	}
}

// enterExisting is enter for a caller that has nothing to do if the value
// has no home or is idle: it returns nil then.
func enterExisting(p unsafe.Pointer) *home {
	h := peekHome(p)
	if h == nil {
		return nil
	}
	h.users.Add(1)
	if h.dropped.Load() {
		h.users.Add(-1)
		return nil // dropped idle: no waiter to wake
	}
	return h
}

func (h *home) leave() { h.users.Add(-1) }
