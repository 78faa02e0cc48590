//go:build gridlock_off

package sync_test

import (
	stdsync "sync"
	"testing"

	"github.com/gridlock-go/gridlock/sync"
)

// With gridlock_off the mirror is the standard library: the same types.
var (
	_ *stdsync.Mutex     = (*sync.Mutex)(nil)
	_ *stdsync.RWMutex   = (*sync.RWMutex)(nil)
	_ *stdsync.WaitGroup = (*sync.WaitGroup)(nil)
	_ *stdsync.Once      = (*sync.Once)(nil)
	_ *stdsync.Cond      = (*sync.Cond)(nil)
)

func TestOff(t *testing.T) {
	var mu sync.Mutex
	mu.Lock()
	if mu.TryLock() {
		t.Fatal("TryLock of a held mutex succeeded")
	}
	mu.Unlock()
}
