package dump

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Class says what a goroutine is doing, as far as a dump tells.
type Class int

// The classes of goroutines.
const (
	// System goroutines are the runtime's own (GC workers, finalizers) and
	// the one that was writing the dump.
	System Class = iota
	// Running goroutines are running or runnable: executing code.
	Running
	// External goroutines are in a system call, waiting for I/O or
	// sleeping: they will go on by themselves or on outside input.
	External
	// Blocked goroutines wait on a synchronization resource: a mutex, a
	// channel, a select, a wait group, a condition, a semaphore.
	Blocked
	// Idle goroutines block forever on purpose, in a select with no cases
	// (select {}), as many a main function ends.
	Idle
)

var classNames = [...]string{System: "system", Running: "running", External: "external", Blocked: "blocked", Idle: "idle"}

// String returns "system", "running", "external", "blocked" or "idle".
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// Bucket is a set of goroutines with the same stack and status.
type Bucket struct {
	Stack  *Stack
	Status string
	Class  Class
	// Kind and Mode say what the goroutines wait on, when Class is Blocked;
	// Kind is empty if the dump does not say (a parked goroutine of a
	// debug=1 profile).
	Kind waitgraph.ResourceKind
	Mode waitgraph.Mode
	// Count is the number of goroutines in the bucket.
	Count int
	// IDs lists their ids, in the order of the dump (empty for a counted
	// profile).
	IDs []int64
	// Leaked counts the goroutines the runtime marked "(leaked)".
	Leaked int
	// MaxWait is the longest wait printed, in whole minutes.
	MaxWait time.Duration
	// Resources lists the ids of the resources the goroutines wait on, as
	// in Analysis.Graph.
	Resources []string
	// Elided reports that the runtime left frames out: a stack deeper than
	// it prints, often a runaway recursion.
	Elided bool

	key    bucketKey
	where  waitgraph.Frame // shown: the program's own innermost frame
	locker waitgraph.Frame // the innermost frame above the runtime and sync
	src    []frameSrc      // the frames the source explains
	wait   *SourceFrame    // the innermost frame, when the source names its wait
}

// Where returns the innermost frame of the program's own code, the place a
// reader looks first.
func (b *Bucket) Where() waitgraph.Frame { return b.where }

// Analysis is what a dump shows.
type Analysis struct {
	Dump *Dump
	// Buckets groups the goroutines by stack and status, the largest
	// blocked buckets first.
	Buckets []*Bucket
	// Graph is the wait-for graph recovered from the dump. Alike goroutines
	// (same bucket, same resource) are one node with a Count.
	Graph *waitgraph.Graph
	// Findings are the problems found, the most severe first.
	Findings []*report.Finding
	// WholeBlocked reports that every goroutine of the program was blocked
	// on synchronization: none running, in a system call, in I/O or asleep.
	WholeBlocked bool
	// Notes say what the dump could not tell and how to learn it.
	Notes []string
	// SourceProblems says where the program's source, when given, does
	// not match the dump (another version of a file): such frames are not
	// explained from it.
	SourceProblems []string
	// Source reports that the analysis read the program's source.
	Source bool
	// Counts of goroutines by class.
	Running, External, Blocked, Idle, System int
}

// Verdict returns the kind of the most severe finding, or "" when nothing
// is wrong as far as the dump shows.
func (a *Analysis) Verdict() report.Kind {
	if len(a.Findings) == 0 {
		return ""
	}
	return a.Findings[0].Kind
}

// Stuck reports whether the analysis found goroutines stuck: a deadlock or
// a partial deadlock. Contention, long waits and busy loops are not.
func (a *Analysis) Stuck() bool {
	for _, f := range a.Findings {
		if f.Kind == report.Deadlock || f.Kind == report.PartialDeadlock {
			return true
		}
	}
	return false
}

type bucketKey struct {
	stack  int
	status string
	leaked bool
	dumper bool
}

// node is a set of alike goroutines: one node of the graph.
type node struct {
	b    *Bucket
	addr uint64
	refs []uint64 // the resource addresses its frames reference, sorted
	gr   *waitgraph.Goroutine
	wait time.Duration
	res  *res
	held []heldLock // the locks it holds, per the source
}

// res is a resource recovered from the dump.
type res struct {
	r       *waitgraph.Resource
	waiters []*node
	proven  bool // exactness shown by the dump itself, not by candidates
	// final reports that the source shows every goroutine that may end
	// the wait (see SourceRef.Maker).
	final bool
}

// Analyze tells what d shows. It never fails: what the dump does not say
// is left out, and said in Analysis.Notes.
func Analyze(d *Dump) *Analysis { return AnalyzeSource(d, nil) }

// AnalyzeSource is Analyze with the program's source at hand (src may be
// nil): it names the holders of the locks waited on and the goroutines
// that may end the other waits, and marks each such inference "per the
// source".
func AnalyzeSource(d *Dump, src Source) *Analysis {
	a := &Analysis{Dump: d, Graph: &waitgraph.Graph{}, Source: src != nil}
	z := &analyzer{a: a, d: d, buckets: make(map[bucketKey]*Bucket), src: src}
	z.bucket()
	z.explain()
	z.nodes()
	z.resources()
	z.sourceHolders()
	z.snapshot()
	z.decide()
	z.longBlocked()
	z.contention()
	z.busy()
	z.notes()
	slices.SortStableFunc(a.Findings, func(x, y *report.Finding) int { return cmp.Compare(severity(x.Kind), severity(y.Kind)) })
	return a
}

func severity(k report.Kind) int {
	switch k {
	case report.Deadlock:
		return 0
	case report.PartialDeadlock:
		return 1
	case report.Busy:
		return 2
	case report.LockContention:
		return 3
	}
	return 4
}

type analyzer struct {
	a        *Analysis
	d        *Dump
	buckets  map[bucketKey]*Bucket
	bucketOf []*Bucket // the bucket of each goroutine of the dump
	nodeOf   map[nodeKey]*node
	nodes_   []*node
	byID     map[int64]*node
	res      map[string]*res
	resList  []*res
	addrs    map[uint64]int // addresses waited on, and by how many goroutines
	synth    int64          // synthetic ids for counted profiles
	deadlockReason,
	timeout bool
	leakProfile bool
	inGroup     map[*node]bool
	snapRes     map[string]bool // resources of the snapshot, and whether exact
	gid         map[int64]*node // node by graph id
	gs          map[int64]*waitgraph.Goroutine
	rs          map[string]*waitgraph.Resource
	src         Source
	held        [][]heldLock // per goroutine of the dump, with source
	waitAddr    []uint64     // per goroutine: the address waited on, from the source
	holdWhy     map[string]map[int64]string
	enderUsed   bool // the source named a goroutine that may end a wait
	reach       map[*Bucket]reachSet
}

func (z *analyzer) goroutine(id int64) *waitgraph.Goroutine { return z.gs[id] }

func (z *analyzer) resource(id string) *waitgraph.Resource { return z.rs[id] }

type nodeKey struct {
	b    *Bucket
	addr uint64
	refs string
	id   int64 // set for goroutines that must stay alone (in a snapshot)
}

