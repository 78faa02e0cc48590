// Package dumpsrc reads a program's source to explain the frames of a
// goroutine dump of that program: which locks each frame holds at the line
// where it stopped, what the innermost frame waits on, and which functions
// may end that wait. It implements dump.Source with the lock-state
// analysis of gridlock vet (analysis/internal/locks).
//
// Frames are matched to files by module path and file, so that the dump of
// a -trimpath build (example.com/app/server/conn.go) and a dump taken on
// another machine (/home/ci/src/app/server/conn.go) both find the file in
// the module. A file whose lines do not match the dump (the frame's line is
// not a call of the next frame's function, or lies in another function) is
// another version of the program: it is said, and not used.
package dumpsrc

import (
	"bufio"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"

	"github.com/gridlock-go/gridlock/analysis/internal/locks"
	"github.com/gridlock-go/gridlock/dump"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// Program is the source of a module, loaded for the frames of a dump.
type Program struct {
	// Root is the module's directory; Module its path.
	Root, Module string
	// Problems lists the packages that could not be loaded, one line each.
	Problems []string

	fset    *token.FileSet
	files   map[string]*file // by absolute path
	resolve map[string]string
	nested  map[string]bool // directories: whether they hold a go.mod of their own
	cache   map[frameKey]*dump.SourceFrame
	enders  map[string]map[string]string // "op:class" → function → what it does
	condL   map[string]string            // class of a Cond → class of its lock
	escapes map[string]bool              // classes and types handed to code not shown
	placed  map[frameKey]placement       // where the frames explained stopped
	rests   map[frameKey][]string        // what they may call from there on
	cg      *callGraph
}

type frameKey struct {
	fn, file string
	line     int
	callee   string
}

// file is a file of a loaded package.
type file struct {
	pkg   *pkg
	funcs []*ssa.Function   // functions and literals declared in it
	calls map[token.Pos]int // call expressions by Lparen → last line
}

type pkg struct {
	p   *packages.Package
	res *locks.Result
}

// Open finds the module that contains dir (dir itself or a parent holding
// a go.mod).
func Open(dir string) (*Program, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for d := abs; ; d = filepath.Dir(d) {
		mod, err := modulePath(filepath.Join(d, "go.mod"))
		if err == nil {
			return &Program{Root: d, Module: mod, files: map[string]*file{}, resolve: map[string]string{}, nested: map[string]bool{},
				cache: map[frameKey]*dump.SourceFrame{}, placed: map[frameKey]placement{}, rests: map[frameKey][]string{}}, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		if filepath.Dir(d) == d {
			return nil, fmt.Errorf("%s: no go.mod in it or above it", dir)
		}
	}
}

// modulePath reads the module path of a go.mod file.
func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			m := strings.Trim(strings.TrimSpace(rest), `"`)
			if m != "" {
				return m, nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s: no module line", gomod)
}

// Load loads, once, the packages of the module that the frames of d are
// in, and analyzes them. Packages that do not build are listed in
// Problems and not used.
func (p *Program) Load(d *dump.Dump) error {
	dirs := map[string]bool{}
	tests := false
	for _, s := range d.Stacks {
		for _, f := range s.Frames {
			if stdlib(f.Func) {
				continue
			}
			if f := p.File(f.File); f != "" {
				dirs[filepath.Dir(f)] = true
				tests = tests || strings.HasSuffix(f, "_test.go")
			}
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	var patterns []string
	for dir := range dirs {
		rel, err := filepath.Rel(p.Root, dir)
		if err != nil {
			continue
		}
		patterns = append(patterns, "./"+filepath.ToSlash(rel))
	}
	sort.Strings(patterns)
	// The whole program: the module's packages that those import, where
	// a function that may end a wait can be, on a stack or not.
	patterns = p.closure(patterns, tests)
	p.fset = token.NewFileSet()
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
			packages.NeedTypes | packages.NeedTypesSizes | packages.NeedSyntax | packages.NeedTypesInfo,
		Dir:   p.Root,
		Fset:  p.fset,
		Tests: tests,
		Env:   append(os.Environ(), "GOWORK=off"),
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return fmt.Errorf("loading the source of %s: %w", p.Module, err)
	}
	p.analyze(pkgs)
	return nil
}

// closure returns the import paths of the module's packages that the
// packages of patterns import, directly or not, and theirs; patterns
// themselves if go list fails (the full load then says why).
func (p *Program) closure(patterns []string, tests bool) []string {
	cfg := &packages.Config{
		Mode:  packages.NeedName | packages.NeedImports | packages.NeedDeps,
		Dir:   p.Root,
		Tests: tests,
		Env:   append(os.Environ(), "GOWORK=off"),
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return patterns
	}
	mine := func(path string) bool { return path == p.Module || strings.HasPrefix(path, p.Module+"/") }
	set := map[string]bool{}
	packages.Visit(pkgs, nil, func(q *packages.Package) {
		path := q.PkgPath
		if mine(path) && !strings.HasSuffix(path, ".test") && !strings.HasSuffix(path, "_test") && q.Name != "" {
			set[path] = true
		}
	})
	if len(set) == 0 {
		return patterns
	}
	out := make([]string, 0, len(set))
	for path := range set {
		out = append(out, path)
	}
	sort.Strings(out)
	return out
}

// analyze runs the lock analysis on the loaded packages, dependencies
// first, with facts shared across them.
func (p *Program) analyze(roots []*packages.Package) {
	in := map[*packages.Package]bool{}
	for _, r := range roots {
		in[r] = true
	}
	var order []*packages.Package
	seen := map[*packages.Package]bool{}
	var visit func(q *packages.Package)
	visit = func(q *packages.Package) {
		if seen[q] {
			return
		}
		seen[q] = true
		paths := make([]string, 0, len(q.Imports))
		for path := range q.Imports {
			paths = append(paths, path)
		}
		sort.Strings(paths)
		for _, path := range paths {
			if in[q.Imports[path]] {
				visit(q.Imports[path])
			}
		}
		order = append(order, q)
	}
	for _, r := range roots {
		visit(r)
	}
	facts := newFactStore()
	for _, q := range order {
		if len(q.Errors) > 0 || q.Types == nil || q.TypesInfo == nil {
			msg := "does not build"
			if len(q.Errors) > 0 {
				msg = q.Errors[0].Msg
			}
			p.Problems = append(p.Problems, fmt.Sprintf("package %s not used: %s", q.PkgPath, msg))
			continue
		}
		pass := facts.pass(q)
		res, err := locks.Analyzer.Run(pass)
		if err != nil {
			p.Problems = append(p.Problems, fmt.Sprintf("package %s not analyzed: %v", q.PkgPath, err))
			continue
		}
		pk := &pkg{p: q, res: res.(*locks.Result)}
		for _, af := range q.Syntax {
			name := p.fset.File(af.Pos()).Name()
			f := &file{pkg: pk, calls: map[token.Pos]int{}}
			ast.Inspect(af, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					f.calls[c.Lparen] = p.fset.Position(c.End()).Line
				}
				return true
			})
			p.files[name] = f
		}
		for _, fn := range pk.res.Funcs {
			if fn.Syntax() == nil {
				continue
			}
			name := p.fset.Position(fn.Syntax().Pos()).Filename
			if f := p.files[name]; f != nil {
				f.funcs = append(f.funcs, fn)
			}
		}
	}
}

// Frame implements dump.Source.
func (p *Program) Frame(fr waitgraph.Frame, callee string) *dump.SourceFrame {
	k := frameKey{fr.Func, fr.File, fr.Line, callee}
	if sf, ok := p.cache[k]; ok {
		return sf
	}
	sf := p.frame(fr, callee)
	p.cache[k] = sf
	return sf
}

func (p *Program) frame(fr waitgraph.Frame, callee string) *dump.SourceFrame {
	if stdlib(fr.Func) {
		return nil
	}
	name := p.File(fr.File)
	if name == "" {
		return nil
	}
	f := p.files[name]
	if f == nil {
		return nil
	}
	rel, _ := filepath.Rel(p.Root, name)
	rel = filepath.ToSlash(rel)
	fn := f.at(p.fset, fr.Line)
	if fn == nil {
		return &dump.SourceFrame{Mismatch: fmt.Sprintf("%s:%d is in no function in the source, but in %s in the dump: %s is another version than the program's; not used", rel, fr.Line, fr.Func, rel)}
	}
	if want, got := frameName(fr.Func), topName(fn); !sameFunc(want, got) {
		return &dump.SourceFrame{Mismatch: fmt.Sprintf("%s:%d is in %s in the source, but in %s in the dump: %s is another version than the program's; not used", rel, fr.Line, got, want, rel)}
	}
	res := f.pkg.res
	var at ssa.Instruction
	var st *locks.State
	// The innermost function holding the line first, then those around
	// it: in "s.Add(func() {", the call of Add is in the function around
	// the literal that starts on its line.
	for _, cand := range f.around(p.fset, fr.Line) {
		if topName(cand) != topName(fn) {
			break
		}
		at, st = p.stop(f, res, cand, fr.Line, callee)
		if at != nil {
			fn = cand
			break
		}
	}
	if at == nil && lenient(p.fset, fn, fr.Line, callee) {
		// The line of a running goroutine, or of a function running its
		// deferred calls or panicking: consistent, but nothing to infer.
		p.placed[frameKey{fr.Func, fr.File, fr.Line, callee}] = placement{fn, nil}
		return &dump.SourceFrame{Anywhere: true}
	}
	if at != nil {
		p.placed[frameKey{fr.Func, fr.File, fr.Line, callee}] = placement{fn, at}
	}
	if at == nil {
		what := "a call of " + callee
		if callee == "" || isChanOp(callee) {
			what = "a call or channel operation"
		}
		return &dump.SourceFrame{Mismatch: fmt.Sprintf("%s:%d is not %s in %s: %s is another version than the program's; not used", rel, fr.Line, what, fr.Func, rel)}
	}
	sf := &dump.SourceFrame{Reaches: p.reaches(fn, at)}
	held := st.Held
	if c, ok := at.(*ssa.Call); ok {
		held = res.HeldDuring(fn, at, st)
		if isCondWait(c.Common()) {
			// Cond.Wait releases its lock while it waits; the others
			// stay held.
			held = p.condReleases(res, fn, c.Common().Args[0], held)
		}
	}
	sizes := f.pkg.p.TypesSizes
	for _, h := range held {
		pos := p.fset.Position(h.Pos)
		l := dump.SourceLock{SourceRef: p.ref(res, fn, h.Ref, sizes), Read: h.Read, File: pos.Filename, Line: pos.Line, Deferred: st.Deferred(h.Key),
			Type: lockType(fn, h.Pos)}
		if l.Name == "" || l.Name == "?" {
			l.Name = locks.ShortClass(h.Class)
		}
		sf.Held = append(sf.Held, l)
	}
	if c, ok := at.(*ssa.Call); ok && isOnceDo(c.Common()) {
		r := p.ref(res, fn, res.Ref(fn, c.Common().Args[0]), sizes)
		if r.Arg >= 0 {
			r.Offset += onceMutexOffset(c.Common().Args[0].Type(), sizes)
		}
		pos := p.fset.Position(c.Pos())
		sf.Once = &dump.SourceLock{SourceRef: r, File: pos.Filename, Line: pos.Line, Type: "sync.Once"}
		sf.Wait = &r
		return sf
	}
	if sel, ok := at.(*ssa.Select); ok && sel.Blocking {
		sf.Wait, sf.Enders = p.selectWait(res, fn, sel, sizes)
		return sf
	}
	if v, op := waitsOn(at); v != nil {
		r := p.ref(res, fn, res.Ref(fn, v), sizes)
		r.Owned = r.Owned || p.owns(r.Class) || madeHere(v)
		sf.Wait = &r
		sf.Enders = p.endersOf(op, r.Class, v.Type())
		r.Escapes = op != "" && p.escaped(r.Class, v.Type())
		if op != "" {
			if maker := confined(v); maker != nil {
				r.Owned = true
				r.Maker = funcKey(maker)
				r.Obj = p.objID(originOf(v))
				sf.Enders = onlyIn(sf.Enders, r.Maker)
			}
		}
		if op == "done" {
			sf.Owes = p.owes(res, fn, res.Ref(fn, v).Key)
		}
	}
	return sf
}

// owes says what the function waiting on a WaitGroup did with it: the Adds
// (in a loop or not) and the go statements it was handed to, each of which
// owes a Done, and the Done calls of the function itself.
func (p *Program) owes(res *locks.Result, fn *ssa.Function, key string) string {
	var adds, gos []string
	dones := 0
	total, counted := int64(0), true // the sum of the Adds, if the source shows it
	loops := loopBlocks(fn)
	for _, b := range fn.Blocks {
		for _, ins := range b.Instrs {
			ci, ok := ins.(ssa.CallInstruction)
			if !ok {
				continue
			}
			c := ci.Common()
			at := p.fset.Position(ins.Pos())
			where := filepath.Base(filepath.Dir(at.Filename)) + "/" + filepath.Base(at.Filename) + ":" + strconv.Itoa(at.Line)
			if loops[b] {
				where += " (in a loop)"
			}
			if callee := c.StaticCallee(); callee != nil && recvIs(callee, "WaitGroup") && len(c.Args) > 0 &&
				res.Ref(fn, c.Args[0]).Key == key {
				switch callee.Name() {
				case "Add":
					n := "n"
					if k, ok := c.Args[len(c.Args)-1].(*ssa.Const); ok && len(c.Args) == 2 {
						n = k.Value.String()
						v, exact := constant.Int64Val(k.Value)
						times := int64(1)
						if loops[b] {
							times = p.tripCount(fn, ins.Pos())
						}
						if exact && times > 0 {
							total += v * times
						} else {
							counted = false
						}
					} else {
						counted = false
					}
					adds = append(adds, "Add("+n+") at "+where)
				case "Done":
					dones++
				}
				continue
			}
			if _, ok := ins.(*ssa.Go); ok {
				for _, a := range c.Args {
					if res.Ref(fn, a).Key == key {
						gos = append(gos, "a goroutine started at "+where)
						break
					}
				}
			}
		}
	}
	if len(adds) == 0 {
		return ""
	}
	s := strings.Join(adds, ", ")
	if len(gos) > 0 {
		s += ", for " + strings.Join(gos, ", ") + ", which owes a Done"
	}
	if dones > 0 {
		s += fmt.Sprintf(", %d Done in the function itself", dones)
	}
	if counted {
		s += fmt.Sprintf("; %d added in all", total)
		if dones > 0 {
			s += fmt.Sprintf(", %d owed by others", total-int64(dones))
		}
	}
	return s
}

// tripCount returns how many times the loops of fn around pos run, when
// the source says (for i := range 3, for i := 0; i < 3; i++), or 0.
func (p *Program) tripCount(fn *ssa.Function, pos token.Pos) int64 {
	f := p.files[p.fset.Position(pos).Filename]
	if f == nil || fn.Syntax() == nil {
		return 0
	}
	var file *ast.File
	for _, af := range f.pkg.p.Syntax {
		if af.Pos() <= pos && pos <= af.End() {
			file = af
		}
	}
	if file == nil {
		return 0
	}
	info := f.pkg.p.TypesInfo
	konst := func(e ast.Expr) (int64, bool) {
		if e == nil {
			return 0, false
		}
		tv, ok := info.Types[e]
		if !ok || tv.Value == nil || tv.Value.Kind() != constant.Int {
			return 0, false
		}
		return constant.Int64Val(tv.Value)
	}
	path, _ := astutil.PathEnclosingInterval(file, pos, pos)
	times := int64(1)
	for _, n := range path {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return times
		case *ast.RangeStmt:
			k, ok := konst(n.X)
			if !ok || k <= 0 {
				return 0
			}
			times *= k
		case *ast.ForStmt:
			// for i := a; i < b; i++
			init, ok1 := n.Init.(*ast.AssignStmt)
			cond, ok2 := n.Cond.(*ast.BinaryExpr)
			post, ok3 := n.Post.(*ast.IncDecStmt)
			if !ok1 || !ok2 || !ok3 || len(init.Rhs) != 1 || cond.Op != token.LSS || post.Tok != token.INC {
				return 0
			}
			a, okA := konst(init.Rhs[0])
			b, okB := konst(cond.Y)
			if !okA || !okB || b <= a {
				return 0
			}
			times *= b - a
		}
	}
	return times
}

