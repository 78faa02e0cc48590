package dump

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// Source is what the program's source says of the frames of a dump: which
// locks each frame holds at the line where it stopped, what the innermost
// frame waits on, and which functions may end that wait. A dump does not
// show who holds a sync.Mutex; the source does: a goroutine stopped at the
// second Lock of a function holds the first, taken a few lines above and
// released on no path in between. The package analysis/dumpsrc implements
// Source with the lock-state analysis of gridlock vet.
type Source interface {
	// Frame explains frame f of a stack. Callee is the function of the
	// frame f called (the next frame inward), as the dump names it. Frame
	// returns nil when the source has nothing to say of f: it is not the
	// program's code, or its package could not be read.
	Frame(f waitgraph.Frame, callee string) *SourceFrame
}

// SourceFrame is what the source says of one frame.
type SourceFrame struct {
	// Mismatch, when not empty, says that the source does not match the
	// dump at this frame (another version of the file): nothing else is
	// set, and the frame is not explained.
	Mismatch string
	// Held lists the locks held on every path to the line where the frame
	// stopped.
	Held []SourceLock
	// Wait is what the call at the frame's line waits on, if it is a
	// synchronization operation the source can name (a Lock, a channel
	// operation, WaitGroup.Wait, Cond.Wait).
	Wait *SourceRef
	// Enders maps the functions that may end that wait (that receive from
	// or close the channel a send waits on, send on or close the channel a
	// receive waits on, call Done or Signal...) to what they do. Functions
	// are named as a dump names them, without type arguments; the function
	// literals of a function F are named together "F.func*" (main.worker.func*
	// for main.worker.func1 and main.worker.func2.1).
	Enders map[string]string
	// Owes says, for a wait on a WaitGroup, what the waiting function did
	// with it: its Adds, and the goroutines it was handed to, each owing a
	// Done; empty if the source does not show.
	Owes string
}

// SourceRef names a lock, channel, wait group or condition as the source
// of a frame spells it.
type SourceRef struct {
	// Name is the expression, e.g. "h.mu".
	Name string
	// Class is the variable or field, e.g. "example.com/app.Hub.mu"; empty
	// for a local variable.
	Class string
	// Global reports a package-level variable: one object, whatever the
	// goroutine.
	Global bool
	// Arg is the position of the frame's argument (the receiver first) the
	// object is a field of, or -1; with the argument's value as the dump
	// prints it, Arg and Offset give the object's address.
	Arg    int
	Offset int64
	// Owned reports that the object is the program's own: a variable or
	// field declared in the program's source, or made by the function
	// itself. Only code of the program reaches it, so the source shows
	// everything that may end a wait on it.
	Owned bool
}

// SourceLock is a lock held by a frame.
type SourceLock struct {
	SourceRef
	// Read reports a read lock of an RWMutex.
	Read bool
	// File and Line are where it was locked.
	File string
	Line int
	// Deferred reports that a deferred call releases it when the function
	// returns.
	Deferred bool
}

// At returns "file.go:22", where l was locked.
func (l *SourceLock) At() string {
	return shortFile(l.File) + ":" + strconv.Itoa(l.Line)
}

// frameSrc is a frame of a bucket's stack, explained.
type frameSrc struct {
	index int
	sf    *SourceFrame
}

// heldLock is a lock held by a goroutine, per the source, with its
// address when the dump's arguments give it.
type heldLock struct {
	l     *SourceLock
	frame waitgraph.Frame
	addr  uint64
}

