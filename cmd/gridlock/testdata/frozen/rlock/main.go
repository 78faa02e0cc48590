// Command rlock read-locks twice with a writer in between.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

// Store is a map under a read-write lock.
type Store struct {
	mu   sync.RWMutex
	data map[string]int
}

func (s *Store) get(k string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data[k]
}

func (s *Store) total(keys ...string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	time.Sleep(50 * time.Millisecond)
	n := 0
	for _, k := range keys {
		n += s.get(k)
	}
	return n
}

func (s *Store) put(k string, v int) {
	s.mu.Lock()
	s.data[k] = v
	s.mu.Unlock()
}

func main() {
	s := &Store{data: map[string]int{}}
	go s.total("a", "b")
	go func() {
		time.Sleep(20 * time.Millisecond)
		s.put("a", 1)
	}()
	harness.Wait()
}