// loopBlocks returns the blocks of fn that lie on a cycle.
func loopBlocks(fn *ssa.Function) map[*ssa.BasicBlock]bool {
	in := map[*ssa.BasicBlock]bool{}
	for _, b := range fn.Blocks {
		// b is in a loop if it reaches itself.
		seen := map[*ssa.BasicBlock]bool{}
		work := slices.Clone(b.Succs)
		for len(work) > 0 {
			x := work[len(work)-1]
			work = work[:len(work)-1]
			if x == b {
				in[b] = true
				break
			}
			if !seen[x] {
				seen[x] = true
				work = append(work, x.Succs...)
			}
		}
	}
	return in
}

// ref turns a reference of the lock analysis into a dump.SourceRef: the
// position of the argument it is a field of, and its offset there; or, for
// a local variable (perhaps captured by a function literal), its
// declaration.
func (p *Program) ref(res *locks.Result, fn *ssa.Function, r locks.Ref, sizes types.Sizes) dump.SourceRef {
	out := dump.SourceRef{Name: r.Name, Class: r.Class, Arg: -1}
	// (A variable captured by a function literal is loaded: "f1.*".)
	if key := strings.TrimSuffix(r.Key, ".*"); r.Class == "" && (strings.HasPrefix(key, "l") || strings.HasPrefix(key, "f")) && !strings.Contains(key, ".") {
		if v := origin(res.Root(fn, key), 0); v != nil {
			decl := v.Parent()
			name := r.Name
			if a, ok := v.(*ssa.Alloc); ok && a.Comment != "" {
				name = a.Comment
			}
			out.Class = fmt.Sprintf("%s.%s@%d", funcKey(decl), name, p.fset.Position(v.Pos()).Line)
			out.Owned = true
			// A variable of main's first block exists once.
			b := v.(ssa.Instruction).Block()
			out.Global = decl.Parent() == nil && decl.Name() == "main" && decl.Pkg != nil &&
				decl.Pkg.Pkg.Name() == "main" && b == decl.Blocks[0]
		} else if class, name := elemClass(res, fn, res.Root(fn, key)); class != "" {
			out.Class, out.Name = class, name
		}
		return out
	}
	if k, ok := strings.CutPrefix(r.Key, "g:"); ok {
		if !strings.Contains(k, "*") {
			out.Global, out.Class = true, k
		}
		return out
	}
	if !strings.HasPrefix(r.Key, "p") || sizes == nil {
		return out
	}
	steps := strings.Split(r.Key, ".")
	i, err := strconv.Atoi(steps[0][1:])
	if err != nil || i >= len(fn.Params) {
		return out
	}
	if len(steps) == 1 {
		// The parameter itself: a *sync.Mutex, or a sync.Locker whose
		// data word the dump prints second in braces.
		switch types.Unalias(fn.Params[i].Type()).Underlying().(type) {
		case *types.Pointer, *types.Interface:
			out.Arg = i
		}
		return out
	}
	pt, ok := types.Unalias(fn.Params[i].Type()).Underlying().(*types.Pointer)
	if !ok {
		return out
	}
	t := pt.Elem()
	var off int64
	for _, step := range steps[1:] {
		st, ok := t.Underlying().(*types.Struct)
		if !ok {
			return out
		}
		idx := -1
		fields := make([]*types.Var, st.NumFields())
		for k := range st.NumFields() {
			fields[k] = st.Field(k)
			if st.Field(k).Name() == step {
				idx = k
			}
		}
		if idx < 0 {
			return out
		}
		off += sizes.Offsetsof(fields)[idx]
		t = fields[idx].Type()
	}
	out.Arg, out.Offset = i, off
	return out
}