// bucket groups the goroutines and classifies each bucket.
func (z *analyzer) bucket() {
	d := z.d
	z.deadlockReason = strings.Contains(d.Reason, "all goroutines are asleep")
	z.timeout = strings.Contains(d.Reason, "test timed out")
	z.leakProfile = d.Format == LeakReport
	z.bucketOf = make([]*Bucket, len(d.Goroutines))
	for i := range d.Goroutines {
		g := &d.Goroutines[i]
		k := bucketKey{stack: g.Stack, status: g.Status, leaked: g.Leaked}
		if i == 0 && d.Reason == "" && d.Format == Traceback && g.Status == "running" {
			// runtime.Stack and goroutine?debug=2 print the goroutine
			// that asked for the dump first, running.
			k.dumper = true
		}
		b := z.buckets[k]
		if b == nil {
			b = z.newBucket(k, g)
			z.buckets[k] = b
			z.a.Buckets = append(z.a.Buckets, b)
		}
		z.bucketOf[i] = b
		b.Count += g.Count
		if g.ID != 0 {
			b.IDs = append(b.IDs, g.ID)
		}
		if g.Leaked {
			b.Leaked += g.Count
		}
		if g.Elided != 0 {
			b.Elided = true
		}
		b.MaxWait = max(b.MaxWait, g.Waited)
		switch b.Class {
		case Running:
			z.a.Running += g.Count
		case External:
			z.a.External += g.Count
		case Blocked:
			z.a.Blocked += g.Count
		case Idle:
			z.a.Idle += g.Count
		default:
			z.a.System += g.Count
		}
	}
	slices.SortStableFunc(z.a.Buckets, func(x, y *Bucket) int {
		if c := cmp.Compare(classRank(x.Class), classRank(y.Class)); c != 0 {
			return c
		}
		return cmp.Compare(y.Count, x.Count)
	})
}

func classRank(c Class) int {
	switch c {
	case Blocked:
		return 0
	case Running:
		return 1
	case External:
		return 2
	case Idle:
		return 3
	}
	return 4
}

func (z *analyzer) newBucket(k bucketKey, g *Goroutine) *Bucket {
	s := z.d.Stack(g)
	b := &Bucket{Stack: s, Status: g.Status, key: k}
	b.where = programFrame(s)
	b.locker = userFrame(s)
	b.Class = classOf(g, s)
	if k.dumper {
		b.Class = System
	}
	if b.Class == Blocked {
		b.Kind, b.Mode = classify(g.Status, s.Frames)
		if b.Kind == "" {
			b.Kind = waitgraph.Unknown
		}
	}
	return b
}

// programFrame returns the innermost frame of the program's own code,
// past the standard library's (net/http, bufio...), or userFrame's if it
// has none.
func programFrame(s *Stack) waitgraph.Frame {
	for _, f := range s.Frames {
		if isUserFunc(f.Func) && !isStdlib(f.Func) {
			return f
		}
	}
	return userFrame(s)
}

// isStdlib reports whether fn is in the standard library: its import path
// has no dot in its first element, and it is not package main.
func isStdlib(fn string) bool {
	path := fn
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		if j := strings.IndexByte(path[i:], '.'); j >= 0 {
			path = path[:i+j]
		}
	} else if j := strings.IndexByte(path, '.'); j >= 0 {
		path = path[:j]
	}
	if path == "main" {
		return false
	}
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// userFrame returns the innermost frame above the runtime and sync.
func userFrame(s *Stack) waitgraph.Frame {
	for _, f := range s.Frames {
		if isUserFunc(f.Func) {
			return f
		}
	}
	if s.CreatedBy != nil {
		return *s.CreatedBy
	}
	return s.Frames.Top()
}

// classOf classifies a goroutine by its status and stack.
func classOf(g *Goroutine, s *Stack) Class {
	if isSystem(g, s) {
		return System
	}
	if g.Status == "select (no cases)" {
		return Idle
	}
	if g.ID == 0 && g.Status == "parked" && userFrame(s).Func == "main.main" {
		// A counted profile does not say why main is parked; a main
		// function parked for good is most often in select {}.
		return Idle
	}
	if g.Leaked {
		return Blocked
	}
	switch g.Status {
	case "running", "runnable", "preempted", "copystack", "GC assist marking", "GC assist wait",
		"garbage collection", "garbage collection scan", "stopping the world", "wait for GC cycle",
		"debug call", "flushing proc caches", "coroutine":
		return Running
	case "syscall", "IO wait", "sleep", "waiting for cgo callback", "dumping heap":
		return External
	case "":
		if k, _ := classifyFrames(s.Frames); k != "" {
			return Blocked
		}
		return Running
	}
	if k, _ := classify(g.Status, s.Frames); k != "" {
		return Blocked
	}
	if g.Status == "parked" {
		return Blocked
	}
	// A wait reason this version does not know: something will wake it.
	return External
}

// isSystem reports the runtime's own goroutines and the dumper.
func isSystem(g *Goroutine, s *Stack) bool {
	if g.ID == 0 && g.Count == 1 && g.Status != "" && len(s.Frames) > 0 && strings.HasPrefix(s.Frames[0].Func, "runtime.") {
		// An M's g0 or gsignal in a SIGQUIT or crash dump.
		return true
	}
	if s.CreatedBy != nil && strings.HasPrefix(s.CreatedBy.Func, "runtime.") {
		return true
	}
	for _, f := range s.Frames {
		switch {
		case f.Func == "runtime.Stack", strings.HasPrefix(f.Func, "runtime/pprof.writeGoroutine"),
			strings.HasPrefix(f.Func, "runtime/pprof.writeRuntimeProfile"), f.Func == "runtime/pprof.(*Profile).WriteTo",
			strings.HasPrefix(f.Func, "testing.(*M).startAlarm"), f.Func == "runtime.goroutineProfileWithLabels":
			return true
		}
	}
	if n := len(s.Frames); n > 0 {
		// The outermost frame of a runtime goroutine (bgsweep, forcegc...).
		last := s.Frames[n-1]
		if last.Func == "runtime.goexit" && n > 1 {
			last = s.Frames[n-2]
		}
		if strings.HasPrefix(last.Func, "runtime.") && last.Func != "runtime.main" && s.CreatedBy == nil && g.ID != 1 {
			return true
		}
	}
	return false
}

