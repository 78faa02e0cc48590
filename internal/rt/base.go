package rt

import "unsafe"

// findObject is the runtime's: the base of the heap object containing p,
// or 0 if p is not in the heap. (Pulled by linkname; the runtime keeps its
// signature for that, see go.dev/issue/67401.)
//
//go:linkname findObject runtime.findObject
func findObject(p, refBase, refOff uintptr) (base uintptr, s unsafe.Pointer, objIndex uintptr)

// Base returns a pointer to the start of the heap object that contains p,
// or p itself if p is not in the heap (a global). A weak pointer or a
// cleanup is best attached there: the runtime keeps one record per
// address it is attached to, in a list per span, so attaching one per
// interior address of an object holding many locks (an array of them)
// would cost time quadratic in their number.
func Base(p unsafe.Pointer) unsafe.Pointer {
	b, _, _ := findObject(uintptr(p), 0, 0)
	if b == 0 {
		return p
	}
	// Derived from p, so that the result is p's object to the collector.
	return unsafe.Add(p, -int(uintptr(p)-b))
}

// PointerAt returns the address a as a pointer, for the runtime's weak
// pointers, which take one. The caller must hold a pointer to the object at
// a (it operates on it): the result keeps nothing alive by itself.
func PointerAt(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }
