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
	if la.spare.Load() != recSpare {
		t.Fatalf("first Do with nothing held: record is not a spare")
	}
	idA := la.id
	ReleaseOnce(&a, la)
	if a.Peek() != nil {
		t.Errorf("a Once keeps the record taken back")
	}
	lb := AcquiredOnce(gid, &b, 0)
	if lb != la || lb.id == idA || lb.class.id != lb.id {
		t.Errorf("next first Do: record %p id %d class %d, want %p with a new id for both", lb, lb.id, lb.class.id, la)
	}
	// A lock taken inside the Do: the order edge keeps the record.
	var mu Ref
	Acquired(gid, &mu, waitgraph.Mutex, Write, 0, nil)
	ReleaseWrite(&mu)
	ReleaseOnce(&b, lb)
	if b.Peek() != lb || lb.spare.Load() != recOrdinary {
		t.Errorf("a record with an order edge was taken back")
	}
	lc := AcquiredOnce(gid, &c, 0)
	if lc == lb {
		t.Errorf("a pinned record served another Once")
	}
	ReleaseOnce(&c, lc)
}

// TestPinnedSpareStays checks that a spare another goroutine pinned (a
// second caller of Do) is not taken back, and that Pin of a Once whose
// spare was taken back finds no record.
func TestPinnedSpareStays(t *testing.T) {
	collect(t)
	gid := Goid()
	var a, b Ref
	la := AcquiredOnce(gid, &a, 0)
	done := make(chan *Lock)
	go func() { done <- a.Pin() }()
	if p := <-done; p != la {
		t.Fatalf("Pin = %p, want the spare %p", p, la)
	}
	ReleaseOnce(&a, la)
	if a.Peek() != la {
		t.Errorf("a pinned spare was taken back")
	}
	lb := AcquiredOnce(gid, &b, 0)
	ReleaseOnce(&b, lb)
	if p := b.Pin(); p != nil {
		t.Errorf("Pin after take-back = %p, want nil", p)
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
	if la.spare.Load() != recOrdinary {
		t.Errorf("first Do under a lock got a spare")
	}
	ReleaseOnce(&a, la)
	ReleaseWrite(&mu)
	if a.Peek() != la {
		t.Errorf("an ordinary record was taken back")
	}
}
