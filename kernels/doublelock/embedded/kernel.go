// Package embedded is a deadlock kernel (resource deadlock: double locking).
//
// A struct embeds sync.Mutex; Len locks it, and Snapshot, holding it,
// calls Len (etcd-style).
package embedded

import "sync"

type Store struct {
	sync.Mutex
	items []string
}

func (s *Store) Len() int {
	s.Lock()
	defer s.Unlock()
	return len(s.items)
}

func (s *Store) Snapshot() []string {
	s.Lock()
	defer s.Unlock()
	out := make([]string, 0, s.Len()) // Len locks again
	return append(out, s.items...)
}
