//go:build (amd64 || arm64) && gc

package rt

const hasAsm = true

// Goid returns the id of the calling goroutine. It is valid only when
// Supported reports true; callers check that once, not on every call.
func Goid() uint64

// readg returns the word at byte offset off in the running goroutine's g.
func readg(off uintptr) uint64

// Enter returns the id of the calling goroutine and the return address of
// the Go function that called Enter, that is, the call site of a lock
// operation in user code, read through the frame-pointer chain. The caller
// must not be inlined (mark it //go:noinline) so that it has a frame of its
// own. The id is valid only when Supported reports true; callers check that
// once, not on every call.
//
//go:noescape
func Enter() (goid uint64, pc uintptr)

// GoidStack returns the id of the calling goroutine and the bounds of its
// stack as they are now (the stack moves when it grows). Valid only when
// StackOK reports true.
func GoidStack() (goid uint64, lo, hi uintptr)

// self returns the address of the running goroutine's runtime g.
func self() uintptr

// readAt returns the word at address addr, which must be readable.
func readAt(addr uintptr) uint64

// readAt32 returns the 32-bit word at address addr, which must be readable.
func readAt32(addr uintptr) uint32

// walkFrames stores in pcs the return addresses of the frame-pointer chain
// from its caller's frame outward, staying within the goroutine's stack,
// and returns how many it stored. Valid only when StackOK reports true.
//
//go:noescape
func walkFrames(pcs []uintptr) int

// countFrames returns how many frames walkFrames would store from its
// caller's frame, given room for all.
func countFrames() int
