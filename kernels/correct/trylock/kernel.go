// Package trylock is a deadlock kernel (correct: TryLock back-off).
//
// Two goroutines take two locks in opposite orders, but the second with
// TryLock, backing off and retrying when it is busy.
package trylock

import (
	"runtime"
	"sync"
)

var a, b sync.Mutex

func both(first, second *sync.Mutex, work func()) {
	for {
		first.Lock()
		if second.TryLock() {
			work()
			second.Unlock()
			first.Unlock()
			return
		}
		first.Unlock() // back off
		runtime.Gosched()
	}
}
