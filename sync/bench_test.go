//lint:file-ignore SA2001 tests take locks for the order they show, with nothing inside

package sync_test

import (
	stdsync "sync"
	"testing"

	"github.com/gridlock-go/gridlock/sync"
)

func BenchmarkMutexUncontended(b *testing.B) {
	b.Run("std", func(b *testing.B) {
		var mu stdsync.Mutex
		for b.Loop() {
			mu.Lock()
			mu.Unlock()
		}
	})
	b.Run("gridlock", func(b *testing.B) {
		var mu sync.Mutex
		for b.Loop() {
			mu.Lock()
			mu.Unlock()
		}
	})
}

func BenchmarkMutexNested(b *testing.B) {
	b.Run("std", func(b *testing.B) {
		var x, y stdsync.Mutex
		for b.Loop() {
			x.Lock()
			y.Lock()
			y.Unlock()
			x.Unlock()
		}
	})
	b.Run("gridlock", func(b *testing.B) {
		var x, y sync.Mutex
		for b.Loop() {
			x.Lock()
			y.Lock()
			y.Unlock()
			x.Unlock()
		}
	})
}
