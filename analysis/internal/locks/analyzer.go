// Package locks is the analysis shared by gridlock's passes: it finds the
// lock operations of a package in SSA form, computes the locks held at
// each instruction (held on every path that reaches it), and summarises
// each function as a fact: the locks it takes, the locks it leaves held or
// releases, and whether it may block, with a witness chain. The passes in
// analysis/... require its Analyzer and read its Result.
package locks

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"sync"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// Analyzer computes the Result shared by gridlock's passes and exports
// the facts that carry it across packages.
//
// It builds the SSA form of the package itself rather than requiring
// buildssa: it skips the packages it does not analyse (the runtime,
// reflect, sync, logging, ...), and needs none of the control-flow facts
// that buildssa's ctrlflow computes for every package.
var Analyzer = &analysis.Analyzer{
	Name:       "gridlocklocks",
	Doc:        "compute lock sets and lock/blocking summaries for gridlock's passes",
	Run:        run,
	FactTypes:  []analysis.Fact{new(FuncFact), new(PkgFact)},
	ResultType: reflect.TypeFor[*Result](),
}

// analysis is the state of one run. Several passes use it at once through
// a Result: mu guards the caches that are filled lazily.
type state struct {
	mu        sync.Mutex
	pass      *analysis.Pass
	local     map[*ssa.Function]bool
	flows     map[*ssa.Function]*flow
	summaries map[*ssa.Function]*FuncFact
	busy      map[*ssa.Function]bool
	imported  map[types.Object]*FuncFact
	condLocks map[string]string // class of a sync.Cond → class of its lock
	loops     map[*ssa.Function]map[*ssa.BasicBlock]bool
	varNames  map[token.Pos]string // the variable a call's result is assigned to, by the call's Lparen
	models    map[*ssa.Function]*model
}

// A model is what the table says of a function; nil if it says nothing.
type model struct{ fact *FuncFact }

// A Result is the lock analysis of one package.
type Result struct {
	a       *state
	Pass    *analysis.Pass
	Funcs   []*ssa.Function // the package's functions, including literals, in source order
	Edges   []Edge          // order edges seen in this package
	Decls   []Decl          // hierarchy declared in this package
	Chans   map[string][]ChanUse
	ignores *ignores
	starts  map[token.Pos]token.Pos
	// Imported holds the package facts of every dependency.
	Imported []*PkgFact
	// Malformed lists gridlock directives that could not be parsed.
	Malformed []Malformed
}

// A Malformed is a gridlock directive that could not be parsed.
type Malformed struct {
	Pos token.Pos
	Msg string
}

// A ChanUse is an operation on a channel of some class, with the classes
// of the locks held on every path to it.
type ChanUse struct {
	Send bool
	Held []string
	Pos  token.Pos
	Fn   *ssa.Function
}

func run(pass *analysis.Pass) (any, error) {
	a := &state{
		pass:      pass,
		local:     map[*ssa.Function]bool{},
		flows:     map[*ssa.Function]*flow{},
		summaries: map[*ssa.Function]*FuncFact{},
		busy:      map[*ssa.Function]bool{},
		imported:  map[types.Object]*FuncFact{},
		condLocks: map[string]string{},
		loops:     map[*ssa.Function]map[*ssa.BasicBlock]bool{},
		varNames:  map[token.Pos]string{},
		models:    map[*ssa.Function]*model{},
	}
	r := &Result{a: a, Pass: pass, Chans: map[string][]ChanUse{}}
	r.ignores = parseIgnores(pass, &r.Malformed)
	if opaque(pass.Pkg.Path()) {
		return r, nil
	}
	r.Funcs = buildSSA(pass)
	for _, fn := range r.Funcs {
		a.local[fn] = true
	}
	r.starts = map[token.Pos]token.Pos{}
	inspectFiles(pass, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			r.starts[n.Lparen] = n.Pos()
		case *ast.AssignStmt:
			if len(n.Lhs) == 1 && len(n.Rhs) == 1 {
				if id, ok := n.Lhs[0].(*ast.Ident); ok {
					if c, ok := n.Rhs[0].(*ast.CallExpr); ok {
						a.varNames[c.Lparen] = id.Name
					}
				}
			}
		case *ast.ValueSpec:
			if len(n.Names) == 1 && len(n.Values) == 1 {
				if c, ok := n.Values[0].(*ast.CallExpr); ok {
					a.varNames[c.Lparen] = n.Names[0].Name
				}
			}
		}
		return true
	})
	a.findConds(r.Funcs)
	r.Decls = append(r.Decls, parseDecls(pass, &r.Malformed)...)
	r.Decls = append(r.Decls, a.runtimeDecls(r.Funcs)...)

	for _, fn := range r.Funcs {
		s := a.summary(fn)
		if s == nil || s.empty() || fn.Parent() != nil {
			continue
		}
		// Only exported names can be called from another package: facts on
		// the others would only make every importer's facts larger.
		if obj := fn.Object(); obj != nil && obj.Pkg() == pass.Pkg && obj.Exported() {
			pass.ExportObjectFact(obj, s)
		}
	}
	r.collect()
	for _, pf := range pass.AllPackageFacts() {
		if f, ok := pf.Fact.(*PkgFact); ok && pf.Package != pass.Pkg {
			r.Imported = append(r.Imported, f)
		}
	}
	if len(r.Edges) > 0 || len(r.Decls) > 0 {
		pass.ExportPackageFact(&PkgFact{Edges: r.Edges, Decls: r.Decls})
	}
	return r, nil
}

