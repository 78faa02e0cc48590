package rt

import (
	"runtime"
	"sync"
)

// Goroutine exits. The runtime does not tell when a goroutine exits, but
// its g does: the runtime never frees a g (a dead one waits in a free list
// to be reused for a new goroutine), and a dead g has the status _Gdead or,
// once reused, another goroutine's id. The offset of the status in g is
// discovered, as goidOffset is, by watching a goroutine of our own run,
// park and exit; if that fails, Exited always reports false.

// Runtime goroutine states (runtime/runtime2.go), stable since Go 1.0.
const (
	gRunning = 2
	gWaiting = 4
	gDead    = 6
	gScan    = 0x1000 // or'ed into the state while the GC scans the stack
)

var (
	exitOnce     sync.Once
	exitOK       bool
	statusOffset uintptr
)

// Self returns a handle on the calling goroutine for Exited, or 0 if exits
// cannot be observed on this platform.
func Self() uintptr {
	exitOnce.Do(discoverStatus)
	if !exitOK {
		return 0
	}
	return self()
}

// Exited reports whether goroutine gid, whose handle Self returned (in
// that goroutine), has exited. It reports false for a zero handle.
func Exited(h uintptr, gid uint64) bool {
	if h == 0 || !exitOK {
		return false
	}
	if readAt(h+goidOffset) != gid {
		return true // the g was reused by a later goroutine
	}
	return readAt32(h+statusOffset)&^gScan == gDead
}

// discoverStatus finds statusOffset: the one 32-bit word of g that reads
// running in the running goroutine, waiting in a parked one, and dead once
// that one has exited.
func discoverStatus() {
	if !Supported() {
		return
	}
	const maxOffset = 1024
	me := self()
	got := make(chan uintptr)
	release := make(chan struct{})
	go func() {
		got <- self()
		<-release
	}()
	other := <-got
	var cands []uintptr
	for try := 0; try < 100000 && len(cands) == 0; try++ {
		runtime.Gosched() // let it park on release
		for off := uintptr(0); off < maxOffset; off += 4 {
			if readAt32(me+off)&^gScan == gRunning && readAt32(other+off)&^gScan == gWaiting {
				cands = append(cands, off)
			}
		}
	}
	id := readAt(other + goidOffset)
	close(release)
	for try := 0; try < 100000; try++ {
		runtime.Gosched()
		if readAt(other+goidOffset) != id {
			return // reused already: no conclusion
		}
		var dead []uintptr
		for _, off := range cands {
			if readAt32(other+off)&^gScan == gDead {
				dead = append(dead, off)
			}
		}
		if len(dead) == 1 {
			statusOffset, exitOK = dead[0], true
			return
		}
		if len(dead) > 1 {
			return
		}

	}
}

// ExitsObservable reports whether Exited can tell that a goroutine has
// exited on this platform.
func ExitsObservable() bool {
	exitOnce.Do(discoverStatus)
	return exitOK
}
