package dump

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// waitAddrs collects, innermost first, the arguments of the frames that
// name the resource a goroutine waits on.
type waitAddrs struct {
	lock   uint64 // (*Mutex).lockSlow(m)
	sema   uint64 // runtime.semacquire1(addr, ...): SIGQUIT dumps only
	wg     uint64 // (*WaitGroup).Wait(wg)
	notify uint64 // runtime_notifyListWait(&c.notify, ...)
	ch     uint64 // runtime.chanrecv/chansend(c, ...): SIGQUIT dumps only
	rw     uint64 // (*RWMutex).Lock/RLock(rw), when not garbage
}

// Offsets of the runtime semaphores and the notify list inside the sync
// types of Go 1.26, which map a semaphore address back to its owner.
const (
	rwWriterSem = 8  // RWMutex.writerSem
	rwReaderSem = 12 // RWMutex.readerSem
	wgSema      = 8  // WaitGroup.sema
	condNotify  = 16 // Cond.notify, after the Locker interface
)

// inspect looks at the arguments of frame fn of the goroutine being read.
func (p *parser) inspect(fn []byte, args []byte) {
	if len(args) == 0 {
		return
	}
	a := &p.addrs
	switch string(fn) {
	case "internal/sync.(*Mutex).lockSlow", "sync.(*Mutex).lockSlow":
		setOnce(&a.lock, args)
	case "runtime.semacquire1":
		setOnce(&a.sema, args)
	case "sync.(*WaitGroup).Wait":
		setOnce(&a.wg, args)
	case "sync.runtime_notifyListWait":
		setOnce(&a.notify, args)
	case "runtime.chanrecv", "runtime.chansend", "runtime.chanrecv1", "runtime.chanrecv2", "runtime.chansend1":
		setOnce(&a.ch, args)
	case "sync.(*RWMutex).Lock", "sync.(*RWMutex).RLock":
		setOnce(&a.rw, args)
	default:
		if !isUserFuncBytes(fn) {
			return
		}
		p.frameArgs(args)
		if len(p.refBuf) < maxRefs {
			p.refs(args)
		}
	}
}

// maxArgs bounds the arguments kept of one frame.
const maxArgs = 8

// frameArgs records the pointer-looking top-level arguments of the frame
// being read, with their positions.
func (p *parser) frameArgs(args []byte) {
	frame := p.nframes - 1
	if frame < 0 || frame > 0xffff {
		return
	}
	depth, index := 0, 0
	start := 0
	for i := 0; i <= len(args) && index < maxArgs; i++ {
		c := byte(',')
		if i < len(args) {
			c = args[i]
		}
		switch c {
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth != 0 {
				continue
			}
			tok := bytes.TrimSpace(args[start:i])
			if v, ok := pointerArg(tok); ok {
				p.argBuf = append(p.argBuf, Arg{Frame: uint16(frame), Index: uint16(index), Value: v})
			} else if v, ok := ifaceData(tok); ok {
				p.argBuf = append(p.argBuf, Arg{Frame: uint16(frame), Index: uint16(index), Value: v})
			}
			index++
			start = i + 1
		}
	}
}

const maxRefs = 8

// ifaceData returns the second word of an argument printed as two words
// in braces, "{0x788c68, 0xa434a8}": the data pointer of an interface (the
// source tells whether the parameter is one).
func ifaceData(tok []byte) (uint64, bool) {
	if len(tok) < 2 || tok[0] != '{' || tok[len(tok)-1] != '}' {
		return 0, false
	}
	in := tok[1 : len(tok)-1]
	if bytes.IndexByte(in, '{') >= 0 {
		return 0, false
	}
	_, data, ok := bytes.Cut(in, []byte(","))
	if !ok || bytes.IndexByte(data, ',') >= 0 {
		return 0, false
	}
	return pointerArg(bytes.TrimSpace(data))
}

// refs records the pointer-looking arguments of a user frame.
func (p *parser) refs(args []byte) {
	for len(args) > 0 && len(p.refBuf) < maxRefs {
		var tok []byte
		if i := bytes.IndexAny(args, ", {}"); i >= 0 {
			tok, args = args[:i], args[i+1:]
		} else {
			tok, args = args, nil
		}
		if v, ok := pointerArg(tok); ok {
			if !containsU64(p.refBuf, v) {
				p.refBuf = append(p.refBuf, v)
			}
		}
	}
}

