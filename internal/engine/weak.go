package engine

import (
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/rt"
)

// A weakIn is a weak pointer to a T inside a heap object (or a global). It
// holds a weak pointer to the object's start and the T's offset in it: the
// runtime keeps a record per address a weak pointer is made to, in a list
// per span that each new record walks, so one per object keeps an object
// holding many locks (an array of a million) from costing time quadratic
// in their number, and the locks of one object share one record.
type weakIn[T any] struct {
	base wbase
	off  uintptr
}

// makeWeakIn returns a weak pointer to p.
func makeWeakIn[T any](p *T) weakIn[T] {
	b := rt.Base(unsafe.Pointer(p))
	return weakIn[T]{base: makeWbase((*byte)(b)), off: uintptr(unsafe.Pointer(p)) - uintptr(b)}
}

// weakAt returns a weak pointer to p, in the object of w, whose byte is
// at address addr; the zero weakIn if w is zero.
func weakAt[U any](w weakIn[byte], p *U, addr uintptr) weakIn[U] {
	if w.isZero() {
		return weakIn[U]{}
	}
	return weakIn[U]{base: w.base, off: w.off + uintptr(unsafe.Pointer(p)) - addr}
}

func (w weakIn[T]) isZero() bool { return w.base == wbase{} }

// Value returns the pointer, or nil once its object is garbage.
func (w weakIn[T]) Value() *T {
	b := w.base.Value()
	if b == nil {
		return nil
	}
	return (*T)(unsafe.Add(unsafe.Pointer(b), w.off))
}