// origin returns the variable declared (an Alloc) or the channel made (a
// MakeChan) that v, a local value or a free variable, stands for, or nil.
func origin(v ssa.Value, depth int) ssa.Value {
	switch v := v.(type) {
	case *ssa.Alloc, *ssa.MakeChan:
		return v
	case *ssa.FreeVar:
		fn := v.Parent()
		idx := slices.Index(fn.FreeVars, v)
		parent := fn.Parent()
		if parent == nil || idx < 0 || depth > 8 {
			return nil
		}
		for _, b := range parent.Blocks {
			for _, ins := range b.Instrs {
				if mc, ok := ins.(*ssa.MakeClosure); ok && mc.Fn == fn && idx < len(mc.Bindings) {
					return origin(mc.Bindings[idx], depth+1)
				}
			}
		}
	}
	return nil
}

// lockType returns "sync.Mutex" or "sync.RWMutex", the type of the lock
// that the call at pos in fn takes, or "" if it is not a Lock call there
// (a lock helper's) or through a sync.Locker.
func lockType(fn *ssa.Function, pos token.Pos) string {
	for _, b := range fn.Blocks {
		for _, ins := range b.Instrs {
			c, ok := ins.(ssa.CallInstruction)
			if !ok || ins.Pos() != pos {
				continue
			}
			if op, v := locks.LockOp(c.Common()); op.Acquires() && v != nil {
				t := v.Type()
				if pt, ok := types.Unalias(t).(*types.Pointer); ok {
					t = pt.Elem()
				}
				if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil {
					return path.Base(n.Obj().Pkg().Path()) + "." + n.Obj().Name()
				}
			}
		}
	}
	return ""
}

