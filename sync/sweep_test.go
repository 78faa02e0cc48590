//go:build !gridlock_off

package sync

import (
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
