package engine

import (
	"runtime"
	"testing"
	"unsafe"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// value stands for a lock value whose record is kept outside it.
type value struct{ _ [3]uint64 }

var escape *value

// homed returns a Ref kept outside a new lock value, as the mirror's home
// is, and the value.
func homed() (*Ref, *value) {
	v := new(value)
	escape = v // in the heap, as a lock value with a home is
	r := new(Ref)
	r.SetHome(unsafe.Pointer(v), new(Space))
	return r, v
}

// endEpoch runs a collection: the epoch of ep ends.
func endEpoch(t *testing.T, ep *Epoch) {
	t.Helper()
	for i := 0; ep.Live(); i++ {
		if i == 10 {
			t.Fatal("10 collections and the epoch is still live")
		}
		runtime.GC()
	}
}

func TestEpochEndsWithACollection(t *testing.T) {
	ep := CurrentEpoch()
	if !ep.Live() {
		ep = CurrentEpoch()
	}
	endEpoch(t, ep)
	if CurrentEpoch() == ep || !CurrentEpoch().Live() {
		t.Error("no live epoch after the current one ended")
	}
}

// A lock of a declaration class has no weak pointer: its record is valid
// for its epoch, unknown after it, and its home may then be forgotten
// unless it is held.
func TestRecordOfADeclaredLockLastsItsEpoch(t *testing.T) {
	registerTestSites()
	recording(t, func() {
		free, v1 := homed()
		held, v2 := homed()
		lock(free, serverPC)
		ReleaseWrite(free)
		lock(held, serverPC)
		l, lh := free.Peek(), held.Peek()
		if l.class.decl == nil || !l.value.isZero() || l.late.Load() != nil {
			t.Fatal("the record of a declared lock got a weak pointer at once")
		}
		if l.stale() || free.Gone() {
			t.Fatal("a record stale in its own epoch")
		}
		endEpoch(t, l.epoch)
		if l.liveness() != recUnknown || !free.Gone() || !free.Unknown() {
			t.Errorf("after its epoch: liveness %d, gone %v, want unknown and gone", l.liveness(), free.Gone())
		}
		if held.Gone() || held.Unknown() {
			t.Error("a held record whose epoch ended is to be forgotten")
		}
		if !dropStale(lh) || held.Peek() != lh {
			t.Error("a held unknown record: chains under it must learn nothing, and it must stay")
		}
		ReleaseWrite(held)
		if !held.Gone() {
			t.Error("an unknown record released is not gone")
		}
		runtime.KeepAlive(v1)
		runtime.KeepAlive(v2)
	})
}

// Two locks of one class held together are ordered by instance: the
// order must outlive the epoch, so the records get weak pointers, and so
// does every later lock of the class.
func TestInstancesOrderedGetWeakPointers(t *testing.T) {
	registerTestSites()
	recording(t, func() {
		a, va := homed()
		b, vb := homed()
		lock(a, serverPC)
		lock(b, serverPC)
		ReleaseWrite(b)
		ReleaseWrite(a)
		la, lb := a.Peek(), b.Peek()
		if lb.late.Load() == nil {
			t.Error("the lock taken under one of its class has no weak pointer")
		}
		if !la.wantAnchor.Load() {
			t.Error("the held lock of the pair was not asked for a weak pointer")
		}
		a.Anchor(unsafe.Pointer(va)) // its next use, as the mirror does
		if la.late.Load() == nil {
			t.Error("Anchor made no weak pointer")
		}
		c, vc := homed()
		lock(c, serverPC)
		ReleaseWrite(c)
		if c.Peek().value.isZero() {
			t.Error("a new lock of a class ordered by instance has no weak pointer")
		}
		endEpoch(t, la.epoch)
		for _, r := range []*Ref{a, b, c} {
			if r.Gone() || r.Peek().stale() {
				t.Error("an anchored record of a live lock is gone after its epoch")
			}
		}
		runtime.KeepAlive(va)
		runtime.KeepAlive(vb)
		runtime.KeepAlive(vc)
	})
	serverClass().instances.Store(false) // for the other tests
}

func serverClass() *Class {
	var r Ref
	return r.Lock(waitgraph.Mutex, serverPC, nil).class
}

// A record made unknown by a collection, found by its lock again, is
// replaced; the new record keeps what can only silence findings.
func TestInheritKeepsRemote(t *testing.T) {
	registerTestSites()
	recording(t, func() {
		old, v := homed()
		lock(old, serverPC)
		ReleaseWrite(old)
		old.Peek().remote.Store(true)
		r := new(Ref)
		r.SetHome(unsafe.Pointer(v), new(Space))
		r.Inherit(old.Peek())
		lock(r, connPC)
		ReleaseWrite(r)
		if !r.Peek().remote.Load() {
			t.Error("remote not inherited")
		}
		runtime.KeepAlive(v)
	})
}

// A recursive lock of a held lock whose epoch ended is still reported.
func TestRecursiveLockAfterItsEpoch(t *testing.T) {
	registerTestSites()
	fs := recording(t, func() {
		r, v := homed()
		lock(r, serverPC)
		endEpoch(t, r.Peek().epoch)
		Before(Goid(), r, waitgraph.Mutex, Write, serverPC, nil, false)
		ReleaseWrite(r)
		runtime.KeepAlive(v)
	})
	if len(fs) != 1 || fs[0].Kind != report.RecursiveLock {
		t.Fatalf("findings %v, want one recursive-lock", fs)
	}
}

// A record kept outside its lock leaves the order graphs when the mirror
// drops its home (Forget), with no cleanup of its own.
func TestForgetRemovesHomedRecords(t *testing.T) {
	recording(t, func() {
		nodes := func() int {
			e.mu.Lock()
			defer e.mu.Unlock()
			return len(e.classGraph.nodes)
		}
		before := nodes()
		var ls []*Lock
		var vs []*value
		for range 10 {
			a, va := homed()
			b, vb := homed()
			lock(a, 0)
			lock(b, 0)
			ReleaseWrite(b)
			ReleaseWrite(a)
			ls = append(ls, a.Peek(), b.Peek())
			vs = append(vs, va, vb)
		}
		if nodes() < before+20 || !ls[0].Graphed() {
			t.Fatalf("%d nodes after nesting 10 pairs, want %d", nodes(), before+20)
		}
		Forget(ls)
		if nodes() != before {
			t.Errorf("%d nodes after Forget, want %d", nodes(), before)
		}
		runtime.KeepAlive(vs)
	})
}
