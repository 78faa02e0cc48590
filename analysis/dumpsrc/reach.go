package dumpsrc

import (
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// dynamic stands, in the call graph, for the functions a call may reach
// through a function value or an interface, or that the standard library
// may call back.
const dynamic = "*"

// callGraph is a conservative call graph of the program's loaded
// functions, by funcKey: a function's literals are one node.
type callGraph struct {
	callees map[string]map[string]bool
	dyn     map[string]bool     // functions whose value is taken, methods of types made interfaces
	methods map[string][]string // method name → methods of types made interfaces
	known   map[string]bool     // the functions of the loaded packages
	bodies  map[string]*ssa.Function
}

// graph builds, once, the call graph of the loaded packages.
func (p *Program) graph() *callGraph {
	if p.cg != nil {
		return p.cg
	}
	g := &callGraph{callees: map[string]map[string]bool{}, dyn: map[string]bool{}, methods: map[string][]string{}, known: map[string]bool{},
		bodies: map[string]*ssa.Function{}}
	p.cg = g
	var funcs []*ssa.Function
	seen := map[any]bool{}
	for _, f := range p.files {
		if seen[f.pkg.res] {
			continue
		}
		seen[f.pkg.res] = true
		funcs = append(funcs, f.pkg.res.Funcs...)
	}
	byRecv := map[string][]*ssa.Function{}
	for _, fn := range funcs {
		g.known[funcKey(fn)] = true
		if fn.Parent() == nil && len(fn.Blocks) > 0 {
			g.bodies[funcKey(fn)] = fn
		}
		if r := fn.Signature.Recv(); r != nil && fn.Parent() == nil {
			byRecv[recvName(r.Type())] = append(byRecv[recvName(r.Type())], fn)
		}
	}
	made := map[string]bool{}
	for _, fn := range funcs {
		for _, b := range fn.Blocks {
			for _, ins := range b.Instrs {
				if mi, ok := ins.(*ssa.MakeInterface); ok {
					madeIface(mi.X.Type(), made, 0)
				}
			}
		}
	}
	for name := range made {
		for _, m := range byRecv[name] {
			g.dyn[funcKey(m)] = true
			g.methods[m.Name()] = append(g.methods[m.Name()], funcKey(m))
		}
	}
	for _, fn := range funcs {
		k := funcKey(fn)
		for _, b := range fn.Blocks {
			for _, ins := range b.Instrs {
				for _, c := range g.step(ins) {
					g.edge(k, c)
				}
			}
		}
	}
	return g
}

func (g *callGraph) edge(from, to string) {
	if g.callees[from] == nil {
		g.callees[from] = map[string]bool{}
	}
	g.callees[from][to] = true
}

// step returns the functions ins may call (or start), and notes the
// function values it takes.
func (g *callGraph) step(ins ssa.Instruction) []string {
	var out []string
	for _, op := range ins.Operands(nil) {
		if op == nil || *op == nil {
			continue
		}
		if fn, ok := (*op).(*ssa.Function); ok {
			fn = unwrap(fn)
			if c, ok := ins.(ssa.CallInstruction); ok && unwrapValue(c.Common().Value) == fn {
				continue // called, not taken
			}
			if mc, ok := ins.(*ssa.MakeClosure); ok && unwrapValue(mc.Fn) == fn {
				continue // see below
			}
			g.dyn[funcKey(fn)] = true
		}
	}
	switch ins := ins.(type) {
	case *ssa.MakeClosure:
		fn := unwrap(ins.Fn.(*ssa.Function))
		out = append(out, funcKey(fn))
		if !onlyCalled(ins) {
			g.dyn[funcKey(fn)] = true
		}
	case ssa.CallInstruction:
		c := ins.Common()
		switch {
		case c.IsInvoke():
			out = append(out, g.methods[c.Method.Name()]...)
		case c.StaticCallee() != nil:
			fn := c.StaticCallee()
			if k := funcKey(fn); g.known[k] || fn.Pkg != nil && !stdlib(fn.String()) && !quiet(fn) {
				out = append(out, k)
				if !g.known[k] {
					out = append(out, dynamic) // a dependency: may call back
				}
			} else if !quiet(fn) {
				out = append(out, dynamic)
			}
		default:
			if _, ok := c.Value.(*ssa.Builtin); !ok {
				out = append(out, dynamic)
			}
		}
	}
	return out
}

// quiet reports a function of the standard library that calls no function
// of the program: sync, time.Sleep and the like.
func quiet(fn *ssa.Function) bool {
	if fn.Pkg == nil {
		return strings.HasPrefix(fn.String(), "(*sync.") || strings.HasPrefix(fn.String(), "(sync.")
	}
	switch fn.Pkg.Pkg.Path() {
	case "sync", "sync/atomic", "runtime", "math", "math/bits", "unicode", "unicode/utf8", "strconv", "errors",
		"github.com/gridlock-go/gridlock/sync":
		return fn.Name() != "Do" && fn.Name() != "Go" && !strings.HasPrefix(fn.Name(), "On")
	case "time":
		return fn.Name() == "Sleep" || fn.Name() == "Now" || fn.Name() == "Since" || fn.Name() == "After" || fn.Name() == "NewTimer" || fn.Name() == "NewTicker"
	}
	return false
}

// recvName names the named type of t or of what it points to.
func recvName(t types.Type) string {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil {
		return n.Obj().Pkg().Path() + "." + n.Obj().Name()
	}
	return ""
}

// Reach implements dump.Reacher: the functions a goroutine with stack s
// may yet call, from where each of its frames stopped, per a conservative
// call graph of the program (a call through a function value or an
// interface, or a call back from the standard library or a dependency,
// may reach any function whose value the program takes, or any method of
// a type it makes an interface). All reports that the source cannot say
// (a frame it cannot place).
func (p *Program) Reach(s waitgraph.Stack) (funcs map[string]bool, all bool) {
	g := p.graph()
	funcs = map[string]bool{}
	var work []string
	add := func(k string) {
		if !funcs[k] {
			funcs[k] = true
			work = append(work, k)
		}
	}
	for i, fr := range s {
		if fr.Func == "runtime.goexit" || strings.HasPrefix(fr.Func, "runtime.") || strings.HasPrefix(fr.Func, "internal/") ||
			strings.HasPrefix(fr.Func, "sync.") || fr.Func == "time.Sleep" || strings.HasPrefix(fr.Func, "syscall.") {
			continue
		}
		if last := fr.Func[strings.LastIndexByte(fr.Func, '.')+1:]; strings.HasPrefix(last, "gowrap") || strings.HasPrefix(last, "deferwrap") {
			continue // the compiler's wrapper of a go or defer statement: it calls the next frame only
		}
		if stdlib(fr.Func) || p.File(fr.File) == "" {
			add(dynamic) // the standard library's or a dependency's: may call back
			continue
		}
		callee := ""
		if i > 0 {
			callee = s[i-1].Func
		}
		next, ok := p.rest(fr, callee)
		if !ok {
			return nil, true
		}
		for _, k := range next {
			add(k)
		}
	}
	for len(work) > 0 {
		k := work[len(work)-1]
		work = work[:len(work)-1]
		if k == dynamic {
			for d := range g.dyn {
				add(d)
			}
			continue
		}
		for c := range g.callees[k] {
			add(c)
		}
	}
	delete(funcs, dynamic)
	return funcs, false
}

// rest returns the functions the frame's function may call from where it
// stopped on; false if the source cannot place the frame.
func (p *Program) rest(fr waitgraph.Frame, callee string) ([]string, bool) {
	k := frameKey{fr.Func, fr.File, fr.Line, callee}
	if r, ok := p.rests[k]; ok {
		return r, r != nil
	}
	fn, at := p.place(fr, callee)
	if fn == nil {
		p.rests[k] = nil
		return nil, false
	}
	g := p.graph()
	out := []string{}
	for ins := range p.after(fn, at) {
		out = append(out, g.step(ins)...)
	}
	p.rests[k] = out
	return out, true
}

// Called implements dump.Reacher.
func (p *Program) Called(fn string) bool { return p.graph().dyn[fn] }

// madeIface notes the named type of t, and those it embeds, whose methods
// an interface made of t may call.
func madeIface(t types.Type, made map[string]bool, depth int) {
	name := recvName(t)
	if name == "" || made[name] || depth > 8 {
		return
	}
	made[name] = true
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return
	}
	for i := range st.NumFields() {
		if f := st.Field(i); f.Embedded() {
			madeIface(f.Type(), made, depth+1)
		}
	}
}

// unwrap returns the method that a synthetic wrapper (a method value's
// bound function, a method expression's thunk) calls, or fn.
func unwrap(fn *ssa.Function) *ssa.Function {
	if fn.Synthetic == "" || fn.Prog == nil {
		return fn
	}
	if m, ok := fn.Object().(*types.Func); ok {
		if w := fn.Prog.FuncValue(m); w != nil && w != fn {
			return w
		}
	}
	return fn
}

func unwrapValue(v ssa.Value) *ssa.Function {
	if fn, ok := v.(*ssa.Function); ok {
		return unwrap(fn)
	}
	return nil
}
