//go:build !((amd64 || arm64) && gc)

package rt

const hasAsm = false

// Goid returns the id of the calling goroutine, from its stack trace.
func Goid() uint64 { return SlowGoid() }

func readg(uintptr) uint64 { return 0 }

// Enter returns the id of the calling goroutine; the call site is not
// available without frame pointers and is returned as 0.
func Enter() (goid uint64, pc uintptr) { return SlowGoid(), 0 }

// GoidStack returns the id of the calling goroutine; stack bounds are not
// available.
func GoidStack() (goid uint64, lo, hi uintptr) { return SlowGoid(), 0, 0 }

func self() uintptr           { return 0 }
func readAt(uintptr) uint64   { return 0 }
func readAt32(uintptr) uint32 { return 0 }

func walkFrames([]uintptr) int { return 0 }

func countFrames() int { return 0 }