// nodes merges alike goroutines into nodes of the graph.
func (z *analyzer) nodes() {
	d := z.d
	z.addrs = make(map[uint64]int)
	for i := range d.Goroutines {
		if a := z.addrOf(i); a != 0 {
			z.addrs[a]++
		}
	}
	// Addresses some goroutine's frames point at.
	refd := make(map[uint64]bool)
	for i := range d.Goroutines {
		for _, r := range d.Goroutines[i].Refs {
			if z.addrs[r] > 0 {
				refd[r] = true
			}
		}
	}
	alone := make(map[int64]bool)
	if d.Snapshot != nil {
		for _, g := range d.Snapshot.Goroutines {
			alone[g.ID] = true
		}
	}
	z.nodeOf = make(map[nodeKey]*node)
	z.byID = make(map[int64]*node)
	var refs []uint64
	var sb strings.Builder
	for i := range d.Goroutines {
		g := &d.Goroutines[i]
		b := z.bucketOf[i]
		refs = refs[:0]
		addr := z.addrOf(i)
		for _, r := range g.Refs {
			if z.addrs[r] > 0 && r != addr {
				refs = append(refs, r)
			}
		}
		if addr != 0 && z.addrs[addr] == 1 && !refd[addr] && b.Count > maxGuesses && d.Snapshot == nil {
			// One of many alike goroutines, each alone on its own
			// resource, which nothing else points at: nothing can be
			// learned from the address, so they make one node (and the
			// graph of a dump of a million goroutines stays small).
			addr = 0
		}
		slices.Sort(refs)
		sb.Reset()
		for _, r := range refs {
			sb.WriteString(strconv.FormatUint(r, 16))
			sb.WriteByte(' ')
		}
		sb.WriteString(z.heldKey(i))
		k := nodeKey{b: b, addr: addr, refs: sb.String()}
		if alone[g.ID] {
			k.id = g.ID
		}
		n := z.nodeOf[k]
		if n == nil {
			n = &node{b: b, addr: addr, refs: slices.Clone(refs)}
			if z.held != nil {
				n.held = z.held[i]
			}
			id := g.ID
			if id == 0 {
				z.synth--
				id = z.synth
			}
			n.gr = &waitgraph.Goroutine{
				ID:        id,
				Name:      g.Labels,
				State:     g.Status,
				Stack:     displayStack(b.Stack),
				CreatedBy: b.Stack.CreatedBy,
				Creator:   g.Creator,
				Runnable:  b.Class == Running || b.Class == External,
			}
			z.nodeOf[k] = n
			z.nodes_ = append(z.nodes_, n)
			z.a.Graph.Goroutines = append(z.a.Graph.Goroutines, n.gr)
		}
		if n.gr.Count > 0 && n.gr.Name != g.Labels {
			n.gr.Name = "" // alike goroutines with different labels
		}
		n.gr.Count += g.Count
		n.wait = max(n.wait, g.Waited)
		if g.ID != 0 && d.Snapshot != nil {
			z.byID[g.ID] = n
		}
	}
	for _, n := range z.nodes_ {
		if n.gr.Count == 1 {
			n.gr.Count = 0
		}
	}
}

// addrOf returns the address goroutine i waits on: the dump's, else the
// source's.
func (z *analyzer) addrOf(i int) uint64 {
	if a := z.d.Goroutines[i].Addr; a != 0 || z.waitAddr == nil {
		return a
	}
	return z.waitAddr[i]
}

// displayStack drops the runtime's frames on top of a stack, keeping the
// sync call the program made.
func displayStack(s *Stack) waitgraph.Stack {
	fr := s.Frames
	for i, f := range fr {
		if !strings.HasPrefix(f.Func, "runtime.") && !strings.HasPrefix(f.Func, "internal/") &&
			!strings.HasPrefix(f.Func, "sync.runtime_") {
			fr = fr[i:]
			break
		}
	}
	if n := len(fr); n > 0 && fr[n-1].Func == "runtime.goexit" {
		fr = fr[:n-1]
	}
	return fr
}

// fromUser drops the frames above the program's own innermost one.
func fromUser(s waitgraph.Stack) waitgraph.Stack {
	for i, f := range s {
		if isUserFunc(f.Func) {
			return s[i:]
		}
	}
	return s
}

func (z *analyzer) resourceID(kind waitgraph.ResourceKind, addr uint64, n *node) string {
	if addr != 0 {
		return fmt.Sprintf("%s 0x%x", kind, addr)
	}
	return fmt.Sprintf("%s of %s", kind, nodeLabel(n.gr))
}

func shortFile(f string) string {
	if i := strings.LastIndexByte(f, '/'); i >= 0 {
		if j := strings.LastIndexByte(f[:i], '/'); j >= 0 {
			return f[j+1:]
		}
	}
	return f
}

// resources recovers the resources waited on, who may release them, and
// how sure the dump makes that.
func (z *analyzer) resources() {
	z.res = make(map[string]*res)
	a := z.a
	// The whole program is blocked when no goroutine of the program runs,
	// is in a system call or I/O, or sleeps.
	a.WholeBlocked = a.Blocked > 0 && a.Running == 0 && a.External == 0 && z.d.Format != LeakReport
	for _, n := range z.nodes_ {
		if n.b.Class != Blocked {
			continue
		}
		id := z.resourceID(n.b.Kind, n.addr, n)
		r := z.res[id]
		if r == nil {
			r = &res{r: &waitgraph.Resource{ID: id, Kind: n.b.Kind}}
			if n.addr != 0 {
				r.r.Addr = fmt.Sprintf("0x%x", n.addr)
				r.r.Name = r.r.Addr
			} else {
				r.r.Name = strings.TrimPrefix(id, string(n.b.Kind)+" ")
			}
			if n.b.Kind == waitgraph.Mutex || n.b.Kind == waitgraph.RWMutex {
				r.r.HoldersUnknown = true
			}
			z.res[id] = r
			z.resList = append(z.resList, r)
			a.Graph.Resources = append(a.Graph.Resources, r.r)
		}
		r.waiters = append(r.waiters, n)
		n.res = r
		n.gr.Wait = &waitgraph.WaitFor{Resource: id, Mode: n.b.Mode, For: n.wait, Stack: fromUser(n.gr.Stack)}
		if n.b.Mode == "" {
			n.gr.Wait.Mode = waitgraph.Wait
		}
		if !slices.Contains(n.b.Resources, id) && len(n.b.Resources) < 16 {
			n.b.Resources = append(n.b.Resources, id)
		}
	}
	// Who may release each resource: the goroutines whose frames point at
	// it, and (see guess below) those inside a function that waits on it.
	byRef := make(map[uint64][]*node)
	byBucket := make(map[*Bucket][]*node)
	for _, n := range z.nodes_ {
		if n.b.Class == System || n.b.Class == Idle {
			continue
		}
		for _, a := range n.refs {
			byRef[a] = append(byRef[a], n)
		}
		byBucket[n.b] = append(byBucket[n.b], n)
	}
	byFunc := make(map[string][]*Bucket) // user functions and receiver types on each stack
	for b := range byBucket {
		seen := map[string]bool{}
		for _, f := range b.Stack.Frames {
			if !isUserFunc(f.Func) {
				continue
			}
			for _, k := range []string{f.Func, receiver(f.Func), closureOf(f.Func)} {
				if k != "" && !seen[k] {
					seen[k] = true
					byFunc[k] = append(byFunc[k], b)
				}
			}
		}
	}
	for _, r := range z.resList {
		waiting := make(map[*node]bool, len(r.waiters))
		for _, w := range r.waiters {
			waiting[w] = true
		}
		var addr uint64
		if r.r.Addr != "" {
			addr, _ = strconv.ParseUint(strings.TrimPrefix(r.r.Addr, "0x"), 16, 64)
		}
		opaque := r.r.Kind == waitgraph.Select || r.r.Kind == waitgraph.Unknown
		leaked := true
		for _, w := range r.waiters {
			if w.b.Leaked == 0 {
				leaked = false
			}
		}
		// Guessing releasers from where goroutines are (inside a function
		// or a type that uses r) is sound enough for a lock: whoever holds
		// it locked it there. A channel is also fed through the heap and by
		// timers (a pipeline of one function looks like a cycle), so for
		// the others such guesses only draw the cycle of goroutines the
		// runtime itself found stuck.
		guess := (r.r.HoldersUnknown || leaked || z.deadlockReason) && !opaque
		lockers := lockerFuncs(r)
		added := map[*node]bool{}
		add := func(n *node, why string) {
			if why != "" && !added[n] {
				added[n] = true
				r.r.Releasers = append(r.r.Releasers, waitgraph.Releaser{Goroutine: n.gr.ID, Why: why})
			}
		}
		for _, w := range r.waiters {
			add(w, z.waiterReleases(r, w, lockers))
		}
		if addr != 0 {
			for _, n := range byRef[addr] {
				if !waiting[n] {
					add(n, "its frames reference 0x"+strconv.FormatUint(addr, 16))
				}
			}
		}
		if guess {
			var cands []*node
			seenB := map[*Bucket]bool{}
			var bs []*Bucket
			total := 0
			for _, l := range lockers {
				for _, k := range []string{l, receiver(l), closureOf(l)} {
					for _, b := range byFunc[k] {
						if !seenB[b] {
							seenB[b] = true
							bs = append(bs, b)
							total += len(byBucket[b])
						}
					}
				}
			}
			if total-len(r.waiters) > maxGuesses {
				bs = nil // too many to say anything
			}
			for _, b := range bs {
				for _, n := range byBucket[b] {
					if !waiting[n] && !added[n] {
						cands = append(cands, n)
					}
				}
			}
			if len(cands) <= maxGuesses {
				for _, n := range cands {
					add(n, inLocker(n.b.Stack, lockers, false))
				}
			}
		}
		switch {
		case leaked:
			// The garbage collector found no live goroutine that can
			// reach what they wait on: stuck, whoever the releasers are.
			r.r.Exact, r.proven = true, true
		case a.WholeBlocked:
			// Every goroutine is blocked. If the runtime said so itself,
			// nothing can release anything; otherwise something it can
			// see (a timer, a system call) was still pending.
			r.r.Exact, r.proven = true, z.deadlockReason
		case len(r.r.Releasers) > 0 && !opaque:
			// Likely: every goroutine that can be seen to reach it is
			// listed; one reaching it through the heap is not.
			r.r.Exact = true
		}
	}
}

