// Package upgrade is a deadlock kernel (resource deadlock: double locking).
//
// An RWMutex "upgrade": Lock while holding RLock of the same RWMutex waits
// for itself.
package upgrade

import "sync"

type Registry struct {
	mu sync.RWMutex
	m  map[string]int
}

func (r *Registry) GetOrCreate(k string) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if v, ok := r.m[k]; ok {
		return v
	}
	r.mu.Lock() // upgrade: waits for its own read lock
	defer r.mu.Unlock()
	r.m[k] = len(r.m)
	return r.m[k]
}
