package locks

import (
	"go/token"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// A Held is a lock held at some point of a function.
type Held struct {
	Ref
	Read bool
	Pos  token.Pos // where it was taken: the Lock call or the call of a lock helper
	Via  string    // the lock helper that took it, if any
}

// A State is what the flow analysis knows before an instruction: the
// locks held on every path that reaches it.
type State struct {
	Held     []Held   // sorted by key
	released []string // keys released on every path without being taken here
	deferred []string // keys whose release is deferred on every path
}

// Find returns the held lock with key k.
func (s *State) Find(k string) (Held, bool) {
	for _, h := range s.Held {
		if h.Key == k {
			return h, true
		}
	}
	return Held{}, false
}

func (s *State) clone() *State {
	return &State{Held: slices.Clone(s.Held), released: slices.Clone(s.released), deferred: slices.Clone(s.deferred)}
}

func (s *State) acquire(h Held) {
	for i := range s.Held {
		if s.Held[i].Key == h.Key {
			return
		}
	}
	s.Held = append(s.Held, h)
	slices.SortFunc(s.Held, func(a, b Held) int { return strings.Compare(a.Key, b.Key) })
}

func (s *State) release(r Ref) {
	for i := range s.Held {
		if s.Held[i].Key == r.Key {
			s.Held = slices.Delete(s.Held, i, i+1)
			return
		}
	}
	s.released = addKey(s.released, r.Key)
}

func addKey(keys []string, k string) []string {
	if i, ok := slices.BinarySearch(keys, k); !ok {
		keys = slices.Insert(keys, i, k)
	}
	return keys
}

// meet intersects s with t, in place.
func (s *State) meet(t *State) {
	s.Held = slices.DeleteFunc(s.Held, func(h Held) bool {
		_, ok := t.Find(h.Key)
		return !ok
	})
	for i := range s.Held {
		o, _ := t.Find(s.Held[i].Key)
		if o.Read {
			s.Held[i].Read = true
		}
		if o.Pos < s.Held[i].Pos {
			s.Held[i].Pos, s.Held[i].Via = o.Pos, o.Via
		}
	}
	s.released = slices.DeleteFunc(s.released, func(k string) bool { return !slices.Contains(t.released, k) })
	s.deferred = slices.DeleteFunc(s.deferred, func(k string) bool { return !slices.Contains(t.deferred, k) })
}

func (s *State) equal(t *State) bool {
	if len(s.Held) != len(t.Held) || !slices.Equal(s.released, t.released) || !slices.Equal(s.deferred, t.deferred) {
		return false
	}
	for i := range s.Held {
		if s.Held[i].Key != t.Held[i].Key || s.Held[i].Read != t.Held[i].Read {
			return false
		}
	}
	return true
}

// A flow is the result of the must-held analysis of one function.
type flow struct {
	fn    *ssa.Function
	refs  *refs
	entry map[*ssa.BasicBlock]*State // nil for unreachable blocks
	exit  *State                     // met over the returns, after deferred releases; nil if none
}

// callee returns the function called by c, if it is known statically, and
// the values bound to its free variables.
func callee(c *ssa.CallCommon) (*ssa.Function, []ssa.Value) {
	if c.IsInvoke() {
		return nil, nil
	}
	switch v := c.Value.(type) {
	case *ssa.Function:
		return v, nil
	case *ssa.MakeClosure:
		if fn, ok := v.Fn.(*ssa.Function); ok {
			return fn, v.Bindings
		}
	}
	return nil, nil
}

// argRef returns a function that names the callee's parameters and free
// variables in the caller's terms.
func argRef(rs *refs, c *ssa.CallCommon, bindings []ssa.Value) func(byte, int) (Ref, bool) {
	return func(kind byte, i int) (Ref, bool) {
		switch kind {
		case 'p':
			if i < len(c.Args) {
				return rs.of(c.Args[i]), true
			}
		case 'f':
			if i < len(bindings) {
				return rs.of(bindings[i]), true
			}
		}
		return Ref{}, false
	}
}

// effects returns the lasting lock operations of a call: the call of a
// lock method itself, or the effects of a helper's summary.
func (a *state) effects(rs *refs, c *ssa.CallCommon) (ops []Op, locks []Ref) {
	if op, v := LockOp(c); op != NoOp {
		if op == TryLock || op == TryRLock {
			return nil, nil
		}
		return []Op{op}, []Ref{rs.of(v)}
	}
	fn, bindings := callee(c)
	if fn == nil {
		return nil, nil
	}
	s := a.summary(fn)
	if s == nil {
		return nil, nil
	}
	arg := argRef(rs, c, bindings)
	for _, e := range s.Effect {
		r, ok := subst(e.Path, arg)
		if !ok {
			continue
		}
		r.Class = e.Class
		ops = append(ops, e.Op)
		locks = append(locks, r)
	}
	return ops, locks
}

// transfer applies instruction ins to s.
func (a *state) transfer(rs *refs, ins ssa.Instruction, s *State) {
	switch ins := ins.(type) {
	case *ssa.Call:
		ops, locks := a.effects(rs, ins.Common())
		for i, op := range ops {
			switch {
			case op.Acquires():
				s.acquire(Held{Ref: locks[i], Read: op.Read(), Pos: ins.Pos()})
			case op.Releases():
				s.release(locks[i])
			}
		}
	case *ssa.Defer:
		ops, locks := a.effects(rs, ins.Common())
		for i, op := range ops {
			if op.Releases() {
				s.deferred = addKey(s.deferred, locks[i].Key)
			}
		}
	}
}

// noReturnCall reports whether ins is a call that never returns.
func noReturnCall(ins ssa.Instruction) bool {
	c, ok := ins.(*ssa.Call)
	if !ok {
		return false
	}
	fn, _ := callee(c.Common())
	return fn != nil && noReturn(fn)
}

// analyze runs the must-held analysis on fn.
func (a *state) analyze(fn *ssa.Function) *flow {
	f := &flow{fn: fn, refs: newRefs(a.varNames), entry: map[*ssa.BasicBlock]*State{}}
	if len(fn.Blocks) == 0 {
		return f
	}
	f.entry[fn.Blocks[0]] = &State{}
	out := map[*ssa.BasicBlock]*State{}
	work := []*ssa.BasicBlock{fn.Blocks[0]}
	queued := map[*ssa.BasicBlock]bool{fn.Blocks[0]: true}
	for steps := 0; len(work) > 0 && steps < 50*len(fn.Blocks)+100; steps++ {
		b := work[0]
		work = work[1:]
		queued[b] = false
		s := f.entry[b].clone()
		dead := false
		for _, ins := range b.Instrs {
			a.transfer(f.refs, ins, s)
			if noReturnCall(ins) {
				dead = true
				break
			}
		}
		if dead {
			continue
		}
		if o := out[b]; o != nil && o.equal(s) {
			continue
		}
		out[b] = s
		for _, succ := range b.Succs {
			e := f.entry[succ]
			if e == nil {
				e = s.clone()
			} else {
				e = e.clone()
				e.meet(s)
			}
			if old := f.entry[succ]; old != nil && old.equal(e) {
				continue
			}
			f.entry[succ] = e
			if !queued[succ] {
				queued[succ] = true
				work = append(work, succ)
			}
		}
	}
	// The state on return: deferred releases run.
	for _, b := range fn.Blocks {
		s := out[b]
		if s == nil || len(b.Instrs) == 0 {
			continue
		}
		if _, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); !ok {
			continue
		}
		s = s.clone()
		for _, k := range s.deferred {
			s.release(Ref{Key: k})
		}
		if f.exit == nil {
			f.exit = s
		} else {
			f.exit.meet(s)
		}
	}
	return f
}

// visit calls fn for each instruction of a reachable block with the state
// before it.
func (a *state) visit(f *flow, visit func(ins ssa.Instruction, s *State)) {
	for _, b := range f.fn.Blocks {
		e := f.entry[b]
		if e == nil {
			continue
		}
		s := e.clone()
		for _, ins := range b.Instrs {
			visit(ins, s)
			a.transfer(f.refs, ins, s)
			if noReturnCall(ins) {
				break
			}
		}
	}
}