// condReleases returns held without the lock of the condition cond, when
// the source shows which it is (sync.NewCond(&mu) in the same function, or
// stored in the field or variable cond is loaded from); without it, Wait
// may release any of them, and none is said held.
func (p *Program) condReleases(res *locks.Result, fn *ssa.Function, cond ssa.Value, held []locks.Held) []locks.Held {
	var key, class string
	if c, ok := cond.(*ssa.Call); ok && isNewCond(c.Common()) {
		key = res.Ref(fn, c.Common().Args[0]).Key
	} else if cc := res.Ref(fn, cond).Class; cc != "" {
		if p.condL == nil {
			p.indexConds()
		}
		class = p.condL[cc]
	}
	if key == "" && class == "" {
		return nil
	}
	return slices.DeleteFunc(slices.Clone(held), func(h locks.Held) bool {
		return (key != "" && h.Key == key) || (class != "" && h.Class == class)
	})
}

func isNewCond(c *ssa.CallCommon) bool {
	fn := c.StaticCallee()
	return fn != nil && fn.Name() == "NewCond" && fn.Pkg != nil && len(c.Args) == 1 &&
		(fn.Pkg.Pkg.Path() == "sync" || fn.Pkg.Pkg.Path() == "github.com/gridlock-go/gridlock/sync")
}

