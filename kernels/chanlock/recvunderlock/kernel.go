// Package recvunderlock is a deadlock kernel (communication deadlock: channel & lock).
//
// The caller holds the lock while waiting for a result; the worker must
// take the lock before sending it.
package recvunderlock

import "sync"

type Store struct {
	mu   sync.Mutex
	data map[string]int
}

func (s *Store) compute(k string, out chan<- int) {
	s.mu.Lock() // held by Get
	v := s.data[k]
	s.mu.Unlock()
	out <- v + 1
}

func (s *Store) Get(k string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(chan int)
	go s.compute(k, out)
	return <-out // with the lock held
}
