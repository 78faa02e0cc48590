package engine

import (
	"runtime"
	"slices"
	"strings"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Cycles of one goroutine. A goroutine cannot deadlock with itself over
// an inversion: when every order of a cycle was shown by one goroutine (a
// callback serializer that takes A then B in one callback and B then A in
// another), the cycle is held back until another goroutine takes one of
// its orders. That goroutine's order is then shown in the finding.
//
// Code called by a test function or by main is the exception: it is the
// API of the code under test, which its users may call from any number of
// goroutines, and a test calling it from one does not make it safe. So a
// cycle is held back only when its goroutine was started by the code under
// test (not from a test file) and not by the testing package.
//
// Order edges record the goroutine that first showed them, and chains of
// classes are cached once validated: to see another goroutine take an
// order later, the chains through a held cycle's orders are flagged
// (watched) in the chain cache, after a reset of it (bounded in number),
// and the instance pairs directly.

// edgeKey is an order edge of the class graph (node ids are class ids) or
// of the instance graph (lock ids).
type edgeKey struct {
	from, to  uint64
	instances bool
}

// maxSoloResets bounds the chain-cache resets done to watch held cycles.
const maxSoloResets = 64

// watchSolo arranges for the orders of a held cycle to be checked again
// when another goroutine takes them. The caller holds e.mu.
func watchSolo(g uint64, edges []edgeKey) {
	switch {
	case e.soloN.Add(1) == 1:
		e.soloOnly.Store(g)
	case e.soloOnly.Load() != g:
		e.soloOnly.Store(0)
	}
	class := false
	for _, k := range edges {
		e.soloEdges[k]++
		if k.instances {
			e.pairs.put(pairKey(k.from, k.to), watched)
		} else {
			class = true
		}
	}
	if class && e.soloResets < maxSoloResets {
		e.soloResets++
		e.chains.reset()
	}
}

// watchedChain reports whether the chain of g's held classes to l takes a
// watched order. The caller holds e.mu.
func watchedChain(g *G, l *Lock) bool {
	if len(e.soloEdges) == 0 {
		return false
	}
	for i := range g.n {
		h := g.at(i)
		if h.lock != nil && h.lock != l && e.soloEdges[edgeKey{h.lock.class.id, l.class.id, false}] > 0 {
			return true
		}
	}
	return false
}

// checkWatched is called when g takes l, while holding h, along a
// watched order: a held cycle through it is released if g is not its
// goroutine.
func checkWatched(g *G, h *held, l *Lock, m Mode, k edgeKey) {
	if e.soloOnly.Load() == g.id {
		return
	}
	var fs []*report.Finding
	func() {
		defer guard()
		e.mu.Lock()
		defer e.mu.Unlock()
		fs = e.contributed(g, h, l, m, k, func() []uintptr { return callers(4) })
	}()
	deliver(fs)
}

// checkWatchedChain is checkWatched for a chain of classes flagged as
// watched: every held lock is checked.
func checkWatchedChain(g *G, l *Lock, m Mode) {
	if e.soloN.Load() == 0 || e.soloOnly.Load() == g.id {
		return // the goroutine of every held cycle: nothing to release
	}
	var fs []*report.Finding
	func() {
		defer guard()
		e.mu.Lock()
		defer e.mu.Unlock()
		var stack []uintptr
		capture := func() []uintptr {
			if stack == nil {
				stack = callers(5)
			}
			return stack
		}
		for i := range g.n {
			h := g.at(i)
			if h.lock == nil || h.lock == l {
				continue
			}
			k := edgeKey{h.lock.class.id, l.class.id, false}
			if e.soloEdges[k] > 0 {
				fs = append(fs, e.contributed(g, h, l, m, k, capture)...)
			}
		}
	}()
	deliver(fs)
}

// contributed records that g took order k (l while holding h): every
// held cycle through k of another goroutine now has two, and shows g's
// order. It returns the cycles now to report. The caller holds e.mu.
func (e *Engine) contributed(g *G, h *held, l *Lock, m Mode, k edgeKey, capture func() []uintptr) []*report.Finding {
	var fs []*report.Finding
	kept := e.pending[:0]
	for _, p := range e.pending {
		i := slices.Index(p.edges, k)
		if p.solo == 0 || p.solo == g.id || i < 0 {
			kept = append(kept, p)
			continue
		}
		p.solo = 0
		e.soloN.Add(-1)
		for _, k := range p.edges {
			if e.soloEdges[k]--; e.soloEdges[k] <= 0 {
				delete(e.soloEdges, k)
			}
		}
		if i < len(p.f.Orders) {
			o := &p.f.Orders[i]
			o.Goroutine = int64(g.id)
			o.FromStack = site(h.pc)
			o.Stack = symbolize(capture())
			if !k.instances {
				o.FromLock, o.ToLock = h.lock.label(), l.label()
			}
			if i < len(p.f.Positions) {
				p.f.Positions[i] = o.Stack.Top().Pos()
			}
			p.f.Goroutines = append(p.f.Goroutines, &waitgraph.Goroutine{ID: int64(g.id)})
		}
		if allWriters(p.writers) {
			fs = append(fs, p.f)
		} else {
			kept = append(kept, p)
		}
	}
	e.pending = kept
	// The one goroutine of the cycles still held, if they have one.
	var only uint64
	for _, p := range e.pending {
		if p.solo == 0 {
			continue
		}
		if only != 0 && only != p.solo {
			only = 0
			break
		}
		only = p.solo
	}
	e.soloOnly.Store(only)
	return fs
}

// isClient is clientGoroutine, replaced by tests.
var isClient = clientGoroutine

// clientGoroutine reports whether the calling goroutine runs the code
// under test on behalf of its users: a test (or benchmark, or example),
// main, or a goroutine started by a test file (its outermost function,
// gridlock's and the runtime's aside, is in a _test.go file).
func clientGoroutine() bool {
	pcs := make([]uintptr, 1024)
	n := runtime.Callers(2, pcs)
	if n == len(pcs) {
		return true // too deep to see where it started
	}
	frames := runtime.CallersFrames(pcs[:n])
	var entry runtime.Frame
	for {
		fr, more := frames.Next()
		switch {
		case strings.HasPrefix(fr.Function, "testing."), fr.Function == "runtime.main":
			return true
		case strings.HasSuffix(fr.File, "_test.go"):
			entry = fr
		case fr.Function == "", strings.HasPrefix(fr.Function, "runtime."), internalFrame(fr.Function, fr.File),
			strings.HasPrefix(fr.Function, "golang.org/x/sync/errgroup."):
			// Not where the goroutine's own code starts: errgroup's Go
			// runs one function a goroutine, as a go statement does.
		default:
			entry = fr
		}
		if !more {
			break
		}
	}
	return strings.HasSuffix(entry.File, "_test.go")
}
