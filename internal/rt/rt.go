// Package rt gives the engine what the runtime does not export: the identity
// of the running goroutine and the call site of a lock operation, both cheap
// enough for the uncontended path, plus helpers to capture and symbolize stacks.
//
// On amd64 and arm64 both come from a few instructions of assembly: the
// goroutine id is read from the runtime's g at an offset that is discovered at
// start-up (by matching the ids printed by runtime.Stack), so that no copy of
// the runtime's private struct layout is compiled in. If discovery fails, or
// on other architectures, Supported reports false and the slow portable path
// (parsing runtime.Stack) is used.
package rt

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"unsafe"
)

// goidOffset is the byte offset of goid within the runtime's g. It is written
// once, by discover, before any other goroutine can call Goid.
//
//lint:ignore U1000 read by the assembly.
var goidOffset uintptr

var (
	discoverOnce sync.Once
	fast         bool
	stackOK      bool
)

// StackOK reports whether GoidStack's stack bounds are valid.
func StackOK() bool { return stackOK }

// SP returns an address in the calling goroutine's stack.
//
//go:nosplit
func SP() uintptr {
	var x byte
	return uintptr(unsafe.Pointer(&x))
}

// Supported reports whether goroutine ids come from the fast path.
func Supported() bool {
	discoverOnce.Do(discover)
	return fast
}

// Init performs the start-up discovery. It runs at package initialization,
// so that ids from Enter are valid in any code that can import this
// package; calling it again does nothing.
func Init() { discoverOnce.Do(discover) }

func init() { Init() }

// SlowGoid returns the id of the calling goroutine by parsing the header of
// its own stack trace. It costs about a microsecond.
func SlowGoid() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	b := bytes.TrimPrefix(buf[:n], []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

// discover finds goidOffset by looking, in the g of two goroutines with
// different ids, for the one word that holds each goroutine's id.
func discover() {
	if !hasAsm {
		return
	}
	const maxOffset = 1024
	candidates := func() []uintptr {
		id := SlowGoid()
		var offs []uintptr
		for off := uintptr(0); off < maxOffset; off += 8 {
			if readg(off) == id {
				offs = append(offs, off)
			}
		}
		return offs
	}
	first := candidates()
	if len(first) == 0 {
		return
	}
	second := make(chan []uintptr)
	go func() { second <- candidates() }()
	other := <-second
	var match []uintptr
	for _, a := range first {
		for _, b := range other {
			if a == b {
				match = append(match, a)
			}
		}
	}
	if len(match) != 1 {
		return
	}
	goidOffset = match[0]
	// Check on a third goroutine and on this one before trusting it.
	ok := make(chan bool)
	go func() { ok <- Goid() == SlowGoid() }()
	if <-ok && Goid() == SlowGoid() {
		fast = true
	}
	// The stack bounds at the start of g: check that a local variable of
	// this goroutine and of another lies between them.
	inStack := func() bool {
		_, lo, hi := GoidStack()
		sp := SP()
		return lo < hi && lo <= sp && sp < hi
	}
	go func() { ok <- inStack() }()
	stackOK = fast && <-ok && inStack()
}

// Callers returns the program counters of the calling goroutine's stack,
// skipping skip frames above the caller of Callers, at most max of them.
func Callers(skip, max int) []uintptr {
	pcs := make([]uintptr, max)
	return pcs[:runtime.Callers(skip+2, pcs)]
}
