//go:build !go1.25

package engine

import (
	"runtime"
	"weak"
)

// wptr is a weak pointer to a lock's or a wait group's state, or, for a
// value that is not in the heap (a package-level variable, which is never
// garbage), a strong one: Go 1.24's weak.Make throws on a pointer outside
// the heap, which Go 1.25's accepts.
type wptr[T any] struct {
	w weak.Pointer[T]
	s *T
}

// Value returns the pointer, or nil if the value is garbage.
func (p wptr[T]) Value() *T {
	if p.s != nil {
		return p.s
	}
	return p.w.Value()
}

// makeWeak returns a weak pointer to *p, strong if *p is not in the heap:
// runtime.AddCleanup tells, returning the zero Cleanup for such a pointer.
func makeWeak[T any](p *T) wptr[T] {
	c := runtime.AddCleanup(p, func(struct{}) {}, struct{}{})
	if c == (runtime.Cleanup{}) {
		return wptr[T]{s: p}
	}
	c.Stop()
	return wptr[T]{w: weak.Make(p)}
}
