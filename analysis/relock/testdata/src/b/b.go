// Package b relocks through package c: cross-package facts.
package b

import "c"

func AddAll(r *c.Registry, names []string) {
	r.Lock()
	defer r.Unlock()
	for _, n := range names {
		r.Add(n) // want `recursive-lock: call locks r.mu, already locked: \(\*c.Registry\).Add → Lock at c.go:12`
	}
}

func AddTwo(r, s *c.Registry) {
	r.Lock()
	defer r.Unlock()
	s.Add("x")
}
