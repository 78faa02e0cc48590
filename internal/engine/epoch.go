package engine

import (
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// Epochs of the garbage collector. A lock record kept outside its lock
// value (the mirror's home, keyed by address) must tell its lock from a new
// one at the same address once its lock is garbage. A weak pointer per lock
// does, but each costs the runtime a walk of a list per span and a global
// lock: too much for a lock per object created (a connection, a request).
// So a record whose lock needs no identity beyond the present collection
// cycle is only stamped with the epoch it was created in: the number of
// collections completed then. An address is reused only after a collection
// has completed that found its object garbage, and the runtime counts a
// collection as completed before it lets any program code run again, so
// before any object it frees can be reused. While no collection has
// completed since the record was made, the lock at its address is its
// lock. Such a record gets a weak pointer when it gains state that must
// outlive the epoch (see Lock.anchor); otherwise, once the epoch has ended,
// it is unknown and treated as stale: its lock gets a new record at its
// next use, which is what a lock never seen would get.
//
// (A sentinel object's weak pointer would tell a collection's end more
// cheaply, but reading it while the collector marks keeps the sentinel
// alive through that collection, which then goes unseen.)
type Epoch struct {
	n uint64 // collections completed when the epoch began
}

var curEpoch atomic.Pointer[Epoch]

func init() { curEpoch.Store(&Epoch{n: collections()}) }

var gcCount = struct {
	sync.Mutex
	s []metrics.Sample
}{s: []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}}

// collections returns the number of garbage collections completed.
func collections() uint64 {
	gcCount.Lock()
	defer gcCount.Unlock()
	metrics.Read(gcCount.s)
	return gcCount.s[0].Value.Uint64()
}

// CurrentEpoch returns the epoch a record stamped now belongs to. It may
// have ended already (it is replaced when that is noticed): a record
// stamped with it is then merely unknown sooner.
func CurrentEpoch() *Epoch { return curEpoch.Load() }

// Live reports whether no collection has completed since ep began. Once one
// has, the next epoch begins.
func (ep *Epoch) Live() bool {
	n := collections()
	if n == ep.n {
		return true
	}
	if cur := curEpoch.Load(); cur.n < n {
		curEpoch.CompareAndSwap(cur, &Epoch{n: n})
	}
	return false
}

// current reports, cheaply, whether ep is the current epoch, which it may
// be for a moment after it ended: enough for a caller that only keeps what
// is current (the sweep), not for one that trusts it.
func (ep *Epoch) current() bool { return ep == curEpoch.Load() }

// nextEpoch begins a new epoch if the current one has ended; the sweep
// after each collection calls it, so that records made after a collection
// are stamped with a live epoch.
func nextEpoch() { curEpoch.Load().Live() }
