package engine

import (
	"sync/atomic"
	"weak"
)

// Epochs of the garbage collector. A lock record kept outside its lock
// value (the mirror's home, keyed by address) must tell its lock from a new
// one at the same address once its lock is garbage. A weak pointer per lock
// does, but each costs the runtime a walk of a list per span and a global
// lock: too much for a lock per object created (a connection, a request).
// So a record whose lock needs no identity beyond the present collection
// cycle is only stamped with the epoch it was created in. An address is
// reused only after a collection has ended that found its object garbage;
// while no collection has ended since the record was made, the lock at its
// address is its lock. Such a record gets a weak pointer when it gains
// state that must outlive the epoch (see Lock.anchor); otherwise, once the
// epoch has ended, it is unknown and treated as stale: its lock gets a new
// record at its next use, which is what a lock never seen would get.
//
// An epoch is a sentinel object nothing references: every collection that
// starts after the sentinel was allocated finds it garbage, and its weak
// pointer reads nil from the end of that collection's mark phase on (Value
// sweeps the sentinel's span first), before any object that collection
// frees can be reused. A lock live when its record was stamped is marked by
// every collection already under way, so it can be freed only by one that
// starts later: by then the epoch has ended.
type Epoch struct {
	sentinel weak.Pointer[epochSentinel]
}

// epochSentinel holds a pointer so that it is never allocated in a tiny
// block shared with objects that would keep it alive.
type epochSentinel struct {
	_ *Epoch
	_ uintptr
}

var curEpoch atomic.Pointer[Epoch]

func init() { curEpoch.Store(newEpoch()) }

func newEpoch() *Epoch { return &Epoch{sentinel: weak.Make(new(epochSentinel))} }

// CurrentEpoch returns the epoch a record stamped now belongs to. It may
// have ended already (it is replaced when that is noticed): a record
// stamped with it is then merely unknown sooner.
func CurrentEpoch() *Epoch { return curEpoch.Load() }

// Live reports whether no collection has ended since ep began. Once one
// has, the next epoch begins.
func (ep *Epoch) Live() bool {
	if ep.sentinel.Value() != nil {
		return true
	}
	if curEpoch.Load() == ep {
		curEpoch.CompareAndSwap(ep, newEpoch())
	}
	return false
}

// nextEpoch begins a new epoch if the current one has ended; the sweep
// after each collection calls it, so that records made after a collection
// are stamped with a live epoch.
func nextEpoch() { curEpoch.Load().Live() }
