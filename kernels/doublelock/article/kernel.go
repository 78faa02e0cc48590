// Package article is a deadlock kernel (article: recursive locks and reentrancy).
//
// The article's layered code: foo locks the mutex and calls bar, which,
// several calls down, locks it again.
package article

import "sync"

type Service struct {
	mu    sync.Mutex
	state int
}

func (s *Service) Foo() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state++
	s.helper()
}

func (s *Service) helper() { s.Bar() }

func (s *Service) Bar() {
	s.mu.Lock() // three calls below Foo, same lock
	defer s.mu.Unlock()
	s.state *= 2
}
