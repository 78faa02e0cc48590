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

// Reacher is implemented by a Source that knows the program's call
// graph. With it, a wait on an object of the program (a channel, wait
// group or condition of its own) is blocked for good when no goroutine
// outside the blocked ones may yet call a function that can end it.
type Reacher interface {
	// Reach returns the functions, named as SourceFrame.Enders names
	// them, that a goroutine with stack s may yet call from where each of
	// its frames stopped; all reports that the source cannot say.
	Reach(s waitgraph.Stack) (funcs map[string]bool, all bool)
	// Called reports a function that code the source does not show may
	// call: its value is taken, or it is a method of a type made an
	// interface.
	Called(fn string) bool
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
	// Anywhere reports a frame the source cannot place at one operation
	// (a running goroutine's, or one running deferred calls): nothing is
	// inferred from it.
	Anywhere bool
	// Reaches lists the objects confined to the frame's function (see
	// SourceRef.Maker) that the rest of the function, from where the
	// frame stopped, may still operate on or hand to a goroutine it
	// starts.
	Reaches []string
	// Once is set when the frame calls sync.Once.Do: while frames inner to
	// it run the program's code (the Once's function), the frame holds the
	// Once's lock, and every other caller of Do waits; when it is the
	// innermost frame of the program, it waits (and Wait is the Once).
	Once *SourceLock
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
	// Maker, when set, names the function (as Enders names functions)
	// that made the channel, or declared the WaitGroup or Cond, and to
	// which it is confined: no code but it and its function literals
	// reaches the object, so only a goroutine inside them can end a wait
	// on it (for a select: on any of its channels).
	Maker string
	// Escapes reports that such an object (of this class, or type) is
	// handed to code the source does not show (the standard library's,
	// a dependency's): it may end a wait on it at any time.
	Escapes bool
	// Obj names the confined object (with Maker), Objs those of a
	// select, as SourceFrame.Reaches does.
	Obj  string
	Objs []string
	// Select reports the wait of a select statement: Name lists its
	// channels, and Owned says that all of them are the program's own.
	Select bool
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
	// Type is "sync.Mutex" or "sync.RWMutex" when the source shows it
	// (empty for a lock taken through a sync.Locker or a helper).
	Type string
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
		for k, fs := range b.src {
			for k := range fs.sf.Held {
				l := &fs.sf.Held[k]
				hs = append(hs, heldLock{l: l, frame: b.Stack.Frames[fs.index], addr: argAddr(d.Args(g), fs.index, l.SourceRef)})
			}
			if fs.sf.Once != nil && (k > 0 || runsInside(b.Stack.Frames[:fs.index])) {
				// Do is running the Once's function: it holds the Once.
				hs = append(hs, heldLock{l: fs.sf.Once, frame: b.Stack.Frames[fs.index], addr: argAddr(d.Args(g), fs.index, fs.sf.Once.SourceRef)})
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
func match(w *SourceRef, addr uint64, kind waitgraph.ResourceKind, h heldLock) (exact, likely bool) {
	switch {
	case addr != 0 && h.addr != 0:
		return addr == h.addr, false
	case w == nil:
		return false, false
	case w.Global && h.l.Global:
		return w.Class == h.l.Class, false
	case w.Class == "" && !w.Global && addr != 0 && h.l.Global:
		// The waiter's lock is a parameter or a sync.Locker whose
		// address the dump shows, the holder's a package variable whose
		// address it does not: the same lock, likely, if of the same type.
		return false, h.l.Type == typeOfKind(kind)
	case w.Global || h.l.Global:
		return false, false
	case w.Class != "" && w.Class == h.l.Class:
		return false, true
	}
	return false, false
}

// typeOfKind returns the sync type of a lock resource.
func typeOfKind(k waitgraph.ResourceKind) string {
	switch k {
	case waitgraph.Mutex:
		return "sync.Mutex"
	case waitgraph.RWMutex:
		return "sync.RWMutex"
	}
	return "?"
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
		case waitgraph.Chan, waitgraph.WaitGroup, waitgraph.Cond, waitgraph.Select:
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
			exact, likely := match(w, addr, r.r.Kind, h)
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
		if f.h.l.Type == "sync.Once" {
			why = fmt.Sprintf("is inside %s.Do (at %s) running its function, and so holds it (per the source)", f.h.l.Name, f.h.l.At())
		}
		switch {
		case !f.exact && f.h.l.Global:
			proven = false
			why = fmt.Sprintf("likely holds it: %s %s (locked at %s, per the source), a %s as the one waited on, which the waiter reaches through a parameter or a sync.Locker", verb, f.h.l.Name, f.h.l.At(), f.h.l.Type)
		case !f.exact:
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
	switch {
	case sf.Wait.Select:
		r.r.Name = "select on " + sf.Wait.Name
	case sf.Wait.Class != "":
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
	if rc, ok := z.src.(Reacher); ok && sf.Wait.Maker == "" && len(sf.Enders) > 0 && !sf.Wait.Escapes {
		// Any goroutine that may yet call a function that ends the
		// wait may end it; if none outside the blocked ones can, the
		// wait is over for good.
		for _, n := range z.nodes_ {
			if waiting[n] || n.b.Class == System || n.b.Class == Idle ||
				slices.ContainsFunc(r.r.Releasers, func(x waitgraph.Releaser) bool { return x.Goroutine == n.gr.ID }) {
				continue
			}
			if z.reach == nil {
				z.reach = map[*Bucket]reachSet{}
			}
			rs, ok := z.reach[n.b]
			if !ok {
				rs.funcs, rs.all = rc.Reach(n.b.Stack.Frames)
				z.reach[n.b] = rs
			}
			why := ""
			if rs.all {
				why = "the source cannot tell what it may yet call"
			} else {
				for f, what := range sf.Enders {
					if rs.funcs[f] {
						why = fmt.Sprintf("it may yet call %s, which %s (per the source)", f, what)
						break
					}
				}
			}
			if why != "" {
				r.r.Releasers = append(r.r.Releasers, waitgraph.Releaser{Goroutine: n.gr.ID, Why: why})
			}
		}
		// An ender called back by code the dump does not show (a timer's
		// function, a handler, a method called through an interface) may
		// run with no goroutine in it now.
		r.final = true
		for f := range sf.Enders {
			if rc.Called(f) {
				r.final = false
			}
		}
	}
	if m := sf.Wait.Maker; m != "" {
		// Confined to the call of m that made it: besides the enders,
		// a goroutine inside m (perhaps that call) may yet end the
		// wait, or start one that does; so may a live goroutine inside
		// one of m's function literals. Nothing else can.
		for _, n := range z.nodes_ {
			if waiting[n] || n.b.Class == System || n.b.Class == Idle {
				continue
			}
			for i, f := range n.b.Stack.Frames {
				k := funcKey(f.Func)
				if k == m && n.b.done(i, sf.Wait) {
					continue // the rest of m no longer reaches it
				}
				if k == m || (k == m+".func*" && (n.b.Class == Running || n.b.Class == External)) {
					if !slices.ContainsFunc(r.r.Releasers, func(x waitgraph.Releaser) bool { return x.Goroutine == n.gr.ID }) {
						r.r.Releasers = append(r.r.Releasers, waitgraph.Releaser{Goroutine: n.gr.ID,
							Why: fmt.Sprintf("inside %s, where it was made (per the source)", f.Func)})
					}
					break
				}
			}
		}
		r.final = true
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

// runsInside reports whether frames, the inner part of a stack, run code
// other than the runtime's and sync's: a function called back.
func runsInside(frames waitgraph.Stack) bool {
	for _, f := range frames {
		if isUserFunc(f.Func) {
			return true
		}
	}
	return false
}

// done reports that frame i of the bucket's stack, per the source, no
// longer reaches the confined object(s) of w.
func (b *Bucket) done(i int, w *SourceRef) bool {
	for _, fs := range b.src {
		if fs.index != i || fs.sf.Anywhere {
			continue
		}
		objs := w.Objs
		if w.Obj != "" {
			objs = []string{w.Obj}
		}
		if len(objs) == 0 {
			return false
		}
		for _, o := range objs {
			if slices.Contains(fs.sf.Reaches, o) {
				return false
			}
		}
		return true
	}
	return false
}

// reachSet is what a bucket's goroutines may yet call, per the source.
type reachSet struct {
	funcs map[string]bool
	all   bool
}