// indexConds maps the field or variable each sync.NewCond(&l) is stored
// in to the class of l; a condition stored with two different locks maps
// to none.
func (p *Program) indexConds() {
	p.condL = map[string]string{}
	p.eachInstr(func(res *locks.Result, fn *ssa.Function, ins ssa.Instruction) {
		st, ok := ins.(*ssa.Store)
		if !ok {
			return
		}
		c, ok := st.Val.(*ssa.Call)
		if !ok || !isNewCond(c.Common()) {
			return
		}
		cc := res.Ref(fn, st.Addr).Class
		lc := res.Ref(fn, c.Common().Args[0]).Class
		if cc == "" {
			return
		}
		if old, ok := p.condL[cc]; ok && old != lc {
			lc = ""
		}
		p.condL[cc] = lc
	})
}

// eachInstr calls f for each instruction of each function of the
// program's packages, each package once.
func (p *Program) eachInstr(f func(res *locks.Result, fn *ssa.Function, ins ssa.Instruction)) {
	done := map[*locks.Result]bool{}
	for _, file := range p.files {
		res := file.pkg.res
		if done[res] {
			continue
		}
		done[res] = true
		for _, fn := range res.Funcs {
			for _, b := range fn.Blocks {
				for _, ins := range b.Instrs {
					f(res, fn, ins)
				}
			}
		}
	}
}