// explain asks the source about the program's frames of every bucket, and
// computes the addresses of what each goroutine holds and waits on.
func (z *analyzer) explain() {
	if z.src == nil {
		return
	}
	mism := map[string]bool{}
	for _, b := range z.a.Buckets {
		if b.Class == System {
			continue
		}
		fr := b.Stack.Frames
		innermost := true
		for i, f := range fr {
			if !isUserFunc(f.Func) {
				continue
			}
			if isStdlib(f.Func) || isWrapper(f.Func) {
				innermost = false
				continue
			}
			callee := ""
			if i > 0 {
				callee = fr[i-1].Func
			}
			sf := z.src.Frame(f, callee)
			if sf == nil {
				innermost = false
				continue
			}
			if sf.Mismatch != "" {
				if !mism[sf.Mismatch] {
					mism[sf.Mismatch] = true
					z.a.SourceProblems = append(z.a.SourceProblems, sf.Mismatch)
				}
				innermost = false
				continue
			}
			b.src = append(b.src, frameSrc{i, sf})
			if innermost && b.Class == Blocked && sf.Wait != nil {
				b.wait = sf
			}
			innermost = false
		}
	}
	sort.Strings(z.a.SourceProblems)
	d := z.d
	z.held = make([][]heldLock, len(d.Goroutines))
	z.waitAddr = make([]uint64, len(d.Goroutines))
	for gi := range d.Goroutines {
		g := &d.Goroutines[gi]
		b := z.bucketOf[gi]
		var hs []heldLock
		for _, fs := range b.src {
			for k := range fs.sf.Held {
				l := &fs.sf.Held[k]
				hs = append(hs, heldLock{l: l, frame: b.Stack.Frames[fs.index], addr: argAddr(d.Args(g), fs.index, l.SourceRef)})
			}
		}
		z.held[gi] = hs
		if b.wait != nil && g.Addr == 0 {
			for _, fs := range b.src {
				if fs.sf == b.wait {
					z.waitAddr[gi] = argAddr(d.Args(g), fs.index, *b.wait.Wait)
				}
			}
		}
	}
}

// argAddr returns the address of r in frame i, given the goroutine's args, or 0 if the dump does
// not print the argument r is a field of.
func argAddr(args []Arg, frame int, r SourceRef) uint64 {
	if r.Arg < 0 || r.Global {
		return 0
	}
	for _, a := range args {
		if int(a.Frame) == frame && int(a.Index) == r.Arg {
			return a.Value + uint64(r.Offset)
		}
	}
	return 0
}

// isWrapper reports the functions the compiler makes for go and defer
// statements: they hold nothing.
func isWrapper(fn string) bool {
	i := strings.LastIndexByte(fn, '.')
	last := fn[i+1:]
	return strings.HasPrefix(last, "gowrap") || strings.HasPrefix(last, "deferwrap")
}

// funcKey names fn as Source.Enders does: without type arguments, and a
// function literal of F as "F.func*".
func funcKey(fn string) string {
	fn = strings.TrimSuffix(fn, "-fm") // a method value
	if c := closureOf(fn); c != "" {
		fn = c[1:] + ".func*"
	}
	if i := strings.IndexByte(fn, '['); i >= 0 {
		if j := strings.LastIndexByte(fn, ']'); j > i {
			fn = fn[:i] + fn[j+1:]
		}
	}
	return fn
}

// heldKey lists the addresses a goroutine holds, so that goroutines
// holding different locks are not merged into one node.
func (z *analyzer) heldKey(gi int) string {
	if z.held == nil {
		return ""
	}
	var sb strings.Builder
	for _, h := range z.held[gi] {
		if h.addr != 0 {
			sb.WriteString("h")
			sb.WriteString(strconv.FormatUint(h.addr, 16))
			sb.WriteByte(' ')
		}
	}
	return sb.String()
}

// match says whether holder lock h is the lock waited on as w (at address
// addr, 0 if unknown): exactly, likely (same variable or field, instance
// not shown), or not.
func match(w *SourceRef, addr uint64, h heldLock) (exact, likely bool) {
	switch {
	case addr != 0 && h.addr != 0:
		return addr == h.addr, false
	case w == nil:
		return false, false
	case w.Global || h.l.Global:
		return w.Global && h.l.Global && w.Class == h.l.Class, false
	case w.Class != "" && w.Class == h.l.Class:
		return false, true
	}
	return false, false
}

// sourceHolders names, from the source, the holders of the locks waited
// on and the goroutines that may end the other waits.
func (z *analyzer) sourceHolders() {
	if z.src == nil {
		return
	}
	z.holdWhy = map[string]map[int64]string{}
	for _, r := range z.resList {
		switch r.r.Kind {
		case waitgraph.Mutex, waitgraph.RWMutex:
			z.lockHolders(r)
		case waitgraph.Chan, waitgraph.WaitGroup, waitgraph.Cond:
			z.enders(r)
		}
	}
}

