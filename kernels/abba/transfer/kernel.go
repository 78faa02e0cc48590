// Package transfer is a deadlock kernel (article: resource ordering violation).
//
// The article's per-connection transfer: transfer(a, b) and transfer(b, a)
// at the same moment.
package transfer

import (
	"runtime"
	"sync"
	"sync/atomic"
)

type Conn struct {
	mu      sync.Mutex
	balance int
}

func transfer(from, to *Conn, n int, ready *sync.WaitGroup, start *atomic.Bool) {
	from.mu.Lock()
	defer from.mu.Unlock()
	ready.Done()
	for !start.Load() { // spins, without blocking, until every lock is taken
		runtime.Gosched()
	}
	to.mu.Lock() // the other transfer holds it
	defer to.mu.Unlock()
	from.balance -= n
	to.balance += n
}

func run() {
	x, y := &Conn{balance: 10}, &Conn{balance: 10}
	var ready, done sync.WaitGroup
	start := new(atomic.Bool)
	ready.Add(2)
	done.Add(2)
	go func() { defer done.Done(); transfer(x, y, 1, &ready, start) }()
	go func() { defer done.Done(); transfer(y, x, 1, &ready, start) }()
	ready.Wait()
	start.Store(true)
	done.Wait()
}
