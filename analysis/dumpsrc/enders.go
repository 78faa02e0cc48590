package dumpsrc

import (
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/gridlock-go/gridlock/analysis/internal/locks"
)

// owns reports whether class names a variable or field declared in the
// module.
func (p *Program) owns(class string) bool {
	return class != "" && (strings.HasPrefix(class, p.Module+".") || strings.HasPrefix(class, p.Module+"/"))
}

// madeHere reports whether v is a variable declared, or a channel made, by
// the function that waits on it.
func madeHere(v ssa.Value) bool {
	switch v.(type) {
	case *ssa.Alloc, *ssa.MakeChan:
		return true
	}
	return false
}

func isCondWait(c *ssa.CallCommon) bool {
	fn := c.StaticCallee()
	return fn != nil && fn.Name() == "Wait" && recvIs(fn, "Cond")
}

// recvIs reports whether fn is a method of sync's type name (or gridlock's
// mirror of it).
func recvIs(fn *ssa.Function, name string) bool {
	r := fn.Signature.Recv()
	if r == nil {
		return false
	}
	t := r.Type()
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	path := n.Obj().Pkg().Path()
	return n.Obj().Name() == name && (path == "sync" || path == "github.com/gridlock-go/gridlock/sync")
}

// waitsOn returns what ins waits on, and the operation that ends the wait.
func waitsOn(ins ssa.Instruction) (ssa.Value, string) {
	switch ins := ins.(type) {
	case *ssa.Send:
		return ins.Chan, "recv"
	case *ssa.UnOp:
		if ins.Op == token.ARROW {
			return ins.X, "send"
		}
	case *ssa.Call:
		c := ins.Common()
		if op, v := locks.LockOp(c); op.Acquires() {
			return v, ""
		}
		fn := c.StaticCallee()
		if fn == nil || len(c.Args) == 0 {
			return nil, ""
		}
		switch {
		case fn.Name() == "Wait" && recvIs(fn, "WaitGroup"):
			return c.Args[0], "done"
		case fn.Name() == "Wait" && recvIs(fn, "Cond"):
			return c.Args[0], "signal"
		}
	}
	return nil, ""
}

// endersOf returns the functions that may end a wait of kind op ("recv",
// "send", "done", "signal") on an object of class (or, whatever the class,
// on any object of its type reached through a parameter or a local).
func (p *Program) endersOf(op, class string, t types.Type) map[string]string {
	if op == "" {
		return nil
	}
	if p.enders == nil {
		p.index()
	}
	out := map[string]string{}
	add := func(key string) {
		for fn, what := range p.enders[key] {
			if _, ok := out[fn]; !ok {
				out[fn] = what
			}
		}
	}
	ops := []string{op}
	if op == "send" {
		ops = append(ops, "close")
	}
	for _, o := range ops {
		if class != "" {
			add(o + ":" + class)
		}
		add(o + ":type:" + typeKey(t))
	}
	return out
}

// typeKey names the type of a channel without its direction, or the type
// of what a pointer points to.
func typeKey(t types.Type) string {
	switch u := types.Unalias(t).Underlying().(type) {
	case *types.Chan:
		return "chan " + u.Elem().String()
	case *types.Pointer:
		return u.Elem().String()
	}
	return t.String()
}

