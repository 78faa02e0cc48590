package engine

import (
	"runtime"
	"strings"

	"github.com/gridlock-go/gridlock/waitgraph"
)

const maxStack = 32

// callers captures the calling goroutine's stack, skipping skip frames
// above the caller of callers.
func callers(skip int) []uintptr {
	var pcs [maxStack]uintptr
	n := runtime.Callers(skip+2, pcs[:])
	return append([]uintptr(nil), pcs[:n]...)
}

// internalFunc reports whether fn belongs to gridlock's own machinery,
// whose frames are noise in a finding.
func internalFunc(fn string) bool {
	const mod = "github.com/gridlock-go/gridlock"
	if strings.HasPrefix(fn, mod+"/internal/") {
		return true
	}
	if rest, ok := strings.CutPrefix(fn, mod+"/sync."); ok {
		return !strings.Contains(rest, "_test")
	}
	if rest, ok := strings.CutPrefix(fn, mod+"."); ok {
		// The root package, not its tests or examples.
		return !strings.HasPrefix(rest, "Example") && !strings.Contains(fn, "_test")
	}
	return fn == "runtime.goexit" || fn == "runtime.main" || fn == "testing.tRunner"
}

// symbolize turns program counters from runtime.Callers into a stack of
// user frames, innermost first.
func symbolize(pcs []uintptr) waitgraph.Stack {
	if len(pcs) == 0 {
		return nil
	}
	var s waitgraph.Stack
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "" && !internalFunc(f.Function) {
			s = append(s, waitgraph.Frame{Func: f.Function, File: f.File, Line: f.Line})
		}
		if !more {
			break
		}
	}
	return s
}

// site symbolizes a single call site captured by rt.Enter. The call may
// have been inlined, in which case its frames come innermost first.
func site(pc uintptr) waitgraph.Stack {
	if pc == 0 {
		return nil
	}
	return symbolize([]uintptr{pc})
}
