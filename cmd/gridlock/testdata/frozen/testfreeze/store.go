// Package testfreeze is a store whose test deadlocks: go test's timeout
// dump has frames in _test.go files.
package testfreeze

import "sync"

// Store counts under a lock.
type Store struct {
	mu sync.Mutex
	n  int
}

// Add adds under the lock, calling then with it held.
func (s *Store) Add(then func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	then()
}
