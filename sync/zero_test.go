//go:build !gridlock_off

//lint:file-ignore SA2001 tests take locks for the waits and states they make, with nothing inside

package sync_test

import (
	"reflect"
	"runtime"
	stdsync "sync"
	"testing"

	"github.com/gridlock-go/gridlock/sync"
)

// used is a struct with the mirror's types, as code embeds them, and
// usedStd the same with the standard library's.
type used struct {
	mu   sync.Mutex
	rw   sync.RWMutex
	wg   sync.WaitGroup
	once sync.Once
	cond *sync.Cond
}

type usedStd struct {
	mu   stdsync.Mutex
	rw   stdsync.RWMutex
	wg   stdsync.WaitGroup
	once stdsync.Once
	cond *stdsync.Cond
}

// contended parks goroutines on lock, for the queues to be used.
func contended(lock, unlock func()) {
	lock()
	var wg stdsync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lock()
			unlock()
		}()
	}
	for range 100 {
		runtime.Gosched()
	}
	unlock()
	wg.Wait()
}

// TestIdleEqualsZero checks that a Mutex, RWMutex, WaitGroup and Once
// that were used and are idle compare equal, with reflect.DeepEqual, to
// their zero values exactly when the standard library's do (x/net/trace's
// tests compare a reset struct with a fresh one). A Once that has run is
// done, in both; a Cond is compared through a struct that holds a pointer
// to one, as code holds it.
func TestIdleEqualsZero(t *testing.T) {
	tests := []struct {
		name string
		use  func(u *used)
		std  func(u *usedStd)
	}{
		{"Mutex", func(u *used) { u.mu.Lock(); u.mu.Unlock() }, func(u *usedStd) { u.mu.Lock(); u.mu.Unlock() }},
		{"Mutex/TryLock", func(u *used) { u.mu.TryLock(); u.mu.Unlock() }, func(u *usedStd) { u.mu.TryLock(); u.mu.Unlock() }},
		{"Mutex/contended", func(u *used) { contended(u.mu.Lock, u.mu.Unlock) }, func(u *usedStd) { contended(u.mu.Lock, u.mu.Unlock) }},
		{"Mutex/nested", func(u *used) {
			u.rw.Lock()
			u.mu.Lock()
			u.mu.Unlock()
			u.rw.Unlock()
		}, func(u *usedStd) {
			u.rw.Lock()
			u.mu.Lock()
			u.mu.Unlock()
			u.rw.Unlock()
		}},
		{"RWMutex", func(u *used) { u.rw.Lock(); u.rw.Unlock() }, func(u *usedStd) { u.rw.Lock(); u.rw.Unlock() }},
		{"RWMutex/RLock", func(u *used) { u.rw.RLock(); u.rw.RUnlock() }, func(u *usedStd) { u.rw.RLock(); u.rw.RUnlock() }},
		{"RWMutex/contended", func(u *used) {
			contended(u.rw.Lock, u.rw.Unlock)
			contended(u.rw.RLock, u.rw.RUnlock)
		}, func(u *usedStd) {
			contended(u.rw.Lock, u.rw.Unlock)
			contended(u.rw.RLock, u.rw.RUnlock)
		}},
		{"WaitGroup", func(u *used) {
			u.wg.Add(2)
			go u.wg.Done()
			go u.wg.Done()
			u.wg.Wait()
		}, func(u *usedStd) {
			u.wg.Add(2)
			go u.wg.Done()
			go u.wg.Done()
			u.wg.Wait()
		}},
		{"WaitGroup/Go", func(u *used) { u.wg.Go(func() {}); u.wg.Wait() }, func(u *usedStd) {
			// What the standard WaitGroup.Go (Go 1.25) does.
			u.wg.Add(1)
			go func() { defer u.wg.Done() }()
			u.wg.Wait()
		}},
		{"Once", func(u *used) { u.once.Do(func() {}) }, func(u *usedStd) { u.once.Do(func() {}) }},
		{"Cond", func(u *used) {
			u.cond = sync.NewCond(&u.mu)
			u.mu.Lock()
			u.cond.Broadcast()
			u.mu.Unlock()
			u.cond = nil
		}, func(u *usedStd) {
			u.cond = stdsync.NewCond(&u.mu)
			u.mu.Lock()
			u.cond.Broadcast()
			u.mu.Unlock()
			u.cond = nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u used
			tt.use(&u)
			var s usedStd
			tt.std(&s)
			want := reflect.DeepEqual(&s, new(usedStd))
			if got := reflect.DeepEqual(&u, new(used)); got != want {
				t.Errorf("used and idle: DeepEqual with the zero value = %v, standard library's = %v; value: %+v", got, want, &u)
			}
		})
	}
}