// elemClass names an element of a slice, array or map (t.stripes[i],
// locks[name]) by the class of its container: "pkg.Table.stripes[]". Which
// element, the source does not say.
func elemClass(res *locks.Result, fn *ssa.Function, v ssa.Value) (class, name string) {
	if u, ok := v.(*ssa.UnOp); ok && u.Op == token.MUL {
		v = u.X // a pointer loaded from the element
	}
	var x ssa.Value
	switch v := v.(type) {
	case *ssa.IndexAddr:
		x = v.X
	case *ssa.Lookup:
		x = v.X
	default:
		return "", ""
	}
	r := res.Ref(fn, x)
	if r.Class == "" {
		return "", ""
	}
	return r.Class + "[]", r.Name + "[…]"
}

func isOnceDo(c *ssa.CallCommon) bool {
	fn := c.StaticCallee()
	return fn != nil && fn.Name() == "Do" && recvIs(fn, "Once") && len(c.Args) == 2
}

// onceMutexOffset returns the offset of the mutex inside a sync.Once, whose
// address a goroutine waiting in Do shows; t is *sync.Once.
func onceMutexOffset(t types.Type, sizes types.Sizes) int64 {
	pt, ok := types.Unalias(t).Underlying().(*types.Pointer)
	if !ok || sizes == nil {
		return 0
	}
	st, ok := pt.Elem().Underlying().(*types.Struct)
	if !ok {
		return 0
	}
	fields := make([]*types.Var, st.NumFields())
	for i := range fields {
		fields[i] = st.Field(i)
	}
	offs := sizes.Offsetsof(fields)
	for i, f := range fields {
		if f.Name() == "m" {
			return offs[i]
		}
	}
	return 0
}

// selectWait returns what a blocking select waits on, the channels of its
// cases, and the functions that may end the wait: those that send on or
// close a channel it receives from, or receive from one it sends on. The
// wait is the program's own only if every channel is.
func (p *Program) selectWait(res *locks.Result, fn *ssa.Function, sel *ssa.Select, sizes types.Sizes) (*dump.SourceRef, map[string]string) {
	w := &dump.SourceRef{Arg: -1, Owned: true, Select: true}
	enders := map[string]string{}
	var names []string
	for _, st := range sel.States {
		r := p.ref(res, fn, res.Ref(fn, st.Chan), sizes)
		r.Owned = r.Owned || p.owns(r.Class) || madeHere(st.Chan)
		w.Owned = w.Owned && r.Owned
		name := r.Name
		if name == "" || name == "?" {
			name = "a " + typeKey(st.Chan.Type())
		}
		names = append(names, name)
		op := "send"
		if st.Dir == types.SendOnly {
			op = "recv"
		}
		w.Escapes = w.Escapes || p.escaped(r.Class, st.Chan.Type())
		for f, what := range p.endersOf(op, r.Class, st.Chan.Type()) {
			if _, ok := enders[f]; !ok {
				enders[f] = what
			}
		}
	}
	w.Name = strings.Join(names, ", ")
	// Confined if every channel is, to the same function.
	var maker *ssa.Function
	for i, st := range sel.States {
		m := confined(st.Chan)
		if m == nil || (i > 0 && m != maker) {
			maker = nil
			break
		}
		maker = m
	}
	if maker != nil && len(sel.States) > 0 {
		w.Maker = funcKey(maker)
		for _, st := range sel.States {
			w.Objs = append(w.Objs, p.objID(originOf(st.Chan)))
		}
		enders = onlyIn(enders, w.Maker)
	}
	return w, enders
}

// onlyIn keeps the enders that are the function maker or its literals.
func onlyIn(enders map[string]string, maker string) map[string]string {
	out := map[string]string{}
	for f, what := range enders {
		if f == maker || f == maker+".func*" {
			out[f] = what
		}
	}
	return out
}