// buildSSA builds the SSA form of the package and returns its functions,
// including function literals, in source order (as buildssa does).
func buildSSA(pass *analysis.Pass) []*ssa.Function {
	prog := ssa.NewProgram(pass.Fset, 0)
	for _, p := range pass.Pkg.Imports() {
		prog.CreatePackage(p, nil, nil, true)
	}
	pkg := prog.CreatePackage(pass.Pkg, pass.Files, pass.TypesInfo, false)
	pkg.Build()
	var funcs []*ssa.Function
	var add func(f *ssa.Function)
	add = func(f *ssa.Function) {
		funcs = append(funcs, f)
		for _, anon := range f.AnonFuncs {
			add(anon)
		}
	}
	for _, file := range pass.Files {
		for _, decl := range file.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok {
				if obj, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
					if f := prog.FuncValue(obj); f != nil {
						add(f)
					}
				}
			}
		}
	}
	return funcs
}

// At formats pos as "file.go:12", free of directories.
func (a *state) at(pos token.Pos) string {
	if !pos.IsValid() {
		return ""
	}
	p := a.pass.Fset.Position(pos)
	return filepath.Base(p.Filename) + ":" + strconv.Itoa(p.Line)
}

// At formats pos as "file.go:12".
func (r *Result) At(pos token.Pos) string { return r.a.at(pos) }

// flow returns the flow analysis of a local function.
func (a *state) flow(fn *ssa.Function) *flow {
	if f := a.flows[fn]; f != nil {
		return f
	}
	f := a.analyze(fn)
	a.flows[fn] = f
	return f
}

// summary returns the summary of fn: computed for the package's own
// functions, from facts or the table for others; nil if nothing is known.
func (a *state) summary(fn *ssa.Function) *FuncFact {
	m, ok := a.models[fn]
	if !ok {
		if b, known := modelled(fn); known {
			m = &model{}
			if b != nil {
				m.fact = &FuncFact{Block: b}
			}
		}
		a.models[fn] = m
	}
	if m != nil {
		return m.fact
	}
	if o := fn.Origin(); o != nil {
		fn = o
	}
	if !a.local[fn] && !(fn.Synthetic != "" && len(fn.Blocks) > 0) {
		obj := fn.Object()
		if obj == nil || obj.Pkg() == a.pass.Pkg {
			return nil
		}
		if s, ok := a.imported[obj]; ok {
			return s
		}
		s := new(FuncFact)
		if !a.pass.ImportObjectFact(obj, s) {
			s = nil
		}
		a.imported[obj] = s
		return s
	}
	if s, ok := a.summaries[fn]; ok {
		return s
	}
	if a.busy[fn] {
		return nil // recursion: assume nothing
	}
	a.busy[fn] = true
	defer delete(a.busy, fn)
	s := a.summarize(fn)
	a.summaries[fn] = s
	return s
}

