package a

import "sync"

type Account struct {
	mu      sync.Mutex
	balance int
}

type Ledger struct {
	mu      sync.Mutex
	entries []int
}

var (
	registryMu sync.Mutex
	auditMu    sync.Mutex
	statsMu    sync.Mutex
)

// Caught: AB in one function, BA in another.

func Post(a *Account, l *Ledger, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l.mu.Lock() // want `lock-order-inversion: 2 locks taken in a cycle: a.Ledger.mu taken while a.Account.mu held \(here, in a.Post at a.go:26\); a.Account.mu taken while a.Ledger.mu held \(a.Reconcile at a.go:\d+ via a.balanceOf\)`
	defer l.mu.Unlock()
	a.balance -= n
	l.entries = append(l.entries, n)
}

func balanceOf(a *Account) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}

func Reconcile(l *Ledger, a *Account) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return balanceOf(a)
}

// A cycle of three package variables.

func one() {
	registryMu.Lock()
	auditMu.Lock() // want `lock-order-inversion: 3 locks taken in a cycle`
	auditMu.Unlock()
	registryMu.Unlock()
}

func two() {
	auditMu.Lock()
	statsMu.Lock()
	statsMu.Unlock()
	auditMu.Unlock()
}

func three() {
	statsMu.Lock()
	registryMu.Lock()
	registryMu.Unlock()
	statsMu.Unlock()
}

// Silent: one consistent order.

type Index struct{ mu sync.Mutex }
type Shard struct{ mu sync.Mutex }

func Rebuild(i *Index, s *Shard) {
	i.mu.Lock()
	s.mu.Lock()
	s.mu.Unlock()
	i.mu.Unlock()
}

func Lookup(i *Index, s *Shard) {
	i.mu.Lock()
	defer i.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
}

// Silent: released before the other is taken.
func Sequential(i *Index, s *Shard) {
	s.mu.Lock()
	s.mu.Unlock()
	i.mu.Lock()
	i.mu.Unlock()
}
