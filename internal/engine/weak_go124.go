//go:build !go1.25

package engine

import (
	"runtime"
	"weak"
)

// wbase is the pointer to the start of an object that a weakIn holds:
// weak for an object in the heap, strong for a global (never garbage),
// since Go 1.24's weak.Make throws on a pointer outside the heap, which Go
// 1.25's accepts.
type wbase struct {
	w weak.Pointer[byte]
	s *byte
}

// Value returns the pointer, or nil if its object is garbage.
func (p wbase) Value() *byte {
	if p.s != nil {
		return p.s
	}
	return p.w.Value()
}

// makeWbase returns a pointer to b, the start of an object or a global:
// runtime.AddCleanup tells them apart, returning the zero Cleanup for a
// pointer outside the heap.
func makeWbase(b *byte) wbase {
	c := runtime.AddCleanup(b, func(struct{}) {}, struct{}{})
	if c == (runtime.Cleanup{}) {
		return wbase{s: b}
	}
	c.Stop()
	return wbase{w: weak.Make(b)}
}
