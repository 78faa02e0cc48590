//go:build go1.25

package engine

import "weak"

// wptr is a weak pointer to a lock's or a wait group's state. From Go 1.25
// on it is weak.Pointer itself (see weak_go124.go for Go 1.24).
type wptr[T any] = weak.Pointer[T]

// makeWeak returns a weak pointer to *p.
func makeWeak[T any](p *T) wptr[T] { return weak.Make(p) }
