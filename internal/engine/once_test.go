package engine

import (
	"testing"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// TestSpareRecordIsReused checks that the record of a first Do that met
// nothing serves the next first Do, under a new id, and is forgotten by
// the Once it served; and that one pinned by a lock taken inside the Do
// stays with its Once.
func TestSpareRecordIsReused(t *testing.T) {
	collect(t)
	gid := Goid()
	var a, b, c Ref
	la := AcquiredOnce(gid, &a, 0)
	if la.class.spare.Load() != recSpare {
		t.Fatalf("first Do with nothing held: record is not a spare")
	}
	idA := la.id
	ReleaseOnce(la)
	if l := a.Peek(); l != nil && a.own(l) {
		t.Errorf("a Once keeps the record taken back as its own")
	}
	lb := AcquiredOnce(gid, &b, 0)
	if lb != la || lb.id == idA || lb.class.id != lb.id {
		t.Errorf("next first Do: record %p id %d class %d, want %p with a new id for both", lb, lb.id, lb.class.id, la)
	}
	// The first Once, done, still points to the record, now b's: a late
	// caller of its Do gets a record of its own, and b's stays a spare.
	if pa := a.Pin(0); pa == lb || !a.own(pa) || lb.class.spare.Load() != recSpare {
		t.Errorf("a late caller of a done Once took the spare serving another")
	}
	// A lock taken inside the Do: the order edge keeps the record.
	var mu Ref
	Acquired(gid, &mu, waitgraph.Mutex, Write, 0, nil)
	ReleaseWrite(&mu)
	ReleaseOnce(lb)
	if b.Peek() != lb || lb.class.spare.Load() != recOrdinary {
		t.Errorf("a record with an order edge was taken back")
	}
	lc := AcquiredOnce(gid, &c, 0)
	if lc == lb {
		t.Errorf("a pinned record served another Once")
	}
	ReleaseOnce(lc)
}

// TestPinnedSpareStays checks that a spare another goroutine pinned (a
// second caller of Do) is not taken back, and that Pin of a Once whose
// spare was taken back makes the Once a record of its own.
func TestPinnedSpareStays(t *testing.T) {
	collect(t)
	gid := Goid()
	var a, b Ref
	la := AcquiredOnce(gid, &a, 0)
	done := make(chan *Lock)
	go func() { done <- a.Pin(0) }()
	if p := <-done; p != la {
		t.Fatalf("Pin = %p, want the spare %p", p, la)
	}
	ReleaseOnce(la)
	if a.Peek() != la {
		t.Errorf("a pinned spare was taken back")
	}
	lb := AcquiredOnce(gid, &b, 0)
	ReleaseOnce(lb)
	if p := b.Pin(0); p == lb || p == nil || !b.own(p) || p.class.spare.Load() != recOrdinary {
		t.Errorf("Pin after take-back = %p (spare %p): want a new record of the Once's own", p, lb)
	}
}

// TestSpareOnlyWithNothingHeld checks that a first Do under a lock gets an
// ordinary record: its order is checked at once.
func TestSpareOnlyWithNothingHeld(t *testing.T) {
	collect(t)
	gid := Goid()
	var mu, a Ref
	Acquired(gid, &mu, waitgraph.Mutex, Write, 0, nil)
	la := AcquiredOnce(gid, &a, 0)
	if la.class.spare.Load() != recOrdinary {
		t.Errorf("first Do under a lock got a spare")
	}
	ReleaseOnce(la)
	ReleaseWrite(&mu)
	if a.Peek() != la {
		t.Errorf("an ordinary record was taken back")
	}
}