// confined returns the outermost function F that made the channel, or
// declared the WaitGroup or Cond, that v stands for, when that object
// reaches no code but F and its function literals: it is only operated on
// (sent, received, closed, its sync methods called) and captured, never
// stored elsewhere, passed, returned or sent. Only the call of F that made
// it, and the goroutines that call started, can then end a wait on it.
func confined(v ssa.Value) *ssa.Function {
	o := originOf(v)
	if o == nil {
		return nil
	}
	if !usesStay(o, map[ssa.Value]bool{}, 0) {
		return nil
	}
	top := o.Parent()
	for top.Parent() != nil {
		top = top.Parent()
	}
	return top
}

func usesStay(v ssa.Value, seen map[ssa.Value]bool, depth int) bool {
	if seen[v] {
		return true
	}
	seen[v] = true
	if depth > 16 {
		return false
	}
	refs := v.Referrers()
	if refs == nil {
		return true
	}
	for _, r := range *refs {
		switch r := r.(type) {
		case *ssa.DebugRef:
		case *ssa.Send:
			if r.X == v {
				return false // the channel itself is sent
			}
		case *ssa.UnOp:
			switch r.Op {
			case token.ARROW:
			case token.MUL:
				if !usesStay(r, seen, depth+1) {
					return false
				}
			default:
				return false
			}
		case *ssa.Select:
			for _, st := range r.States {
				if st.Send == v {
					return false
				}
			}
		case *ssa.ChangeType:
			if !usesStay(r, seen, depth+1) {
				return false
			}
		case *ssa.MakeClosure:
			fn, ok := r.Fn.(*ssa.Function)
			if !ok || !onlyCalled(r) {
				return false
			}
			for i, b := range r.Bindings {
				if b == v && i < len(fn.FreeVars) && !usesStay(fn.FreeVars[i], seen, depth+1) {
					return false
				}
			}
		case *ssa.Store:
			if r.Val == v {
				return false // stored elsewhere
			}
		case ssa.CallInstruction:
			c := r.Common()
			if b, ok := c.Value.(*ssa.Builtin); ok {
				switch b.Name() {
				case "close", "len", "cap":
					continue
				}
				return false
			}
			fn := c.StaticCallee()
			if fn == nil || c.Value == v || len(c.Args) == 0 || c.Args[0] != v || slices.Contains(c.Args[1:], v) ||
				!(recvIs(fn, "WaitGroup") || recvIs(fn, "Cond")) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// blocksOn reports an operation that may block: a channel operation, a
// blocking select, a Lock, WaitGroup.Wait, Cond.Wait or Once.Do.
func blocksOn(ins ssa.Instruction) bool {
	if sel, ok := ins.(*ssa.Select); ok {
		return sel.Blocking
	}
	if v, _ := waitsOn(ins); v != nil {
		return true
	}
	c, ok := ins.(*ssa.Call)
	return ok && isOnceDo(c.Common())
}

// onlyCalled reports that a function literal's value is only called, or
// started by go or defer, where it is made: never stored, passed nor
// returned, so that only this function runs it.
func onlyCalled(mc *ssa.MakeClosure) bool {
	refs := mc.Referrers()
	if refs == nil {
		return true
	}
	for _, r := range *refs {
		switch r := r.(type) {
		case *ssa.DebugRef:
		case ssa.CallInstruction:
			c := r.Common()
			if c.Value != ssa.Value(mc) || slices.Contains(c.Args, ssa.Value(mc)) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// objID names the object made or declared by v, a MakeChan or an Alloc,
// by the function and position: as SourceRef.Obj and SourceFrame.Reaches
// name it.
func (p *Program) objID(v ssa.Value) string {
	top := v.Parent()
	for top.Parent() != nil {
		top = top.Parent()
	}
	pos := p.fset.Position(v.Pos())
	return fmt.Sprintf("%s@%s:%d:%d", funcKey(top), filepath.Base(pos.Filename), pos.Line, pos.Column)
}

// reaches returns the objects confined to fn (see confined) that fn, from
// instruction at on, may still operate on or hand to a goroutine it
// starts: those of its uses that the rest of fn reaches. A call that never
// returns ends the rest.
func (p *Program) reaches(fn *ssa.Function, at ssa.Instruction) []string {
	if fn.Parent() != nil {
		return nil
	}
	after := p.after(fn, at)
	var out []string
	for _, b := range fn.Blocks {
		for _, ins := range b.Instrs {
			var o ssa.Value
			switch v := ins.(type) {
			case *ssa.MakeChan:
				o = v
			case *ssa.Alloc:
				if v.Heap {
					o = v
				}
			}
			if o == nil || confined(o) == nil {
				continue
			}
			if usedIn(o, after, map[ssa.Value]bool{}) {
				out = append(out, p.objID(o))
			}
		}
	}
	return out
}

// usedIn reports whether one of the instructions in set uses v (or a load
// of it, or a function literal capturing it).
func usedIn(v ssa.Value, set map[ssa.Instruction]bool, seen map[ssa.Value]bool) bool {
	if seen[v] {
		return false
	}
	seen[v] = true
	refs := v.Referrers()
	if refs == nil {
		return false
	}
	for _, r := range *refs {
		if set[r] {
			return true
		}
		if rv, ok := r.(ssa.Value); ok && usedIn(rv, set, seen) {
			return true
		}
	}
	return false
}

// noReturn reports a call of a function of the program that never
// returns: its body has no return (a loop that runs for ever).
func (p *Program) noReturn(c *ssa.CallCommon) bool {
	fn := c.StaticCallee()
	if fn != nil && len(fn.Blocks) == 0 {
		// Another package's: its body, if loaded.
		fn = p.graph().bodies[funcKey(fn)]
	}
	if fn == nil || len(fn.Blocks) == 0 {
		return false
	}
	for _, b := range fn.Blocks {
		for _, ins := range b.Instrs {
			switch ins.(type) {
			case *ssa.Return, *ssa.Panic:
				return false
			}
		}
	}
	return true
}

// originOf is origin, through a load of a captured variable.
func originOf(v ssa.Value) ssa.Value {
	if u, ok := v.(*ssa.UnOp); ok && u.Op == token.MUL {
		v = u.X
	}
	return origin(v, 0)
}

// placement is where a frame stopped: at, an instruction of fn; nil if
// anywhere in fn.
type placement struct {
	fn *ssa.Function
	at ssa.Instruction
}

// place returns where the frame stopped, per the source; a nil function if
// the source cannot place it.
func (p *Program) place(fr waitgraph.Frame, callee string) (*ssa.Function, ssa.Instruction) {
	sf := p.Frame(fr, callee)
	if sf == nil || sf.Mismatch != "" {
		return nil, nil
	}
	pl, ok := p.placed[frameKey{fr.Func, fr.File, fr.Line, callee}]
	if !ok {
		return nil, nil
	}
	return pl.fn, pl.at
}

// after returns the instructions of fn that may run after at (all of them
// if at is nil): the rest of its block and the blocks it reaches, unless
// at calls a function that never returns. For a deferred call, fn's
// deferred calls run too: they are instructions of fn.
func (p *Program) after(fn *ssa.Function, at ssa.Instruction) map[ssa.Instruction]bool {
	out := map[ssa.Instruction]bool{}
	if at == nil {
		for _, b := range fn.Blocks {
			for _, ins := range b.Instrs {
				out[ins] = true
			}
		}
		return out
	}
	b := at.Block()
	if c, ok := at.(ssa.CallInstruction); ok && p.noReturn(c.Common()) {
		b = nil
	}
	if b != nil {
		p.follow(b, at, out)
	}
	if fn.Recover != nil {
		for _, ins := range fn.Recover.Instrs {
			out[ins] = true
		}
	}
	// Deferred calls run on the way out, even of a call that panics.
	for _, b := range fn.Blocks {
		for _, ins := range b.Instrs {
			if _, ok := ins.(*ssa.Defer); ok {
				out[ins] = true
			}
		}
	}
	return out
}

// follow adds to out the instructions after at in b, and those of the
// blocks b reaches.
func (p *Program) follow(b *ssa.BasicBlock, at ssa.Instruction, out map[ssa.Instruction]bool) {
	i := slices.Index(b.Instrs, at)
	for _, ins := range b.Instrs[i+1:] {
		out[ins] = true
	}
	work := slices.Clone(b.Succs)
	seen := map[*ssa.BasicBlock]bool{}
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[x] {
			continue
		}
		seen[x] = true
		for _, ins := range x.Instrs {
			out[ins] = true
		}
		work = append(work, x.Succs...)
	}
}

// stop returns the operation of fn on line that a frame calling callee
// stopped at, and the lock state before it. Without a callee (a dump
// without the runtime's frames), the line's blocking operation, if it has
// one, is the one: in "ch <- f()" the send, not the call of f.
func (p *Program) stop(f *file, res *locks.Result, fn *ssa.Function, line int, callee string) (ssa.Instruction, *locks.State) {
	var at ssa.Instruction
	var st *locks.State
	waitOp := false
	res.Visit(fn, func(ins ssa.Instruction, s *locks.State) {
		if (at != nil && (callee != "" || waitOp)) || !f.covers(p.fset, ins, line) || !calls(ins, callee) {
			return
		}
		blocks := blocksOn(ins)
		if at != nil && !blocks {
			return
		}
		at, waitOp = ins, blocks
		c := *s
		c.Held = slices.Clone(s.Held)
		st = &c
	})
	return at, st
}