// index finds, once, every operation that may end a wait: receives,
// sends, closes, Done and Add, Signal and Broadcast.
func (p *Program) index() {
	p.enders = map[string]map[string]string{}
	add := func(res *locks.Result, fn *ssa.Function, op string, v ssa.Value, what string) {
		r := res.Ref(fn, v)
		name := r.Name
		if name == "" || name == "?" {
			name = "a " + typeKey(v.Type())
		}
		keys := []string{op + ":type:" + typeKey(v.Type())}
		if r.Class != "" {
			keys = []string{op + ":" + r.Class}
			if !strings.HasPrefix(r.Key, "g:") {
				keys = append(keys, op+":type:"+typeKey(v.Type()))
			}
		}
		for _, k := range keys {
			if p.enders[k] == nil {
				p.enders[k] = map[string]string{}
			}
			if _, ok := p.enders[k][funcKey(fn)]; !ok {
				p.enders[k][funcKey(fn)] = what + " " + name
			}
		}
	}
	p.eachInstr(func(res *locks.Result, fn *ssa.Function, ins ssa.Instruction) {
		switch ins := ins.(type) {
		case *ssa.Send:
			add(res, fn, "send", ins.Chan, "sends on")
		case *ssa.UnOp:
			if ins.Op == token.ARROW {
				add(res, fn, "recv", ins.X, "receives from")
			}
		case *ssa.Select:
			for _, s := range ins.States {
				if s.Dir == types.SendOnly {
					add(res, fn, "send", s.Chan, "sends on")
				} else {
					add(res, fn, "recv", s.Chan, "receives from")
				}
			}
		case *ssa.MakeInterface:
			p.escape(res, fn, ins.X)
		case ssa.CallInstruction:
			c := ins.Common()
			if b, ok := c.Value.(*ssa.Builtin); ok && b.Name() == "close" && len(c.Args) == 1 {
				add(res, fn, "close", c.Args[0], "closes")
				return
			}
			if _, ok := c.Value.(*ssa.Builtin); !ok {
				if cl := c.StaticCallee(); cl == nil || !p.mine(cl) {
					// Handed to code the source does not show:
					// it may end waits on it, at any time.
					for _, a := range c.Args {
						p.escape(res, fn, a)
					}
				}
			}
			callee := c.StaticCallee()
			if callee == nil || len(c.Args) == 0 {
				return
			}
			switch {
			case (callee.Name() == "Done" || callee.Name() == "Add" || callee.Name() == "Go") && recvIs(callee, "WaitGroup"):
				add(res, fn, "done", c.Args[0], "calls "+callee.Name()+" on")
			case (callee.Name() == "Signal" || callee.Name() == "Broadcast") && recvIs(callee, "Cond"):
				add(res, fn, "signal", c.Args[0], "calls "+callee.Name()+" on")
			}
		}
	})
}

// escape notes that v, if a channel, WaitGroup or Cond, is handed to code
// that the source does not show (the standard library's, a dependency's,
// or a call through an interface or function value).
func (p *Program) escape(res *locks.Result, fn *ssa.Function, v ssa.Value) {
	switch u := types.Unalias(v.Type()).Underlying().(type) {
	case *types.Chan:
	case *types.Pointer:
		n, ok := types.Unalias(u.Elem()).(*types.Named)
		if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "sync" || (n.Obj().Name() != "WaitGroup" && n.Obj().Name() != "Cond") {
			return
		}
	default:
		return
	}
	if p.escapes == nil {
		p.escapes = map[string]bool{}
	}
	p.escapes["type:"+typeKey(v.Type())] = true
	if c := res.Ref(fn, v).Class; c != "" {
		p.escapes[c] = true
	}
}

// escaped reports whether an object of class (or, whatever the class, of
// type t) was handed to code that the source does not show.
func (p *Program) escaped(class string, t types.Type) bool {
	if p.enders == nil {
		p.index()
	}
	return p.escapes["type:"+typeKey(t)] || (class != "" && p.escapes[class])
}

// mine reports whether fn is a function of the loaded packages, or sync's.
func (p *Program) mine(fn *ssa.Function) bool {
	if fn.Pkg == nil {
		return recvIs(fn, "WaitGroup") || recvIs(fn, "Cond") || recvIs(fn, "Mutex") || recvIs(fn, "RWMutex") || recvIs(fn, "Once")
	}
	path := fn.Pkg.Pkg.Path()
	return path == "sync" || path == "github.com/gridlock-go/gridlock/sync" || path == p.Module || strings.HasPrefix(path, p.Module+"/")
}
