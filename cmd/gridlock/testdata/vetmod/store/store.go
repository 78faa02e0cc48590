// Package store has one finding of each of three kinds.
package store

import (
	"errors"
	"sync"

	"example.com/vetmod/queue"
)

type Store struct {
	mu   sync.Mutex
	q    *queue.Queue
	data map[string]int
}

func (s *Store) Get(k string) (int, error) {
	s.mu.Lock()
	v, ok := s.data[k]
	if !ok {
		return 0, errors.New("missing")
	}
	s.mu.Unlock()
	return v, nil
}

func (s *Store) Put(k string, v int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[k] = v
	s.q.Put(v)
}

func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data)
}

func (s *Store) Grow() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Len() == 0 {
		s.data = map[string]int{}
	}
}

func (s *Store) Quiet() {
	s.mu.Lock()
	defer s.mu.Unlock()
	//gridlock:ignore lock-held-across-blocking the queue is drained by a goroutine that never locks s.mu
	s.q.Put(0)
}
