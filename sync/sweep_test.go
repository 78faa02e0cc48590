//go:build !gridlock_off

package sync

import (
	"reflect"
	"runtime"
	"testing"
	"time"
)

func homeCount() int {
	n := 0
	for i := range homeMaps {
		s := &homeMaps[i]
		s.mu.Lock()
		n += len(s.m)
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

// The maps of homes give back the room of homes swept: a burst of many
// locks, dropped, leaves each shard's map rebuilt for the homes it holds
// after the collections that sweep them.
func TestHomeMapsShrink(t *testing.T) {
	const n = homeShards * 4 * minShrink
	var before [homeShards]uintptr
	func() {
		ms := make([]Mutex, n)
		for i := range ms {
			ms[i].Lock()
			ms[i].Unlock() //lint:ignore SA2001 its first use gives the lock a home
		}
		for i := range homeMaps {
			s := &homeMaps[i]
			s.mu.Lock()
			before[i] = uintptr(reflect.ValueOf(s.m).UnsafePointer())
			s.mu.Unlock()
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		kept := 0
		for i := range homeMaps {
			s := &homeMaps[i]
			s.mu.Lock()
			if uintptr(reflect.ValueOf(s.m).UnsafePointer()) == before[i] {
				kept++
			}
			s.mu.Unlock()
		}
		if kept == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d maps of homes kept the room of %d homes after they were swept (%d homes left)", kept, homeShards, n, homeCount())
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
