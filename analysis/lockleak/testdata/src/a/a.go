package a

import (
	"errors"
	"sync"
)

type Store struct {
	mu   sync.Mutex
	rw   sync.RWMutex
	data map[string]string
}

var errMissing = errors.New("missing")

// Caught: the early return on an error.

func (s *Store) Get(k string) (string, error) {
	s.mu.Lock() // want `lock-leak: s.mu is not released on the path to the return at a.go:22 \(through a.go:19 → a.go:22\), though it is released on others`
	v, ok := s.data[k]
	if !ok {
		return "", errMissing
	}
	s.mu.Unlock()
	return v, nil
}

func (s *Store) Peek(k string) string {
	s.rw.RLock() // want `lock-leak: s.rw is not released`
	if s.data == nil {
		return ""
	}
	v := s.data[k]
	s.rw.RUnlock()
	return v
}

// Silent.

func (s *Store) GetDefer(k string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[k]
	if !ok {
		return "", errMissing
	}
	return v, nil
}

func (s *Store) GetFixed(k string) (string, error) {
	s.mu.Lock()
	v, ok := s.data[k]
	if !ok {
		s.mu.Unlock()
		return "", errMissing
	}
	s.mu.Unlock()
	return v, nil
}

func (s *Store) MustGet(k string) string {
	s.mu.Lock()
	v, ok := s.data[k]
	if !ok {
		panic("missing " + k)
	}
	s.mu.Unlock()
	return v
}

// lock is a lock helper: it hands the lock to its caller.
func (s *Store) lock() { s.mu.Lock() }

// lockIfReady returns with s.mu held when it returns true.
//
//gridlock:acquires s.mu
func (s *Store) lockIfReady() bool {
	s.mu.Lock()
	if s.data == nil {
		s.mu.Unlock()
		return false
	}
	return true
}

// +checklocksacquire:s.mu
func (s *Store) lockGVisor() bool {
	s.mu.Lock()
	if s.data == nil {
		s.mu.Unlock()
		return false
	}
	return true
}

func (s *Store) Flagged(k string) string {
	s.mu.Lock()
	locked := true
	defer func() {
		if locked {
			s.mu.Unlock()
		}
	}()
	v := s.data[k]
	s.mu.Unlock()
	locked = false
	return v
}

func (s *Store) unlock() { s.mu.Unlock() }

func (s *Store) ViaHelper(k string) string {
	s.mu.Lock()
	if s.data == nil {
		s.unlock()
		return ""
	}
	v := s.data[k]
	s.mu.Unlock()
	return v
}

func (s *Store) UseHelpers() {
	s.lock()
	s.data = nil
	s.unlock()
}

func (s *Store) Ignored(k string) string {
	//gridlock:ignore lock-leak the caller unlocks when the result is empty
	s.mu.Lock()
	v := s.data[k]
	if v == "" {
		return v
	}
	s.mu.Unlock()
	return v
}

// A lock taken and released under the same condition.
func (s *Store) Cached(k string) string {
	held := false
	if s.data == nil {
		s.mu.Lock()
		held = true
		s.data = map[string]string{}
	}
	v := s.data[k]
	if v == "" {
		if held {
			s.mu.Unlock()
		}
		return ""
	}
	if held {
		s.mu.Unlock()
	}
	return v
}

func (s *Store) release() { s.mu.Unlock() }

// Handoff gives the lock to a goroutine that releases it.
func (s *Store) Handoff(k string) {
	s.mu.Lock()
	if s.data == nil {
		s.mu.Unlock()
		return
	}
	go s.release()
}

// Accumulate takes n read locks in one loop and releases them in another.
func (s *Store) Accumulate(n int) {
	i := 0
	for ; i < n; i++ {
		s.rw.RLock()
	}
	for ; i > 0; i-- {
		s.rw.RUnlock()
	}
}