// waiterReleases says why a goroutine n waiting on r may also release
// other waiters of r: a reader of an RWMutex that already read-holds it
// (a recursive RLock) blocks writers; a writer waiting blocks new readers;
func (z *analyzer) waiterReleases(r *res, n *node, lockers []string) string {
	switch {
	case r.r.Kind == waitgraph.RWMutex && n.b.Mode == waitgraph.Lock:
		return "waits to write: new readers queue behind it"
	case r.r.Kind == waitgraph.RWMutex && inLocker(n.b.Stack, lockers, true) != "":
		// A recursive RLock: it may read-hold it already. (A plain mutex
		// waiter inside a method of the type proves nothing: the method
		// that waits may be the first to lock.)
		return "may read-hold it already: " + inLocker(n.b.Stack, lockers, true)
	}
	return ""
}

// maxGuesses bounds the goroutines guessed to hold a resource: past it,
// being inside the same function says nothing about who holds it.
const maxGuesses = 64

// lockerFuncs returns the functions that wait on r (called Lock, sent,
// received, waited), as the first frame of the program's code of each
// waiter: a goroutine inside one of them, or inside a method of the same
// type, may hold r or be the other end of its channel.
func lockerFuncs(r *res) []string {
	if r.r.Kind == waitgraph.Select || r.r.Kind == waitgraph.Unknown {
		return nil
	}
	var fs []string
	for _, w := range r.waiters {
		f := w.b.locker.Func
		if f != "" && !slices.Contains(fs, f) {
			fs = append(fs, f)
		}
	}
	return fs
}

// receiver returns "pkg.(*T)" for a method "pkg.(*T).M" (or a closure in
// it), or "".
func receiver(fn string) string {
	i := strings.Index(fn, ".(*")
	if i < 0 {
		return ""
	}
	j := strings.Index(fn[i:], ").")
	if j < 0 {
		return ""
	}
	return fn[:i+j+1]
}

// inLocker says why a goroutine with stack s may hold a lock taken by the
// functions lockers: it is inside one of them, or inside a method of the
// same type. It returns "" if neither. With below, the innermost frame of
// the program's code (where the goroutine waits) does not count.
func inLocker(s *Stack, lockers []string, below bool) string {
	first := true
	for _, f := range s.Frames {
		if !isUserFunc(f.Func) {
			continue
		}
		if first && below {
			first = false
			continue
		}
		for _, l := range lockers {
			if f.Func == l {
				return "inside " + l + ", which locks it"
			}
			if rc := receiver(l); rc != "" && receiver(f.Func) == rc {
				return "inside " + f.Func + ", a method of " + rc + ", whose " + shortName(l) + " locks it"
			}
			if c := closureOf(l); c != "" && closureOf(f.Func) == c {
				return "inside " + f.Func + ", a function literal of " + strings.TrimPrefix(c, "@") + " like " + l + ", which locks it: they share its variables"
			}
		}
	}
	return ""
}

// closureOf returns "@F" for a function literal F.funcN (or F.gowrapN, or
// one nested in them) and "" for other functions: the literals of one
// function share its variables, and so its locks and channels.
func closureOf(fn string) string {
	i := strings.LastIndexByte(fn, '/')
	name := fn[i+1:]
	for _, mark := range []string{".func", ".gowrap"} {
		if j := strings.Index(name, mark); j > 0 {
			rest := name[j+len(mark):]
			if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
				return "@" + fn[:i+1+j]
			}
		}
	}
	return ""
}