func (a *state) summarize(fn *ssa.Function) *FuncFact {
	f := a.flow(fn)
	s := &FuncFact{}
	seen := map[string]bool{}
	guarded := flagGuarded(fn)
	a.visit(f, func(ins ssa.Instruction, st *State) {
		if s.Block == nil {
			s.Block = a.blocking(f, ins, true)
		}
		if c, ok := ins.(ssa.CallInstruction); ok {
			if _, isGo := ins.(*ssa.Go); !isGo {
				for _, r := range a.entryReleases(f.refs, c.Common(), st) {
					if r.Portable() && !slices.Contains(s.Unlocks, r.Key) && len(s.Unlocks) < maxAcquire {
						s.Unlocks = append(s.Unlocks, r.Key)
					}
				}
			}
		}
		for _, acq := range a.acquisitions(f.refs, ins) {
			if !acq.Portable() || acq.Try || len(s.Acquire) >= maxAcquire {
				continue
			}
			k := acq.Key
			if acq.Read {
				k += "/r"
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			s.Acquire = append(s.Acquire, Acq{Path: acq.Key, Class: acq.Class, Name: acq.Name, Read: acq.Read, At: acq.At, Chain: acq.Chain,
				Cond: acq.Cond || guarded[ins.Block()]})
		}
	})
	for _, b := range fn.Blocks {
		if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok {
			for _, v := range ret.Results {
				if _, isChan := v.Type().Underlying().(*types.Chan); isChan && a.madeHere(f.refs, v) {
					s.Fresh = true
				}
			}
		}
		for _, ins := range b.Instrs {
			var c *ssa.CallCommon
			switch ins := ins.(type) {
			case *ssa.Call:
				c = ins.Common()
			case *ssa.Defer:
				c = ins.Common()
			default:
				continue
			}
			for _, r := range a.mayRelease(f.refs, c) {
				if r.Portable() && !slices.Contains(s.Release, r.Key) && len(s.Release) < maxAcquire {
					s.Release = append(s.Release, r.Key)
				}
			}
		}
	}
	if f.exit != nil {
		for _, h := range f.exit.Held {
			if h.Portable() {
				op := Lock
				if h.Read {
					op = RLock
				}
				s.Effect = append(s.Effect, Effect{Path: h.Key, Class: h.Class, Name: h.Name, Op: op})
			}
		}
		for _, k := range f.exit.released {
			if (Ref{Key: k}).Portable() {
				s.Effect = append(s.Effect, Effect{Path: k, Op: Unlock})
			}
		}
	}
	return s
}

// flagGuarded returns the blocks of fn that run only when a boolean
// parameter is true, or only when it is false: those dominated by a
// branch on the parameter.
func flagGuarded(fn *ssa.Function) map[*ssa.BasicBlock]bool {
	var heads []*ssa.BasicBlock
	for _, b := range fn.Blocks {
		if len(b.Instrs) == 0 {
			continue
		}
		iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
		if !ok {
			continue
		}
		c := iff.Cond
		if u, ok := c.(*ssa.UnOp); ok && u.Op == token.NOT {
			c = u.X
		}
		if _, ok := c.(*ssa.Parameter); !ok {
			continue
		}
		for _, s := range b.Succs {
			if len(s.Preds) == 1 {
				heads = append(heads, s)
			}
		}
	}
	out := map[*ssa.BasicBlock]bool{}
	if len(heads) == 0 {
		return out
	}
	for _, b := range fn.Blocks {
		for _, h := range heads {
			if h.Dominates(b) {
				out[b] = true
				break
			}
		}
	}
	return out
}

// An Acquisition is a lock taken by an instruction, directly or through a
// call.
type Acquisition struct {
	Ref
	Read  bool
	Try   bool
	Cond  bool      // taken only if a boolean parameter of a callee says so
	Pos   token.Pos // the instruction
	At    string    // where the lock is taken, if through a call
	Chain []string  // the calls from the instruction to where it is taken
}

// acquisitions returns the locks taken by ins.
func (a *state) acquisitions(rs *refs, ins ssa.Instruction) []Acquisition {
	call, ok := ins.(*ssa.Call)
	if !ok {
		return nil
	}
	c := call.Common()
	if op, v := LockOp(c); op != NoOp {
		if op.Releases() {
			return nil
		}
		return []Acquisition{{Ref: rs.of(v), Read: op.Read(), Try: op == TryLock || op == TryRLock, Pos: call.Pos(), At: a.at(call.Pos())}}
	}
	fn, bindings := callee(c)
	if fn == nil {
		return nil
	}
	s := a.summary(fn)
	if s == nil {
		return nil
	}
	arg := argRef(rs, c, bindings)
	var out []Acquisition
	name := funcName(fn)
	for _, acq := range s.Acquire {
		r, ok := subst(acq.Path, arg)
		if !ok {
			continue
		}
		if r.Name == "" {
			r.Name = acq.Name
		}
		r.Class = acq.Class
		chain := append([]string{name}, acq.Chain...)
		if len(chain) > maxChain {
			chain = append(chain[:maxChain-1:maxChain-1], "…")
		}
		out = append(out, Acquisition{Ref: r, Read: acq.Read, Pos: call.Pos(), At: acq.At, Chain: chain, Cond: acq.Cond})
	}
	return out
}

// Acquisitions returns the locks taken by ins, an instruction of fn.
func (r *Result) Acquisitions(fn *ssa.Function, ins ssa.Instruction) []Acquisition {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	return r.a.acquisitions(r.a.flow(fn).refs, ins)
}

// Visit calls visit for every reachable instruction of fn with the state
// before it. visit must not keep s.
func (r *Result) Visit(fn *ssa.Function, visit func(ins ssa.Instruction, s *State)) {
	type step struct {
		ins ssa.Instruction
		s   *State
	}
	var steps []step
	empty := &State{}
	r.a.mu.Lock()
	r.a.visit(r.a.flow(fn), func(ins ssa.Instruction, s *State) {
		c := empty
		if len(s.Held) > 0 {
			c = s.clone()
		}
		steps = append(steps, step{ins, c})
	})
	r.a.mu.Unlock()
	for _, st := range steps {
		visit(st.ins, st.s)
	}
}

// Ref returns the reference of value v of fn.
func (r *Result) Ref(fn *ssa.Function, v ssa.Value) Ref {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	return r.a.flow(fn).refs.of(v)
}

// Summary returns what is known of fn.
func (r *Result) Summary(fn *ssa.Function) *FuncFact {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	return r.a.summary(fn)
}

// Exit returns the locks held on every return of fn after its deferred
// calls, and whether fn returns at all.
func (r *Result) Exit(fn *ssa.Function) ([]Held, bool) {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	f := r.a.flow(fn)
	if f.exit == nil {
		return nil, false
	}
	return f.exit.Held, true
}

// Releases returns the locks that ins releases, now or (for a defer) on
// return.
func (r *Result) Releases(fn *ssa.Function, ins ssa.Instruction) []Ref {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	f := r.a.flow(fn)
	var c *ssa.CallCommon
	switch ins := ins.(type) {
	case *ssa.Call:
		c = ins.Common()
	case *ssa.Defer:
		c = ins.Common()
	default:
		return nil
	}
	ops, locks := r.a.effects(f.refs, c)
	var out []Ref
	for i, op := range ops {
		if op.Releases() {
			out = append(out, locks[i])
		}
	}
	return out
}

// mayRelease returns the locks that a call may release, on some path.
func (a *state) mayRelease(rs *refs, c *ssa.CallCommon) []Ref {
	return a.releases(rs, c, func(s *FuncFact) []string { return s.Release })
}

// releases returns the locks that a call releases: the lock of an Unlock
// or RUnlock call, or those its callee's summary releases when it returns
// and those listed by more.
func (a *state) releases(rs *refs, c *ssa.CallCommon, more func(*FuncFact) []string) []Ref {
	if op, v := LockOp(c); op != NoOp {
		if op.Releases() {
			return []Ref{rs.of(v)}
		}
		return nil
	}
	fn, bindings := callee(c)
	if fn == nil {
		return nil
	}
	s := a.summary(fn)
	if s == nil {
		return nil
	}
	arg := argRef(rs, c, bindings)
	var out []Ref
	for _, e := range s.Effect {
		if e.Op.Releases() {
			if r, ok := subst(e.Path, arg); ok {
				out = append(out, r)
			}
		}
	}
	for _, p := range more(s) {
		if r, ok := subst(p, arg); ok {
			out = append(out, r)
		}
	}
	return out
}

// Takes returns the locks that ins, a call of fn, leaves held: the lock of
// a Lock or RLock call, or those of a lock helper.
func (r *Result) Takes(fn *ssa.Function, ins ssa.Instruction) []Held {
	call, ok := ins.(*ssa.Call)
	if !ok {
		return nil
	}
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	ops, refs := r.a.effects(r.a.flow(fn).refs, call.Common())
	via := ""
	if op, _ := LockOp(call.Common()); op == NoOp {
		if fn, _ := callee(call.Common()); fn != nil {
			via = funcName(fn)
		}
	}
	var out []Held
	for i, op := range ops {
		if op.Acquires() {
			out = append(out, Held{Ref: refs[i], Read: op.Read(), Pos: call.Pos(), Via: via})
		}
	}
	return out
}

// entryReleases returns the locks that a call in a state st may release
// without st holding them: its function's caller's locks.
func (a *state) entryReleases(rs *refs, c *ssa.CallCommon, st *State) []Ref {
	out := a.releases(rs, c, func(s *FuncFact) []string { return s.Unlocks })
	return slices.DeleteFunc(out, func(r Ref) bool { return held(st, r.Key) })
}

func held(st *State, key string) bool {
	_, ok := st.Find(key)
	return ok
}

// MayRelease returns the locks that ins, a call or defer of fn, may
// release on some path.
func (r *Result) MayRelease(fn *ssa.Function, ins ssa.Instruction) []Ref {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	switch ins := ins.(type) {
	case *ssa.Call:
		return r.a.mayRelease(r.a.flow(fn).refs, ins.Common())
	case *ssa.Defer:
		return r.a.mayRelease(r.a.flow(fn).refs, ins.Common())
	case *ssa.Go:
		// A lock handed to a goroutine that releases it.
		return r.a.mayRelease(r.a.flow(fn).refs, ins.Common())
	}
	return nil
}

// HeldDuring returns the locks of s that stay held for the whole of ins:
// a call that may release its caller's lock (an unlock helper, a function
// that unlocks, waits and relocks) does not hold it throughout.
func (r *Result) HeldDuring(fn *ssa.Function, ins ssa.Instruction, s *State) []Held {
	if _, ok := ins.(*ssa.Call); !ok || len(s.Held) == 0 {
		return s.Held
	}
	r.a.mu.Lock()
	rel := r.a.entryReleases(r.a.flow(fn).refs, ins.(*ssa.Call).Common(), &State{})
	r.a.mu.Unlock()
	if len(rel) == 0 {
		return s.Held
	}
	var out []Held
	for _, h := range s.Held {
		if !slices.ContainsFunc(rel, func(x Ref) bool { return x.Key == h.Key }) {
			out = append(out, h)
		}
	}
	return out
}

// Start returns the start of the call expression whose left parenthesis
// is at pos (an SSA call's position), or pos itself.
func (r *Result) Start(pos token.Pos) token.Pos {
	if p, ok := r.starts[pos]; ok {
		return p
	}
	return pos
}

// collect gathers the package's order edges and channel uses.
func (r *Result) collect() {
	a := r.a
	type pair struct{ from, to string }
	seen := map[pair]bool{}
	for _, fn := range r.Funcs {
		f := a.flow(fn)
		a.visit(f, func(ins ssa.Instruction, s *State) {
			var released []Ref
			if c, ok := ins.(*ssa.Call); ok && len(s.Held) > 0 {
				released = a.entryReleases(f.refs, c.Common(), &State{})
			}
			for _, acq := range a.acquisitions(f.refs, ins) {
				if acq.Class == "" || acq.Try || acq.Cond {
					continue
				}
				for _, h := range s.Held {
					if h.Class == "" || h.Key == acq.Key || slices.ContainsFunc(released, func(x Ref) bool { return x.Key == h.Key }) {
						continue
					}
					p := pair{h.Class, acq.Class}
					if seen[p] {
						continue
					}
					seen[p] = true
					r.Edges = append(r.Edges, Edge{From: h.Class, To: acq.Class, Func: funcName(fn), At: a.at(acq.Pos), Chain: acq.Chain, pos: acq.Pos})
				}
			}
			var held []string
			for _, h := range s.Held {
				if h.Class != "" {
					held = append(held, h.Class)
				}
			}
			use := func(ch ssa.Value, send bool, pos token.Pos) {
				c := f.refs.of(ch).Class
				if c != "" {
					r.Chans[c] = append(r.Chans[c], ChanUse{Send: send, Held: held, Pos: pos, Fn: fn})
				}
			}
			switch ins := ins.(type) {
			case *ssa.Send:
				use(ins.Chan, true, ins.Pos())
			case *ssa.UnOp:
				if ins.Op == token.ARROW {
					use(ins.X, false, ins.Pos())
				}
			case *ssa.Select:
				for _, st := range ins.States {
					use(st.Chan, st.Dir == types.SendOnly, st.Pos)
				}
			}
		})
	}
}

// loopBlocks returns the blocks of fn that lie on a cycle.
func (a *state) loopBlocks(fn *ssa.Function) map[*ssa.BasicBlock]bool {
	if l, ok := a.loops[fn]; ok {
		return l
	}
	l := map[*ssa.BasicBlock]bool{}
	for _, b := range fn.Blocks {
		seen := map[*ssa.BasicBlock]bool{}
		stack := append([]*ssa.BasicBlock(nil), b.Succs...)
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if x == b {
				l[b] = true
				break
			}
			if seen[x] {
				continue
			}
			seen[x] = true
			stack = append(stack, x.Succs...)
		}
	}
	a.loops[fn] = l
	return l
}

// inspectFiles calls f for every node of the package's files.
func inspectFiles(pass *analysis.Pass, f func(ast.Node) bool) {
	for _, file := range pass.Files {
		ast.Inspect(file, f)
	}
}
