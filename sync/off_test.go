//go:build gridlock_off

package sync_test

import (
	"context"
	"errors"
	stdsync "sync"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/sync"
)

// With gridlock_off the mirror is the standard library: the same types,
// or the standard types embedded, with nothing in between.
var (
	_ *stdsync.Cond  = (*sync.Cond)(nil)
	_ *stdsync.Once  = (*sync.Once)(nil)
	_ *stdsync.Mutex = &(&sync.Mutex{}).Mutex
)

func TestOff(t *testing.T) {
	var mu sync.Mutex
	mu.Lock()
	if mu.TryLock() {
		t.Fatal("TryLock of a held mutex succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := mu.LockContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockContext = %v", err)
	}
	mu.Unlock()
	if err := mu.LockContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go wg.Done()
	if err := wg.WaitContext(context.Background()); err != nil {
		t.Fatal(err)
	}
}
