// Package c is a library with a lock.
package c

import "sync"

type Registry struct {
	mu    sync.Mutex
	names []string
}

func (r *Registry) Add(n string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, n)
}

func (r *Registry) Lock()   { r.mu.Lock() }
func (r *Registry) Unlock() { r.mu.Unlock() }
