// Package earlyreturn is a deadlock kernel (resource deadlock: double locking).
//
// An early return forgets the Unlock; the next call from the same
// goroutine locks a mutex it still holds.
package earlyreturn

import (
	"errors"
	"sync"
)

type Account struct {
	mu      sync.Mutex
	balance int
}

func (a *Account) Withdraw(n int) error {
	a.mu.Lock()
	if n > a.balance {
		return errors.New("insufficient funds") // returns with the lock held
	}
	a.balance -= n
	a.mu.Unlock()
	return nil
}

func (a *Account) Deposit(n int) {
	a.mu.Lock()
	a.balance += n
	a.mu.Unlock()
}