func shortName(fn string) string {
	if i := strings.LastIndexByte(fn, '.'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

// snapshot merges gridlock's own wait-for graph: its locks' holders and
// waiters are exact.
func (z *analyzer) snapshot() {
	s := z.d.Snapshot
	if s == nil {
		return
	}
	g := z.a.Graph
	have := make(map[string]bool, len(g.Resources))
	for _, r := range g.Resources {
		have[r.ID] = true
	}
	for _, r := range s.Resources {
		if !have[r.ID] {
			rc := *r
			g.Resources = append(g.Resources, &rc)
		}
	}
	for _, sg := range s.Goroutines {
		n := z.byID[sg.ID]
		if n == nil {
			if len(z.d.Goroutines) > 0 && sg.ID > 0 {
				// Not in the dump: it ended between the snapshot and the
				// dump; it can no longer hold anything.
				continue
			}
			c := *sg
			g.Goroutines = append(g.Goroutines, &c)
			continue
		}
		n.gr.Holds = append(n.gr.Holds, sg.Holds...)
		if sg.Wait != nil {
			w := *sg.Wait
			if len(w.Stack) == 0 {
				w.Stack = n.gr.Stack
			}
			n.gr.Wait = &w
			n.gr.Runnable = false
			if n.res != nil {
				n.res.waiters = slices.DeleteFunc(n.res.waiters, func(x *node) bool { return x == n })
			}
			n.res = nil
		}
		if sg.Name != "" {
			n.gr.Name = sg.Name
		}
	}
	z.snapRes = make(map[string]bool)
	for _, r := range s.Resources {
		z.snapRes[r.ID] = r.Exact
	}
}

// decide finds the stuck groups with the waitgraph detector.
func (z *analyzer) decide() {
	a := z.a
	z.gid = make(map[int64]*node, len(z.nodes_))
	for _, n := range z.nodes_ {
		z.gid[n.gr.ID] = n
	}
	z.gs = make(map[int64]*waitgraph.Goroutine, len(a.Graph.Goroutines))
	for _, g := range a.Graph.Goroutines {
		z.gs[g.ID] = g
	}
	z.rs = make(map[string]*waitgraph.Resource, len(a.Graph.Resources))
	for _, r := range a.Graph.Resources {
		z.rs[r.ID] = r
	}
	z.inGroup = make(map[*node]bool)
	merged := map[string]int{} // buckets of a final group → its index in pending
	var pending []waitgraph.Group
	for _, grp := range a.Graph.Stuck() {
		proven := true
		for _, id := range grp.Goroutines {
			if !z.provenWait(id) {
				proven = false
			}
		}
		grp.Cycle = z.cycle(grp)
		if !proven && len(grp.Cycle) == 0 && (!a.WholeBlocked || !z.lockWait(grp)) && !z.finalGroup(grp) {
			// Stuck only under an assumption (the candidates, or no timer
			// pending) and without a circular wait to show for it: too
			// weak to report, unless a lock, wait group or condition that
			// no timer can release holds them.
			continue
		}
		for _, id := range grp.Goroutines {
			if n := z.gid[id]; n != nil {
				z.inGroup[n] = true
			}
		}
		if len(grp.Cycle) == 0 && !proven && z.finalGroup(grp) {
			// Alike goroutines each blocked for good on its own object
			// (a leak repeated) make one finding.
			k := z.bucketsOf(grp)
			if i, ok := merged[k]; ok {
				pending[i].Goroutines = append(pending[i].Goroutines, grp.Goroutines...)
				continue
			}
			merged[k] = len(pending)
			pending = append(pending, grp)
			continue
		}
		a.Findings = append(a.Findings, z.groupFinding(grp, proven))
	}
	for _, grp := range pending {
		a.Findings = append(a.Findings, z.groupFinding(grp, false))
	}
	if z.deadlockReason && len(a.Findings) == 0 {
		// The runtime stopped the program: "all goroutines are asleep".
		f := &report.Finding{Kind: report.PartialDeadlock, Source: "dump", Certainty: report.Certain,
			Summary: "the runtime found every goroutine asleep and stopped the program"}
		for _, n := range z.nodes_ {
			if n.b.Class == Blocked || n.b.Class == Idle {
				f.Goroutines = append(f.Goroutines, n.gr)
				f.Positions = append(f.Positions, n.b.where.Pos())
			}
		}
		f.Hint = f.Kind.Info().Hint
		a.Findings = append(a.Findings, f)
	}
}

// cycle returns a circular wait in the group, preferring one through two
// or more goroutines to a goroutine waiting for itself.
func (z *analyzer) cycle(grp waitgraph.Group) []int64 {
	if len(grp.Cycle) != 1 || len(grp.Goroutines) == 1 {
		return grp.Cycle
	}
	in := map[int64]bool{}
	for _, id := range grp.Goroutines {
		in[id] = true
	}
	succ := func(id int64) []int64 {
		g := z.goroutine(id)
		if g == nil || g.Wait == nil {
			return nil
		}
		r := z.resource(g.Wait.Resource)
		if r == nil {
			return nil
		}
		var out []int64
		for _, rel := range r.Releasers {
			if in[rel.Goroutine] && rel.Goroutine != id {
				out = append(out, rel.Goroutine)
			}
		}
		return out
	}
	if c := waitgraph.FindCycle(grp.Goroutines, succ); len(c) > 0 {
		return c
	}
	return grp.Cycle
}

// bucketsOf names the buckets of grp's goroutines.
func (z *analyzer) bucketsOf(grp waitgraph.Group) string {
	var ks []string
	for _, id := range grp.Goroutines {
		if n := z.gid[id]; n != nil {
			k := fmt.Sprintf("%p", n.b)
			if !slices.Contains(ks, k) {
				ks = append(ks, k)
			}
		}
	}
	slices.Sort(ks)
	return strings.Join(ks, " ")
}

// finalGroup reports that the source shows every goroutine that may end
// the waits of grp: each member waits on a resource confined to the
// function that made it (see SourceRef.Maker).
func (z *analyzer) finalGroup(grp waitgraph.Group) bool {
	for _, id := range grp.Goroutines {
		n := z.gid[id]
		if n == nil || n.res == nil || !n.res.final {
			return false
		}
	}
	return len(grp.Goroutines) > 0
}

// finalWhy says why the waits of a final group cannot end.
func (z *analyzer) finalWhy(grp waitgraph.Group) string {
	var parts []string
	for _, id := range grp.Goroutines {
		n := z.gid[id]
		if n == nil || n.b.wait == nil {
			continue
		}
		w := n.b.wait.Wait
		what := w.Name
		if w.Select {
			what = "the channels of its select (" + w.Name + ")"
		}
		p := fmt.Sprintf("%s is reached only by %s and its function literals, and no goroutine that may still end the wait is inside them", what, w.Maker)
		if w.Maker == "" {
			var fs []string
			for f, do := range n.b.wait.Enders {
				fs = append(fs, f+" ("+do+")")
			}
			slices.Sort(fs)
			if len(fs) > 3 {
				fs = append(fs[:3], "...")
			}
			p = fmt.Sprintf("of the functions that may end the wait on %s, %s, none is or may yet be called by a goroutine outside them", what, strings.Join(fs, ", "))
		}
		if !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "; ")
}

// lockWait reports that a member of grp waits on a lock, a wait group or a
// condition, which no timer releases.
func (z *analyzer) lockWait(grp waitgraph.Group) bool {
	for _, id := range grp.Goroutines {
		if n := z.gid[id]; n != nil && n.res != nil {
			switch n.res.r.Kind {
			case waitgraph.Mutex, waitgraph.RWMutex, waitgraph.WaitGroup, waitgraph.Cond:
				return true
			}
		}
	}
	return false
}

// provenWait reports that the wait of graph goroutine id was decided by
// the dump or the snapshot alone, not by guessing candidates.
func (z *analyzer) provenWait(id int64) bool {
	g := z.goroutine(id)
	if g == nil || g.Wait == nil {
		return false
	}
	if exact, ok := z.snapRes[g.Wait.Resource]; ok {
		return exact
	}
	n := z.gid[id]
	return n != nil && n.res != nil && n.res.proven
}

func (z *analyzer) label(id int64) string {
	g := z.goroutine(id)
	if g == nil {
		return fmt.Sprintf("goroutine %d", id)
	}
	return nodeLabel(g)
}

func nodeLabel(g *waitgraph.Goroutine) string {
	var s string
	if g.ID < 0 {
		s = "goroutines of a counted stack"
		if g.Count <= 1 {
			s = "a goroutine of a counted stack"
		}
	} else {
		s = fmt.Sprintf("goroutine %d", g.ID)
	}
	if g.Count > 1 && g.ID > 0 {
		s += fmt.Sprintf(" (and %d like it)", g.Count-1)
	} else if g.Count > 1 {
		s = fmt.Sprintf("%d %s", g.Count, s)
	}
	return s
}

func (z *analyzer) groupFinding(grp waitgraph.Group, proven bool) *report.Finding {
	a := z.a
	f := &report.Finding{Source: "dump", Certainty: report.Certain}
	if !proven {
		f.Certainty = report.Likely
	}
	order := slices.Clone(grp.Cycle)
	for _, id := range grp.Goroutines {
		if !slices.Contains(order, id) {
			order = append(order, id)
		}
	}
	used := map[string]bool{}
	total := 0
	for _, id := range order {
		g := z.goroutine(id)
		if g == nil {
			continue
		}
		total += max(g.Count, 1)
		f.Goroutines = append(f.Goroutines, g)
		if g.Wait != nil {
			used[g.Wait.Resource] = true
			f.Positions = append(f.Positions, whereOf(g).Pos())
		}
		for _, h := range g.Holds {
			used[h.Resource] = true
		}
	}
	for _, r := range a.Graph.Resources {
		if used[r.ID] {
			f.Resources = append(f.Resources, r)
		}
	}
	var b strings.Builder
	switch {
	case z.deadlockReason:
		b.WriteString("the runtime found every goroutine asleep: ")
	case z.timeout:
		b.WriteString("the test timed out with every goroutine blocked: ")
	case a.WholeBlocked:
		b.WriteString("the whole program is blocked: ")
	}
	if len(grp.Cycle) > 0 {
		f.Kind = report.Deadlock
		for i, id := range grp.Cycle {
			next := grp.Cycle[(i+1)%len(grp.Cycle)]
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(z.waitPhrase(id, next))
		}
		if len(grp.Goroutines) > len(grp.Cycle) {
			fmt.Fprintf(&b, "; %s more wait on them", plural(total-len(grp.Cycle), "goroutine"))
		}
	} else {
		f.Kind = report.PartialDeadlock
		fmt.Fprintf(&b, "%s blocked for good: ", plural(total, "goroutine"))
		var parts []string
		for i, id := range order {
			if i == 4 {
				parts = append(parts, fmt.Sprintf("%d more", len(order)-4))
				break
			}
			parts = append(parts, z.waitPhrase(id, 0))
		}
		b.WriteString(strings.Join(parts, "; "))
		switch {
		case z.leakProfile || z.allLeaked(grp):
			b.WriteString("; the garbage collector found nothing live that can reach what they wait on")
		case !proven && z.finalGroup(grp):
			b.WriteString("; per the source, " + z.finalWhy(grp) + ": nothing can end their waits")
		default:
			b.WriteString("; nothing outside them can release them")
		}
	}
	f.Summary = b.String()
	f.Hint = f.Kind.Info().Hint
	return f
}

func (z *analyzer) allLeaked(grp waitgraph.Group) bool {
	for _, id := range grp.Goroutines {
		if n := z.gid[id]; n == nil || n.b.Leaked == 0 {
			return false
		}
	}
	return true
}

func whereOf(g *waitgraph.Goroutine) waitgraph.Frame {
	return programFrame(&Stack{Frames: g.Stack})
}

// waitPhrase says "goroutine 21 waits for mutex 0x... at main.go:22, probably
// held by goroutine 22".
func (z *analyzer) waitPhrase(id, next int64) string {
	g := z.goroutine(id)
	if g == nil || g.Wait == nil {
		return z.label(id)
	}
	w := whereOf(g)
	verb := "waits"
	if g.Count > 1 {
		verb = "wait"
	}
	var s string
	r := z.resource(g.Wait.Resource)
	switch {
	case r != nil && r.Kind == waitgraph.Select && strings.HasPrefix(r.Name, "select on "):
		s = fmt.Sprintf("%s %s in a %s at %s", z.label(id), verb, r.Name, shortPos(w))
	case r != nil && r.Addr == "" && r.Kind == waitgraph.Select:
		s = fmt.Sprintf("%s %s in a select at %s", z.label(id), verb, shortPos(w))
	case r != nil && r.Addr == "" && r.Kind == waitgraph.Unknown:
		s = fmt.Sprintf("%s %s, parked (the dump does not say on what), at %s", z.label(id), verb, shortPos(w))
	case g.Wait.Mode == waitgraph.Wait:
		s = fmt.Sprintf("%s %s for %s at %s", z.label(id), verb, g.Wait.Resource, shortPos(w))
	default:
		s = fmt.Sprintf("%s %s for %s (%s) at %s", z.label(id), verb, g.Wait.Resource, g.Wait.Mode, shortPos(w))
	}
	if g.Wait.For > 0 {
		s += fmt.Sprintf(" for %s", minutes(g.Wait.For))
	}
	if n := z.gid[id]; n != nil && n.b.wait != nil && n.b.wait.Owes != "" {
		s += " (per the source: " + n.b.wait.Owes + z.owing(r) + ")"
	}
	if next == 0 {
		return s
	}
	if why := z.holdWhy[g.Wait.Resource][next]; why != "" {
		if next == id {
			return s + ", held by itself: it " + why
		}
		return s + ", held by " + z.label(next) + ", which " + why
	}
	switch {
	case r != nil && r.HoldersUnknown:
		s += ", probably held by " + z.label(next)
	case r != nil && (r.Kind == waitgraph.Mutex || r.Kind == waitgraph.RWMutex):
		s += ", held by " + z.label(next)
	default:
		s += ", which only " + z.label(next) + " may release"
	}
	if z.src != nil && r != nil {
		// With the source, say why: what the releaser is inside of.
		for _, rel := range r.Releasers {
			if rel.Goroutine == next && rel.Why != "" {
				s += " (" + rel.Why + ")"
				break
			}
		}
	}
	return s
}

// owing counts, for a WaitGroup, the goroutines of the dump inside a
// function that calls Done on it: each still owes a Done.
func (z *analyzer) owing(r *waitgraph.Resource) string {
	if r == nil || r.Kind != waitgraph.WaitGroup {
		return ""
	}
	n, where := 0, ""
	for _, rel := range r.Releasers {
		g := z.goroutine(rel.Goroutine)
		if g == nil || !strings.Contains(rel.Why, "calls Done") {
			continue
		}
		n += max(g.Count, 1)
		if where == "" {
			where = whereOf(g).Func
		}
	}
	if n == 0 {
		return "; no goroutine of the dump is inside a function that calls Done on it"
	}
	return fmt.Sprintf("; %s inside %s still owe a Done", plural(n, "goroutine"), where)
}

func shortPos(f waitgraph.Frame) string {
	if f.File == "" {
		return f.Func
	}
	return fmt.Sprintf("%s (%s:%d)", f.Func, shortFile(f.File), f.Line)
}

func minutes(d time.Duration) string {
	m := int(d / time.Minute)
	if m == 1 {
		return "1 minute or more"
	}
	return fmt.Sprintf("%d minutes or more", m)
}

// contention reports locks whose waiters are not stuck: the likely holder
// is doing I/O, sleeping or running (slow, not stuck), or nobody visible
// holds it and the wait is long. Locks whose waiters and likely holders
// have the same stacks make one finding.
func (z *analyzer) contention() {
	a := z.a
	type key struct {
		kind   report.Kind
		waiter *Bucket
		holder *Bucket
	}
	type agg struct {
		waiters []*node
		holder  *node
		res     []*waitgraph.Resource
		total   int
		longest time.Duration
	}
	aggs := map[key]*agg{}
	var order []key
	for _, r := range z.resList {
		if r.r.Kind != waitgraph.Mutex && r.r.Kind != waitgraph.RWMutex {
			continue
		}
		var waiters []*node
		total := 0
		var longest time.Duration
		for _, w := range r.waiters {
			if !z.inGroup[w] {
				waiters = append(waiters, w)
				total += max(w.gr.Count, 1)
				longest = max(longest, w.wait)
			}
		}
		if len(waiters) == 0 {
			continue
		}
		var live, blocked []*node
		for _, rel := range r.r.Releasers {
			n := z.gid[rel.Goroutine]
			if n == nil || n.res == r {
				continue
			}
			switch n.b.Class {
			case External, Running:
				live = append(live, n)
			case Blocked:
				blocked = append(blocked, n)
			}
		}
		var k key
		var h *node
		switch {
		case len(live) > 0:
			h = live[0]
			for _, n := range live {
				if n.b.Class == External {
					h = n
					break
				}
			}
			if h.b.Class == Running && longest < time.Minute {
				continue // a running holder and a short wait: ordinary contention
			}
			k = key{report.LockContention, waiters[0].b, h.b}
		case len(blocked) > 0 && longest >= time.Minute:
			h = blocked[0]
			k = key{report.LockContention, waiters[0].b, h.b}
		case longest >= time.Minute:
			k = key{report.LongWait, waiters[0].b, nil}
		default:
			continue
		}
		g := aggs[k]
		if g == nil {
			g = &agg{holder: h}
			aggs[k] = g
			order = append(order, k)
		}
		g.waiters = append(g.waiters, waiters...)
		g.res = append(g.res, r.r)
		g.total += total
		g.longest = max(g.longest, longest)
	}
	for _, k := range order {
		g := aggs[k]
		f := &report.Finding{Kind: k.kind, Source: "dump", Certainty: report.Likely}
		for i, w := range g.waiters {
			if i == maxShown {
				break
			}
			f.Goroutines = append(f.Goroutines, w.gr)
		}
		if len(g.res) <= maxShown {
			f.Resources = g.res
		}
		f.Positions = []string{k.waiter.where.Pos()}
		who := plural(g.total, "goroutine") + " wait"
		if g.total == 1 {
			who = z.label(g.waiters[0].gr.ID) + " waits"
		}
		if g.longest > 0 {
			who += " for " + minutes(g.longest)
		}
		what := g.res[0].ID
		if len(g.res) > 1 {
			what = fmt.Sprintf("%d %ss", len(g.res), g.res[0].Kind)
		}
		at := shortPos(k.waiter.where)
		if h := g.holder; h != nil {
			f.Goroutines = append(f.Goroutines, h.gr)
			f.Positions = append(f.Positions, h.b.where.Pos())
			likely := "its likely holder, " + z.label(h.gr.ID) + ","
			if len(g.res) > 1 {
				likely = "their likely holders, such as " + z.label(h.gr.ID) + ","
			}
			if why := z.holdWhy[g.res[0].ID][h.gr.ID]; why != "" && len(g.res) == 1 {
				likely = "its holder, " + z.label(h.gr.ID) + ", which " + why + ","
			}
			switch h.b.Class {
			case Blocked:
				f.Summary = fmt.Sprintf("%s for %s at %s; %s is itself blocked (%s) at %s",
					who, what, at, likely, h.b.Status, shortPos(h.b.where))
			default:
				doing := "is running"
				switch h.b.Status {
				case "IO wait":
					doing = "waits for I/O"
				case "sleep":
					doing = "sleeps"
				case "syscall":
					doing = "is in a system call"
				}
				f.Summary = fmt.Sprintf("%s for %s at %s; %s %s at %s: slow, not stuck",
					who, what, at, likely, doing, shortPos(h.b.where))
			}
		} else {
			f.Summary = fmt.Sprintf("%s for %s at %s; the dump does not show who holds it", who, what, at)
		}
		f.Hint = f.Kind.Info().Hint
		a.Findings = append(a.Findings, f)
	}
}

// longBlocked reports goroutines blocked for minutes on locks whose
// holders the dump does not show (no source said who holds them), when no
// goroutine that may hold them is running, in I/O or asleep: the likely
// holders are themselves blocked, or gone. Two or more such locks are a
// likely deadlock; one, a likely partial deadlock.
func (z *analyzer) longBlocked() {
	var locks []*res
	var waiters []*node
	total := 0
	var longest time.Duration
	for _, r := range z.resList {
		if (r.r.Kind != waitgraph.Mutex && r.r.Kind != waitgraph.RWMutex) || z.holdWhy[r.r.ID] != nil {
			continue
		}
		ok := len(r.waiters) > 0
		for _, w := range r.waiters {
			if z.inGroup[w] || w.wait < time.Minute {
				ok = false
			}
		}
		for _, rel := range r.r.Releasers {
			if n := z.gid[rel.Goroutine]; n != nil && (n.b.Class == Running || n.b.Class == External) {
				ok = false // a candidate holder is live: slow, perhaps
			}
		}
		if !ok {
			continue
		}
		locks = append(locks, r)
		for _, w := range r.waiters {
			waiters = append(waiters, w)
			total += max(w.gr.Count, 1)
			longest = max(longest, w.wait)
		}
	}
	if total < 2 {
		return
	}
	f := &report.Finding{Kind: report.PartialDeadlock, Source: "dump", Certainty: report.Likely}
	if len(locks) > 1 {
		f.Kind = report.Deadlock
	}
	for i, w := range waiters {
		z.inGroup[w] = true
		if i < maxShown {
			f.Goroutines = append(f.Goroutines, w.gr)
			f.Positions = append(f.Positions, w.b.where.Pos())
		}
	}
	if len(locks) <= maxShown {
		for _, r := range locks {
			f.Resources = append(f.Resources, r.r)
		}
	}
	var at []string
	for _, w := range waiters {
		if p := shortPos(w.b.where); !slices.Contains(at, p) && len(at) < 4 {
			at = append(at, p)
		}
	}
	f.Summary = fmt.Sprintf("%s blocked for %s on %s (at %s), and no goroutine that may hold them is running, in I/O or asleep: "+
		"likely stuck, their holders blocked or gone. A dump does not show who holds a sync.Mutex: analyze inside the program's checkout, or with -src, to name the holders",
		plural(total, "goroutine"), minutes(longest), plural(len(locks), "lock"), strings.Join(at, ", "))
	f.Hint = f.Kind.Info().Hint
	z.a.Findings = append(z.a.Findings, f)
}

// maxShown bounds the goroutines and resources a finding lists.
const maxShown = 32

// busy reports goroutines running the program's code while the rest of
// the program waits: a loop that never blocks, or a runaway recursion.
func (z *analyzer) busy() {
	a := z.a
	var runners []*node
	for _, n := range z.nodes_ {
		switch {
		case n.b.Class == Running && runsUserCode(n.b.Stack):
			runners = append(runners, n)
		case n.b.Class == Blocked && n.b.Kind == waitgraph.Unknown && recursion(n.b):
			// A counted profile calls a goroutine parked when the
			// runtime's frames are on top, as when a runaway recursion
			// grows its stack.
			runners = append(runners, n)
		}
	}
	if len(runners) == 0 {
		return
	}
	var longest time.Duration
	for _, n := range z.nodes_ {
		if n.b.Class == Blocked {
			longest = max(longest, n.wait)
		}
	}
	waitedOn := map[int64]bool{}
	for _, r := range z.resList {
		if len(r.waiters) == 0 {
			continue
		}
		for _, rel := range r.r.Releasers {
			waitedOn[rel.Goroutine] = true
		}
	}
	othersIdle := a.External == 0 && a.Blocked > 0
	for _, n := range runners {
		rec := recursion(n.b)
		// In the dump before this one (the same input may hold two), it
		// was running at the same place: a loop.
		again := z.d.Previous != nil && z.d.Previous[n.gr.ID] == runningAt(n.b.Stack)
		if !rec && !again && !(othersIdle && (z.timeout || longest >= time.Minute || waitedOn[n.gr.ID])) {
			continue
		}
		f := &report.Finding{Kind: report.Busy, Source: "dump", Certainty: report.Possible}
		f.Goroutines = []*waitgraph.Goroutine{n.gr}
		w := n.b.where
		f.Positions = []string{w.Pos()}
		switch {
		case rec:
			f.Certainty = report.Likely
			f.Summary = fmt.Sprintf("%s is %s in a deep recursion of %s: a runaway recursion grows the stack until the program dies",
				z.label(n.gr.ID), n.b.Status, shortPos(w))
		case again:
			f.Certainty = report.Likely
			f.Summary = fmt.Sprintf("%s is %s at %s, where it was already running in the dump before: a loop that never blocks",
				z.label(n.gr.ID), n.b.Status, shortPos(w))
			if waitedOn[n.gr.ID] {
				f.Summary += "; goroutines waiting on a lock or channel it may release depend on it"
			}
		default:
			f.Summary = fmt.Sprintf("%s is %s at %s while every other goroutine waits: a loop that never blocks? If a second dump shows it at the same place, it is",
				z.label(n.gr.ID), n.b.Status, shortPos(w))
			if waitedOn[n.gr.ID] {
				f.Summary += "; goroutines waiting on a lock or channel it may release depend on it"
			}
		}
		f.Hint = f.Kind.Info().Hint
		a.Findings = append(a.Findings, f)
	}
}

// runsUserCode reports that the goroutine is executing the program's code
// (or library code it called), not parked in the scheduler nor panicking.
func runsUserCode(s *Stack) bool {
	for _, f := range s.Frames {
		switch f.Func {
		case "panic", "runtime.gopanic", "runtime.throw", "runtime.fatalpanic", "runtime.sigpanic":
			return false // the goroutine that crashed the program
		}
	}
	for i, f := range s.Frames {
		switch f.Func {
		case "runtime.gopark", "runtime.goparkunlock", "runtime.mcall", "runtime.park_m", "runtime.goexit",
			"time.Sleep", "runtime.Gosched", "runtime.goschedIfBusy":
			// Parked, or runnable just after a wake-up.
			return false
		}
		if strings.HasPrefix(f.Func, "sync.(*") || strings.HasPrefix(f.Func, "runtime.chan") || strings.HasPrefix(f.Func, "runtime.select") {
			return false
		}
		if isUserFunc(f.Func) {
			return true
		}
		if i > 8 {
			break
		}
	}
	return false
}

// recursion reports a stack the runtime elided, or one in which a function
// calls itself many times.
func recursion(b *Bucket) bool {
	if b.Elided {
		return true
	}
	if len(b.Stack.Frames) < 32 {
		return false
	}
	count := map[string]int{}
	for _, f := range b.Stack.Frames {
		count[f.Func]++
		if count[f.Func] >= 32 {
			return true
		}
	}
	return false
}

// notes says what the dump could not tell.
func (z *analyzer) notes() {
	a := z.a
	kinds := map[waitgraph.ResourceKind]bool{}
	noAddr := false
	for _, n := range z.nodes_ {
		if n.b.Class == Blocked && n.res != nil {
			kinds[n.b.Kind] = true
			if n.addr == 0 && n.b.Kind != waitgraph.Select && n.b.Kind != waitgraph.Unknown && n.gr.Wait != nil && !z.snapRes[n.gr.Wait.Resource] {
				noAddr = true
			}
		}
	}
	add := func(s string) { a.Notes = append(a.Notes, s) }
	for i, p := range a.SourceProblems {
		if i == 4 && len(a.SourceProblems) > 5 {
			add(fmt.Sprintf("source: and %d more frames that do not match it", len(a.SourceProblems)-4))
			break
		}
		add("source: " + p)
	}
	if z.src != nil && z.enderUsed {
		add("per the source, the goroutines that may end a channel, WaitGroup or Cond wait are those inside a function that can; one started later, or reaching it through code the source does not show, could too: such waits make a deadlock only in a circular wait, and only a likely one")
	}
	if z.d.Format == Profile || z.d.Format == LeakReport {
		add("a debug=1 profile prints no goroutine ids, statuses, wait times or arguments: statuses are inferred from the stacks and no resource can be told apart; goroutine?debug=2 or a SIGQUIT dump says more")
	}
	if (kinds[waitgraph.Mutex] || kinds[waitgraph.RWMutex]) && z.d.Snapshot == nil {
		add("a goroutine dump does not show who holds a sync.Mutex or RWMutex: the holders named are candidates (goroutines inside a function or method of the type that locks it, or whose arguments point at it); for exact holders run the program with gridlock/sync and dump with gridlock.DumpOnSignal")
	}
	if kinds[waitgraph.Select] || kinds[waitgraph.Unknown] {
		add("a dump does not say which channels a select, or a goroutine parked without a reason, waits on: such goroutines are called stuck only when the whole program is blocked or the runtime marked them leaked")
	}
	if noAddr {
		add("some waits show no address (arguments are printed only by tracebacks, and channel addresses only with the runtime's frames, as in SIGQUIT dumps): waiters without one are not grouped by resource")
	}
	if kinds[waitgraph.Chan] && !z.leakProfile && !a.WholeBlocked {
		add("a channel reached through the heap by a live goroutine is invisible in a dump, so blocked channel operations are called stuck only in a circular wait; the goroutineleak profile of Go 1.26 (GOEXPERIMENT=goroutineleakprofile) proves which goroutines are leaked")
	}
	if a.WholeBlocked && !z.deadlockReason && !z.timeout {
		add("every goroutine is blocked; if the runtime did not stop the program with \"all goroutines are asleep\", a timer may still be pending (time.After, a context deadline) and could release one")
	}
	if z.d.Format == Traceback && a.Running+a.External+a.Blocked > 0 {
		if z.maxWait() == 0 && a.Blocked > 0 {
			add("wait times are printed only from one minute on: none was that long")
		}
	}
}

func (z *analyzer) maxWait() time.Duration {
	var m time.Duration
	for _, n := range z.nodes_ {
		m = max(m, n.wait)
	}
	return m
}

// plural returns "1 goroutine" or "n goroutines".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
