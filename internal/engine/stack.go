package engine

import (
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/waitgraph"
)

const maxStack = 32

// callers captures the calling goroutine's stack, skipping skip frames
// above the caller of callers. The frames skipped are gridlock's own, which
// symbolize leaves out: they are captured (rt.Stack counts frames as the
// machine sees them, with inlined calls inside their callers' frames, so
// it could skip a user's frame) and only make room for as many more.
func callers(skip int) []uintptr {
	want := maxStack + 2 + skip
	if d := rt.Depth(); d > 0 {
		want = min(want, d) // no array of maxStack words on this stack
	}
	pcs := make([]uintptr, want)
	return pcs[:rt.Stack(pcs)]
}

// moduleDir is the directory of gridlock's source, derived from this
// file's path, to recognize frames of gridlock's own code that inlining
// attributes to a user's function.
var moduleDir = func() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(file))) + string(filepath.Separator)
}()

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
	switch fn {
	case "runtime.goexit", "runtime.main", "testing.tRunner", "runtime/pprof.Do":
		return true
	}
	return false
}

// internalFile reports whether file is one of gridlock's own sources
// (not a test, an example or a kernel).
func internalFile(file string) bool {
	if moduleDir == "" || !strings.HasPrefix(file, moduleDir) || strings.HasSuffix(file, "_test.go") {
		return false
	}
	rel := file[len(moduleDir):]
	return !strings.Contains(rel, string(filepath.Separator)) ||
		strings.HasPrefix(rel, "sync"+string(filepath.Separator)) ||
		strings.HasPrefix(rel, "internal"+string(filepath.Separator))
}

// internalFrame reports whether a frame is noise in a finding.
func internalFrame(fn, file string) bool { return internalFunc(fn) || internalFile(file) }

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
		if f.Function != "" && !internalFrame(f.Function, f.File) && !rt.Elided(f.Function, f.File) {
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

// userFrames converts the frames of a goroutine dump into a stack of user
// frames: the frames of the runtime, of the standard sync package and of
// gridlock's own machinery above the first user frame are how the
// goroutine waits, not where, and are dropped with gridlock's frames
// anywhere.
func userFrames(fs []rt.Frame) waitgraph.Stack {
	var s waitgraph.Stack
	for _, fr := range fs {
		if internalFrame(fr.Func, fr.File) {
			continue
		}
		if len(s) == 0 && (strings.HasPrefix(fr.Func, "runtime.") || strings.HasPrefix(fr.Func, "internal/") ||
			strings.HasPrefix(fr.Func, "sync.") || strings.HasPrefix(fr.Func, "sync/atomic.")) {
			continue
		}
		s = append(s, waitgraph.Frame{Func: fr.Func, File: fr.File, Line: fr.Line})
	}
	return s
}