func containsU64(s []uint64, v uint64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// pointerArg parses a hexadecimal argument that looks like a heap pointer.
// Values the runtime marks unreliable ("0x1f?") are rejected.
func pointerArg(tok []byte) (uint64, bool) {
	if len(tok) < 3 || tok[0] != '0' || tok[1] != 'x' || tok[len(tok)-1] == '?' {
		return 0, false
	}
	v, err := strconv.ParseUint(string(tok[2:]), 16, 64)
	if err != nil || v < 1<<16 {
		return 0, false
	}
	return v, true
}

func setOnce(dst *uint64, args []byte) {
	if *dst != 0 {
		return
	}
	first := args
	if i := bytes.IndexByte(first, ','); i >= 0 {
		first = first[:i]
	}
	if v, ok := pointerArg(bytes.TrimSpace(first)); ok {
		*dst = v
	}
}

// resolve returns the address of the resource waited on, normalized to the
// address of the sync value (the semaphore inside an RWMutex maps back to
// the RWMutex).
func (a *waitAddrs) resolve(frames waitgraph.Stack) uint64 {
	kind, mode := classifyFrames(frames)
	switch kind {
	case waitgraph.Mutex:
		return a.lock
	case waitgraph.RWMutex:
		switch {
		case a.lock != 0: // a writer queued behind another writer on rw.w
			return a.lock
		case a.rw != 0:
			return a.rw
		case a.sema != 0 && mode == waitgraph.RLock:
			return a.sema - rwReaderSem
		case a.sema != 0:
			return a.sema - rwWriterSem
		}
	case waitgraph.WaitGroup:
		if a.wg != 0 {
			return a.wg
		}
		if a.sema != 0 {
			return a.sema - wgSema
		}
	case waitgraph.Cond:
		if a.notify != 0 {
			return a.notify - condNotify
		}
	case waitgraph.Chan:
		return a.ch
	}
	return 0
}

// classifyFrames says what kind of resource a stack waits on, from its
// frames alone (a debug=1 profile prints no status).
func classifyFrames(frames waitgraph.Stack) (waitgraph.ResourceKind, waitgraph.Mode) {
	for i, f := range frames {
		switch f.Func {
		case "internal/sync.runtime_SemacquireMutex", "sync.runtime_SemacquireMutex",
			"internal/sync.(*Mutex).lockSlow", "sync.(*Mutex).lockSlow":
			// A writer queued on the RWMutex's inner mutex, or a plain Mutex.
			for _, g := range frames[i+1:] {
				if g.Func == "sync.(*RWMutex).Lock" {
					return waitgraph.RWMutex, waitgraph.Lock
				}
				if isUserFunc(g.Func) {
					break
				}
			}
			return waitgraph.Mutex, waitgraph.Lock
		case "sync.runtime_SemacquireRWMutexR", "sync.(*RWMutex).RLock":
			return waitgraph.RWMutex, waitgraph.RLock
		case "sync.runtime_SemacquireRWMutex", "sync.(*RWMutex).Lock":
			return waitgraph.RWMutex, waitgraph.Lock
		case "sync.runtime_SemacquireWaitGroup", "sync.(*WaitGroup).Wait":
			return waitgraph.WaitGroup, waitgraph.Wait
		case "sync.runtime_notifyListWait", "sync.(*Cond).Wait":
			return waitgraph.Cond, waitgraph.Wait
		case "runtime.chanrecv", "runtime.chanrecv1", "runtime.chanrecv2":
			return waitgraph.Chan, waitgraph.Recv
		case "runtime.chansend", "runtime.chansend1":
			return waitgraph.Chan, waitgraph.Send
		case "runtime.selectgo", "runtime.block":
			return waitgraph.Select, waitgraph.Wait
		case "sync.runtime_Semacquire", "internal/sync.runtime_Semacquire",
			"golang.org/x/sync/semaphore.(*Weighted).Acquire":
			return waitgraph.Semaphore, waitgraph.Acquire
		}
		if isUserFunc(f.Func) {
			break
		}
	}
	return "", ""
}

// classify says what kind of resource goroutine g waits on, and how. The
// kind is empty when g does not wait on a synchronization resource.
func classify(status string, frames waitgraph.Stack) (waitgraph.ResourceKind, waitgraph.Mode) {
	switch status {
	case "sync.Mutex.Lock":
		if k, m := classifyFrames(frames); k == waitgraph.RWMutex {
			return k, m
		}
		return waitgraph.Mutex, waitgraph.Lock
	case "sync.RWMutex.Lock":
		return waitgraph.RWMutex, waitgraph.Lock
	case "sync.RWMutex.RLock":
		return waitgraph.RWMutex, waitgraph.RLock
	case "sync.WaitGroup.Wait":
		return waitgraph.WaitGroup, waitgraph.Wait
	case "sync.Cond.Wait":
		return waitgraph.Cond, waitgraph.Wait
	case "chan receive", "chan receive (nil chan)":
		return waitgraph.Chan, waitgraph.Recv
	case "chan send", "chan send (nil chan)":
		return waitgraph.Chan, waitgraph.Send
	case "select", "select (no cases)":
		return waitgraph.Select, waitgraph.Wait
	case "semacquire":
		if k, m := classifyFrames(frames); k != "" {
			return k, m
		}
		return waitgraph.Semaphore, waitgraph.Acquire
	case "", "leaked", "parked":
		return classifyFrames(frames)
	}
	return "", ""
}

// inferStatus guesses the status of a record of a counted profile, which
// prints none, from its frames.
func inferStatus(s *Stack) string {
	for _, f := range s.Frames {
		switch {
		case f.Func == "internal/poll.runtime_pollWait":
			return "IO wait"
		case f.Func == "time.Sleep":
			return "sleep"
		case strings.HasPrefix(f.Func, "syscall.") || strings.HasPrefix(f.Func, "internal/runtime/syscall.") ||
			strings.HasPrefix(f.Func, "golang.org/x/sys/unix."):
			return "syscall"
		case strings.HasPrefix(f.Func, "runtime/pprof.") || f.Func == "runtime.Stack":
			return "running"
		}
		if k, m := classifyFrames(s.Frames); k != "" {
			return statusOf(k, m)
		}
		if isUserFunc(f.Func) {
			break
		}
	}
	if s.Parked {
		return "parked"
	}
	return "running"
}

// statusOf returns the runtime's wait reason for a wait on kind in mode.
func statusOf(k waitgraph.ResourceKind, m waitgraph.Mode) string {
	switch k {
	case waitgraph.Mutex:
		return "sync.Mutex.Lock"
	case waitgraph.RWMutex:
		if m == waitgraph.RLock {
			return "sync.RWMutex.RLock"
		}
		return "sync.RWMutex.Lock"
	case waitgraph.WaitGroup:
		return "sync.WaitGroup.Wait"
	case waitgraph.Cond:
		return "sync.Cond.Wait"
	case waitgraph.Chan:
		if m == waitgraph.Send {
			return "chan send"
		}
		return "chan receive"
	case waitgraph.Select:
		return "select"
	case waitgraph.Semaphore:
		return "semacquire"
	}
	return ""
}

// isUserFuncBytes is isUserFunc on a function name not yet a string.
func isUserFuncBytes(fn []byte) bool {
	for _, p := range userExcluded {
		if bytes.HasPrefix(fn, p) {
			return false
		}
	}
	return true
}

var userExcluded = [][]byte{[]byte("runtime."), []byte("internal/"), []byte("sync."), []byte("syscall."), []byte("time.Sleep"), []byte("runtime/"),
	[]byte(gridlockPrefix + "sync."), []byte(gridlockPrefix + "internal/")}

// gridlockPrefix starts the functions of gridlock's own packages, whose
// frames (its sync mirror parking a goroutine) are not the program's.
const gridlockPrefix = "github.com/gridlock-go/gridlock/"

// isUserFunc reports whether fn belongs to the program rather than to the
// runtime or the parts of the standard library that implement waiting.
func isUserFunc(fn string) bool {
	for _, p := range []string{"runtime.", "internal/", "sync.", "sync/atomic.", "syscall.", "time.Sleep", "runtime/",
		gridlockPrefix + "sync.", gridlockPrefix + "internal/"} {
		if strings.HasPrefix(fn, p) {
			return false
		}
	}
	return true
}
