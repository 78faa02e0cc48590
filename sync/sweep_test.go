//go:build !gridlock_off

package sync

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

func homeCount() int {
	n := 0
	for i := range homeMaps {
		s := &homeMaps[i]
		s.mu.Lock()
		n += s.t.n
		s.mu.Unlock()
	}
	return n
}

// The homes of locks that are garbage are forgotten after a collection,
// even when no lock is created after them: an array of many locks, each
// used once, then dropped.
func TestHomesSwept(t *testing.T) {
	before := homeCount()
	const n = 20000
	func() {
		ms := make([]Mutex, n)
		for i := range ms {
			ms[i].Lock()
			ms[i].Unlock() //lint:ignore SA2001 its first use gives the lock a home
		}
	}()
	if got := homeCount(); got < before+n/2 {
		t.Fatalf("%d homes after locking %d new mutexes, want at least %d", got, n, before+n/2)
	}
	deadline := time.Now().Add(30 * time.Second)
	for homeCount() > before+n/10 {
		if time.Now().After(deadline) {
			t.Fatalf("%d homes left after the mutexes became garbage, want at most %d", homeCount(), before+n/10)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// The tables of homes give back the room of homes swept: a burst of many
// locks, dropped, leaves each shard's table small again after the
// collections that sweep them.
func TestHomeTablesShrink(t *testing.T) {
	const n = homeShards * 4096
	big := 0
	func() {
		ms := make([]Mutex, n)
		for i := range ms {
			ms[i].Lock()
			ms[i].Unlock() //lint:ignore SA2001 its first use gives the lock a home
		}
		big = homeSlots()
	}()
	if big < n {
		t.Fatalf("%d slots for %d homes", big, n)
	}
	deadline := time.Now().Add(30 * time.Second)
	for homeSlots() > big/8 {
		if time.Now().After(deadline) {
			t.Fatalf("the tables of homes kept %d slots after %d homes were swept (%d homes left)", homeSlots(), n, homeCount())
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

func homeSlots() int {
	n := 0
	for i := range homeMaps {
		s := &homeMaps[i]
		s.mu.Lock()
		n += len(s.t.slots)
		s.mu.Unlock()
	}
	return n
}

// TestHomeTable checks the table of homes against a map through adds,
// replacements, deletions and rebuilds, with addresses that collide.
func TestHomeTable(t *testing.T) {
	for _, distinct := range []int{40, 300, 3000} {
		homeTableOps(t, distinct)
	}
}

func homeTableOps(t *testing.T, distinct int) {
	var tab homeTable
	want := map[uintptr]*home{}
	rng := rand.New(rand.NewPCG(1, uint64(distinct)))
	// Few distinct addresses, so that adds, finds and deletes meet, in a
	// table small enough for probes to run into each other.
	addr := func() uintptr { return uintptr(8 * (1 + rng.IntN(distinct))) }
	check := func(step int) {
		t.Helper()
		if tab.n != len(want) {
			t.Fatalf("%d addresses, step %d: %d homes, want %d", distinct, step, tab.n, len(want))
		}
		for a, h := range want {
			if got, _ := tab.get(a); got != h {
				t.Fatalf("%d addresses, step %d: home of %#x is %p, want %p", distinct, step, a, got, h)
			}
		}
	}
	for step := range 20000 {
		a := addr()
		switch op := rng.IntN(20); {
		case op < 10: // add or replace
			if h, i := tab.get(a); h != nil {
				nh := &home{addr: a}
				tab.slots[i].h = nh
				want[a] = nh
			} else {
				h := &home{addr: a}
				tab.add(a, h)
				want[a] = h
			}
		case op < 19: // delete
			if h, i := tab.get(a); h != nil {
				tab.deleteAt(i)
				delete(want, a)
			}
		default: // a sweep that keeps half
			var kept []*home
			for a, h := range want {
				if rng.IntN(2) == 0 {
					kept = append(kept, h)
				} else {
					delete(want, a)
				}
			}
			tab.rebuild(kept)
		}
		if distinct < 1000 || step%97 == 0 {
			check(step)
		}
	}
	check(-1)
}