func (z *analyzer) lockHolders(r *res) {
	var addr uint64
	if r.r.Addr != "" {
		addr, _ = strconv.ParseUint(strings.TrimPrefix(r.r.Addr, "0x"), 16, 64)
	}
	var w *SourceRef
	waiting := map[*node]bool{}
	for _, n := range r.waiters {
		waiting[n] = true
		if n.b.wait != nil && w == nil {
			w = n.b.wait.Wait
		}
	}
	if w != nil && w.Class != "" {
		r.r.Name = shortClass(w.Class)
	}
	type found struct {
		n     *node
		h     heldLock
		exact bool
	}
	var holders []found
	for _, n := range z.nodes_ {
		if n.b.Class == System {
			continue
		}
		for _, h := range n.held {
			exact, likely := match(w, addr, h)
			if exact || (likely && !waiting[n]) {
				holders = append(holders, found{n, h, exact})
				break
			}
		}
	}
	if len(holders) == 0 {
		return
	}
	// The holders replace the candidates guessed from where goroutines
	// are; a waiter's own part (an RWMutex writer queued) stays.
	keep := r.r.Releasers[:0]
	for _, rel := range r.r.Releasers {
		if n := z.gidOf(rel.Goroutine); n != nil && waiting[n] {
			keep = append(keep, rel)
		}
	}
	r.r.Releasers = keep
	proven := r.r.Kind == waitgraph.Mutex
	for _, f := range holders {
		if f.n.gr.ID == 0 {
			continue
		}
		verb := "holds"
		if f.h.l.Read {
			verb = "read-holds"
		}
		why := fmt.Sprintf("%s %s (locked at %s, per the source)", verb, f.h.l.Name, f.h.l.At())
		if !f.exact {
			proven = false
			why = fmt.Sprintf("likely holds it: %s %s (locked at %s, per the source), and the dump does not show which %s that is", verb, f.h.l.Name, f.h.l.At(), shortClass(f.h.l.Class))
		}
		if f.h.l.Deferred {
			why += ", to be released by a deferred call when " + f.h.frame.Func + " returns"
		}
		if f.h.l.Read {
			proven = false
		}
		r.r.Releasers = slices.DeleteFunc(r.r.Releasers, func(x waitgraph.Releaser) bool { return x.Goroutine == f.n.gr.ID })
		r.r.Releasers = append(r.r.Releasers, waitgraph.Releaser{Goroutine: f.n.gr.ID, Why: why})
		mode := waitgraph.Lock
		if f.h.l.Read {
			mode = waitgraph.RLock
		}
		f.n.gr.Holds = append(f.n.gr.Holds, waitgraph.Hold{Resource: r.r.ID, Mode: mode,
			Stack: waitgraph.Stack{{Func: f.h.frame.Func, File: f.h.l.File, Line: f.h.l.Line}}})
		if z.holdWhy[r.r.ID] == nil {
			z.holdWhy[r.r.ID] = map[int64]string{}
		}
		z.holdWhy[r.r.ID][f.n.gr.ID] = why
	}
	r.r.Exact = true
	if proven && len(holders) == 1 {
		r.proven = true
	}
}

// enders adds, as releasers of a channel, wait group or condition, the
// goroutines inside a function that may end the wait, per the source.
func (z *analyzer) enders(r *res) {
	var sf *SourceFrame
	waiting := map[*node]bool{}
	for _, n := range r.waiters {
		waiting[n] = true
		if n.b.wait != nil && sf == nil {
			sf = n.b.wait
		}
	}
	if sf == nil {
		return
	}
	if !sf.Wait.Owned {
		// A channel from elsewhere (a timer's, a context's, a library's):
		// what may end the wait is not all in the source.
		return
	}
	if sf.Wait.Class != "" {
		r.r.Name = shortClass(sf.Wait.Class)
	}
	for _, n := range z.nodes_ {
		if waiting[n] || n.b.Class == System || n.b.Class == Idle {
			continue
		}
		for _, f := range n.b.Stack.Frames {
			what, ok := sf.Enders[funcKey(f.Func)]
			if !ok {
				continue
			}
			if !slices.ContainsFunc(r.r.Releasers, func(x waitgraph.Releaser) bool { return x.Goroutine == n.gr.ID }) {
				r.r.Releasers = append(r.r.Releasers, waitgraph.Releaser{Goroutine: n.gr.ID,
					Why: fmt.Sprintf("inside %s, which %s (per the source)", f.Func, what)})
				z.enderUsed = true
			}
			break
		}
	}
	// Likely: the goroutines that may end the wait are those the dump
	// shows inside a function that can; one started later, or reaching
	// the channel through code the source does not show, is not.
	r.r.Exact = true
}

func (z *analyzer) gidOf(id int64) *node {
	for _, n := range z.nodes_ {
		if n.gr.ID == id {
			return n
		}
	}
	return nil
}

// shortClass drops the directories of a class's import path.
func shortClass(c string) string {
	return c[strings.LastIndex(c, "/")+1:]
}
