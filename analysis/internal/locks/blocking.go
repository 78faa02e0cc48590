package locks

import (
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// blocking returns how ins may block, or nil. For a summary (forSummary),
// waits on channels and wait groups the function made itself are bounded
// (fork-join helpers), and deferred calls count; for a report at ins
// itself they do not.
func (a *state) blocking(f *flow, ins ssa.Instruction, forSummary bool) *Block {
	rs := f.refs
	switch ins := ins.(type) {
	case *ssa.UnOp:
		if ins.Op != token.ARROW {
			return nil
		}
		if forSummary && a.madeHere(rs, ins.X) {
			return nil
		}
		return &Block{What: "receives from " + a.chanName(rs, ins.X), At: a.at(ins.Pos()), On: portable(rs.of(ins.X))}
	case *ssa.Send:
		if a.bufferedEnough(f.fn, ins) || a.drained(f, ins) || (forSummary && a.madeHere(rs, ins.Chan)) {
			return nil
		}
		return &Block{What: "sends on " + a.chanName(rs, ins.Chan), At: a.at(ins.Pos()), On: portable(rs.of(ins.Chan))}
	case *ssa.Select:
		if !ins.Blocking {
			return nil
		}
		for _, st := range ins.States {
			if st.Dir == types.RecvOnly && isTimer(st.Chan) {
				return nil // bounded by a timeout
			}
		}
		if forSummary {
			local := true
			for _, st := range ins.States {
				local = local && a.madeHere(rs, st.Chan)
			}
			if local {
				return nil
			}
		}
		return &Block{What: "waits in a select without default", At: a.at(ins.Pos())}
	case *ssa.Call:
		return a.callBlocks(f, ins.Common(), ins.Pos(), forSummary)
	case *ssa.Defer:
		if forSummary {
			return a.callBlocks(f, ins.Common(), ins.Pos(), forSummary)
		}
	}
	return nil
}

func (a *state) callBlocks(f *flow, c *ssa.CallCommon, pos token.Pos, forSummary bool) *Block {
	rs := f.refs
	if op, _ := LockOp(c); op != NoOp {
		return nil
	}
	fn, bindings := callee(c)
	if fn == nil {
		return nil
	}
	s := a.summary(fn)
	if s == nil || s.Block == nil {
		return nil
	}
	b := s.Block
	var on Ref
	if b.On != "" {
		r, ok := subst(b.On, argRef(rs, c, bindings))
		if ok {
			on = r
			if forSummary && a.onMadeHere(rs, b.On, c, bindings) {
				return nil
			}
		}
	}
	if a.models[fn] != nil { // from the table
		c := *b
		c.At = a.at(pos)
		c.On = on.Key
		if c.Cond {
			c.CondLock = a.condLocks[on.Class]
			c.On = on.Key
		}
		if !on.Portable() {
			c.On = ""
		}
		return &c
	}
	out := b.via(funcName(fn))
	out.On = ""
	if on.Portable() {
		out.On = on.Key
	}
	return out
}

// portable returns r's key if it may appear in a summary, or "".
func portable(r Ref) string {
	if r.Portable() {
		return r.Key
	}
	return ""
}

// onMadeHere reports whether the object a callee waits on, at path on
// relative to its parameters, is one the caller made itself: a channel it
// made, or a variable it declared, passed in — not something behind a
// pointer it holds.
func (a *state) onMadeHere(rs *refs, on string, c *ssa.CallCommon, bindings []ssa.Value) bool {
	if len(on) < 2 || (on[0] != 'p' && on[0] != 'f') {
		return false
	}
	end := strings.IndexAny(on, ".[")
	if end < 0 {
		end = len(on)
	}
	i, err := strconv.Atoi(on[1:end])
	if err != nil || strings.Contains(on[end:], "*") {
		return false
	}
	var v ssa.Value
	switch {
	case on[0] == 'p' && i < len(c.Args):
		v = c.Args[i]
	case on[0] == 'f' && i < len(bindings):
		v = bindings[i]
	default:
		return false
	}
	return a.madeHere(rs, v)
}

// madeHere reports whether v is a channel made, or a variable declared, in
// its own function, and not stored anywhere else.
func (a *state) madeHere(rs *refs, v ssa.Value) bool {
	switch v := v.(type) {
	case *ssa.MakeChan, *ssa.Alloc:
		return true
	case *ssa.UnOp:
		if v.Op != token.MUL {
			return false
		}
		al, ok := v.X.(*ssa.Alloc)
		if !ok || al.Referrers() == nil {
			return false
		}
		stores := 0
		for _, r := range *al.Referrers() {
			if st, ok := r.(*ssa.Store); ok && st.Addr == al {
				switch st.Val.(type) {
				case *ssa.MakeChan, *ssa.Alloc: // a channel or an object made here
				default:
					return false
				}
				stores++
			}
		}
		return stores > 0
	case *ssa.FieldAddr:
		return a.madeHere(rs, v.X)
	case *ssa.ChangeType:
		return a.madeHere(rs, v.X)
	case *ssa.Extract:
		return a.madeHere(rs, v.Tuple)
	case *ssa.Call:
		if fn, _ := callee(v.Common()); fn != nil {
			if s := a.summary(fn); s != nil && s.Fresh {
				return true
			}
		}
	}
	return false
}

// isTimer reports whether v is a timer's channel: time.After(d),
// time.Tick(d), or the C of a time.Timer or time.Ticker. A select with
// such a case is bounded by a timeout.
func isTimer(v ssa.Value) bool {
	switch v := v.(type) {
	case *ssa.Call:
		if fn, _ := callee(v.Common()); fn != nil && pkgPathOf(fn) == "time" {
			return fn.Name() == "After" || fn.Name() == "Tick"
		}
	case *ssa.UnOp:
		if fa, ok := v.X.(*ssa.FieldAddr); ok && v.Op == token.MUL {
			_, n := structOf(fa.X.Type())
			if n != nil && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" &&
				(n.Obj().Name() == "Timer" || n.Obj().Name() == "Ticker") {
				return true
			}
		}
	}
	return false
}

// bufferedEnough reports whether a send is on a channel made in the same
// function with a buffer large enough for every send made on it, none of
// them in a loop, the channel going nowhere else: such a send never blocks.
func (a *state) bufferedEnough(fn *ssa.Function, send *ssa.Send) bool {
	mc, ok := send.Chan.(*ssa.MakeChan)
	if !ok {
		return false
	}
	size, ok := mc.Size.(*ssa.Const)
	if !ok || size.Value == nil || size.Value.Kind() != constant.Int {
		return false
	}
	n, ok := constant.Int64Val(size.Value)
	if !ok || n <= 0 {
		return false
	}
	loops := a.loopBlocks(fn)
	var sends []*ssa.Send
	for _, r := range *mc.Referrers() {
		switch r := r.(type) {
		case *ssa.Send:
			if r.Chan != mc {
				return false
			}
			if loops[r.Block()] {
				return false
			}
			sends = append(sends, r)
		case *ssa.UnOp, *ssa.Select, *ssa.DebugRef, *ssa.Return, *ssa.ChangeType:
			// Returned, it escapes only once the sends here are done.
		case *ssa.Store:
			if !resultSlot(r.Addr) {
				return false
			}
		case *ssa.Call:
			// close(ch) and len(ch) leave the buffer alone.
			if b, ok := r.Call.Value.(*ssa.Builtin); !ok || (b.Name() != "close" && b.Name() != "len" && b.Name() != "cap") {
				return false
			}
		default:
			return false
		}
	}
	return int64(len(sends)) <= n || (n >= 1 && exclusive(sends))
}

// resultSlot reports whether v is a local variable used only to hold a
// result until the function returns (as SSA does when there are defers).
func resultSlot(v ssa.Value) bool {
	al, ok := v.(*ssa.Alloc)
	if !ok || al.Heap || al.Referrers() == nil {
		return false
	}
	for _, r := range *al.Referrers() {
		switch r := r.(type) {
		case *ssa.Store:
		case *ssa.UnOp:
			if r.Referrers() == nil {
				continue
			}
			for _, u := range *r.Referrers() {
				if _, ok := u.(*ssa.Return); !ok {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// exclusive reports whether no path runs two of the sends: each send's
// block reaches no other send (as sends in the two arms of an if).
func exclusive(sends []*ssa.Send) bool {
	blocks := map[*ssa.BasicBlock]bool{}
	for _, s := range sends {
		if blocks[s.Block()] {
			return false // two sends in one block
		}
		blocks[s.Block()] = true
	}
	for _, s := range sends {
		seen := map[*ssa.BasicBlock]bool{}
		stack := append([]*ssa.BasicBlock(nil), s.Block().Succs...)
		for len(stack) > 0 {
			b := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[b] {
				continue
			}
			seen[b] = true
			if blocks[b] {
				return false
			}
			stack = append(stack, b.Succs...)
		}
	}
	return true
}

// drained reports whether a send is preceded, on every path, by a
// receive from the same channel in a select with a default case: the
// "drop the stale value, then send" idiom on a buffered channel, whose
// senders a lock serializes.
func (a *state) drained(f *flow, send *ssa.Send) bool {
	key := f.refs.of(send.Chan).Key
	for _, b := range f.fn.Blocks {
		for _, ins := range b.Instrs {
			sel, ok := ins.(*ssa.Select)
			if !ok || sel.Blocking || !b.Dominates(send.Block()) {
				continue
			}
			for _, st := range sel.States {
				if st.Dir == types.RecvOnly && f.refs.of(st.Chan).Key == key {
					return true
				}
			}
		}
	}
	return false
}

func (a *state) chanName(rs *refs, v ssa.Value) string {
	if mc, ok := v.(*ssa.MakeChan); ok {
		if n := a.varNames[mc.Pos()]; n != "" {
			return n
		}
	}
	r := rs.of(v)
	if r.Name != "" && r.Name != "?" && !isTemp(r.Name) {
		return r.Name
	}
	if c, ok := v.(*ssa.Call); ok {
		if fn, _ := callee(c.Common()); fn != nil {
			return "the channel returned by " + funcName(fn)
		}
		if c.Common().IsInvoke() {
			return "the channel returned by " + c.Common().Method.Name() + "()"
		}
	}
	return "a channel"
}

// isTemp reports whether name is that of an SSA temporary, as t12.
func isTemp(name string) bool {
	if len(name) < 2 || name[0] != 't' {
		return false
	}
	for _, c := range name[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// findConds maps each class of sync.Cond made with sync.NewCond(&l) to the
// class of l.
func (a *state) findConds(fns []*ssa.Function) {
	for _, fn := range fns {
		rs := newRefs(a.varNames)
		for _, b := range fn.Blocks {
			for _, ins := range b.Instrs {
				st, ok := ins.(*ssa.Store)
				if !ok {
					continue
				}
				call, ok := st.Val.(*ssa.Call)
				if !ok {
					continue
				}
				callee, _ := callee(call.Common())
				if callee == nil || callee.Name() != "NewCond" || !lockPkgs[pkgPathOf(callee)] || len(call.Call.Args) != 1 {
					continue
				}
				cond, l := rs.of(st.Addr), rs.of(call.Call.Args[0])
				if cond.Class != "" && l.Class != "" {
					a.condLocks[cond.Class] = l.Class
				}
			}
		}
	}
}

// Blocking returns how ins, an instruction of fn, may block, or nil.
func (r *Result) Blocking(fn *ssa.Function, ins ssa.Instruction) *Block {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	return r.a.blocking(r.a.flow(fn), ins, false)
}

// HeldAcross returns the locks of held that stay held while b blocks: all
// of them, except for a wait on a sync.Cond, which releases its own lock.
// When the Cond's lock is not known, a single held lock is taken to be it,
// and of several, the one that shares the Cond's owner.
func HeldAcross(b *Block, held []Held) []Held {
	if !b.Cond {
		return held
	}
	var out []Held
	if b.CondLock != "" {
		for _, h := range held {
			if h.Class != b.CondLock {
				out = append(out, h)
			}
		}
		return out
	}
	if len(held) <= 1 {
		return nil
	}
	owner := b.On
	if i := strings.LastIndex(owner, "."); i >= 0 {
		owner = owner[:i+1]
	}
	mine := -1
	for i, h := range held {
		if owner != "" && strings.HasPrefix(h.Key, owner) {
			if mine >= 0 {
				return nil // two candidates: do not guess
			}
			mine = i
		}
	}
	if mine < 0 {
		return nil
	}
	for i, h := range held {
		if i != mine {
			out = append(out, h)
		}
	}
	return out
}

// runtimeDecls returns the hierarchy declared by calls of gridlock.Name,
// gridlock.Level and gridlock.Nestable with constant arguments.
func (a *state) runtimeDecls(fns []*ssa.Function) []Decl {
	var out []Decl
	for _, fn := range fns {
		rs := newRefs(a.varNames)
		for _, b := range fn.Blocks {
			for _, ins := range b.Instrs {
				call, ok := ins.(*ssa.Call)
				if !ok {
					continue
				}
				c, _ := callee(call.Common())
				if c == nil || pkgPathOf(c) != "github.com/gridlock-go/gridlock" || len(call.Call.Args) == 0 {
					continue
				}
				r := rs.of(call.Call.Args[0])
				if r.Class == "" {
					continue
				}
				d := Decl{Class: r.Class, At: a.at(call.Pos())}
				var arg constant.Value
				if len(call.Call.Args) > 1 {
					if k, ok := call.Call.Args[1].(*ssa.Const); ok {
						arg = k.Value
					}
				}
				switch c.Name() {
				case "Name":
					if arg == nil || arg.Kind() != constant.String {
						continue
					}
					d.Name = constant.StringVal(arg)
				case "Level":
					if arg == nil || arg.Kind() != constant.Int {
						continue
					}
					l, _ := constant.Int64Val(arg)
					d.Level = int(l)
				case "Nestable":
					d.Nestable = true
				default:
					continue
				}
				out = append(out, d)
			}
		}
	}
	return out
}
