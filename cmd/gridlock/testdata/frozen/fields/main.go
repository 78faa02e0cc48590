// Command fields locks the mutexes of two accounts in opposite orders.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

// Account is a bank account.
type Account struct {
	name    string
	balance int
	mu      sync.Mutex
}

func transfer(from, to *Account, n int) {
	from.mu.Lock()
	defer from.mu.Unlock()
	time.Sleep(50 * time.Millisecond)
	to.mu.Lock()
	defer to.mu.Unlock()
	from.balance -= n
	to.balance += n
}

func main() {
	a, b := &Account{name: "a"}, &Account{name: "b"}
	go transfer(a, b, 1)
	go transfer(b, a, 2)
	harness.Wait()
}
