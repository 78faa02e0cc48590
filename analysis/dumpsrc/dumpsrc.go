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
	"go/token"
	"go/types"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
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
				cache: map[frameKey]*dump.SourceFrame{}}, nil
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

// File returns the file of the module that a dump's file name denotes, or
// "" if none does: the module path and a file under it (a -trimpath
// build), a path under Root, or any path whose tail names a file of the
// module (the module checked out elsewhere).
func (p *Program) File(name string) string {
	if f, ok := p.resolve[name]; ok {
		return f
	}
	f := p.file(name)
	p.resolve[name] = f
	return f
}

func (p *Program) file(name string) string {
	if !strings.HasSuffix(name, ".go") {
		return ""
	}
	if rest, ok := strings.CutPrefix(name, p.Module+"/"); ok {
		return p.existing(filepath.Join(p.Root, filepath.FromSlash(rest)))
	}
	if rel, err := filepath.Rel(p.Root, name); err == nil && filepath.IsAbs(name) && !strings.HasPrefix(rel, "..") {
		return p.existing(name)
	}
	if !path.IsAbs(name) && !filepath.IsAbs(name) {
		return "" // another module's, or the standard library's
	}
	parts := strings.Split(filepath.ToSlash(name), "/")
	for _, part := range parts {
		if strings.Contains(part, "@") {
			return "" // in the module cache: a dependency's
		}
	}
	for i := 1; i < len(parts)-1; i++ {
		if f := p.existing(filepath.Join(p.Root, filepath.Join(parts[i:]...))); f != "" {
			return f
		}
	}
	return ""
}

func (p *Program) existing(f string) string {
	st, err := os.Stat(f)
	if err != nil || !st.Mode().IsRegular() {
		return ""
	}
	// A directory with a go.mod of its own, between the file and the
	// root, is another module.
	for d := filepath.Dir(f); d != p.Root && len(d) > len(p.Root); d = filepath.Dir(d) {
		nested, ok := p.nested[d]
		if !ok {
			_, err := os.Stat(filepath.Join(d, "go.mod"))
			nested = err == nil
			p.nested[d] = nested
		}
		if nested {
			return ""
		}
	}
	return f
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

// stdlib reports whether fn is a function of the standard library: the
// first element of its import path has no dot, and it is not main.
func stdlib(fn string) bool {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return false
	}
	path := fn[:slash+1+dot]
	first, _, _ := strings.Cut(path, "/")
	return path != "main" && !strings.Contains(first, ".")
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
	res.Visit(fn, func(ins ssa.Instruction, s *locks.State) {
		if at != nil || !f.covers(p.fset, ins, fr.Line) || !calls(ins, callee) {
			return
		}
		at = ins
		c := *s
		c.Held = slices.Clone(s.Held)
		st = &c
	})
	if at == nil && lenient(p.fset, fn, fr.Line, callee) {
		// The line of a running goroutine, or of a function running its
		// deferred calls or panicking: consistent, but nothing to infer.
		return &dump.SourceFrame{}
	}
	if at == nil {
		what := "a call of " + callee
		if callee == "" || isChanOp(callee) {
			what = "a call or channel operation"
		}
		return &dump.SourceFrame{Mismatch: fmt.Sprintf("%s:%d is not %s in %s: %s is another version than the program's; not used", rel, fr.Line, what, fr.Func, rel)}
	}
	sf := &dump.SourceFrame{}
	held := st.Held
	if c, ok := at.(*ssa.Call); ok {
		held = res.HeldDuring(fn, at, st)
		if isCondWait(c.Common()) {
			held = nil // Cond.Wait releases its lock while it waits
		}
	}
	sizes := f.pkg.p.TypesSizes
	for _, h := range held {
		pos := p.fset.Position(h.Pos)
		l := dump.SourceLock{SourceRef: p.ref(res, fn, h.Ref, sizes), Read: h.Read, File: pos.Filename, Line: pos.Line, Deferred: st.Deferred(h.Key)}
		if l.Name == "" || l.Name == "?" {
			l.Name = locks.ShortClass(h.Class)
		}
		sf.Held = append(sf.Held, l)
	}
	if v, op := waitsOn(at); v != nil {
		r := p.ref(res, fn, res.Ref(fn, v), sizes)
		r.Owned = r.Owned || p.owns(r.Class) || madeHere(v)
		sf.Wait = &r
		sf.Enders = p.endersOf(op, r.Class, v.Type())
	}
	return sf
}

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

// lenient reports a frame whose line need not hold the operation of its
// callee: a running goroutine's innermost frame (any line), a function
// running its deferred calls (its return or closing line), a panic.
func lenient(fset *token.FileSet, fn *ssa.Function, line int, callee string) bool {
	if callee == "" || callee == "panic" {
		return true
	}
	defers := false
	for _, b := range fn.Blocks {
		for _, ins := range b.Instrs {
			switch ins := ins.(type) {
			case *ssa.Defer:
				defers = true
			case *ssa.Return, *ssa.Panic:
				if ins.Pos().IsValid() && fset.Position(ins.Pos()).Line == line {
					return true
				}
			}
		}
	}
	return defers && fset.Position(fn.Syntax().End()).Line == line
}

// at returns the innermost function or literal of f whose body holds line.
func (f *file) at(fset *token.FileSet, line int) *ssa.Function {
	var best *ssa.Function
	for _, fn := range f.funcs {
		s := fn.Syntax()
		if fset.Position(s.Pos()).Line <= line && line <= fset.Position(s.End()).Line {
			if best == nil || s.Pos() > best.Syntax().Pos() {
				best = fn
			}
		}
	}
	return best
}

// covers reports whether ins is on line: its position, or for a call the
// lines of its call expression.
func (f *file) covers(fset *token.FileSet, ins ssa.Instruction, line int) bool {
	pos := ins.Pos()
	if !pos.IsValid() {
		return false
	}
	l := fset.Position(pos).Line
	if l == line {
		return true
	}
	if end, ok := f.calls[pos]; ok {
		return l <= line && line <= end
	}
	return false
}

// frameName returns the name of a dump's function without its package,
// nor the suffix of a function literal, nor type arguments:
// "(*Cache).fill" for "main.(*Cache).fill.func1".
func frameName(fn string) string {
	if i := strings.IndexByte(fn, '['); i >= 0 {
		if j := strings.LastIndexByte(fn, ']'); j > i {
			fn = fn[:i] + fn[j+1:]
		}
	}
	fn = strings.TrimSuffix(fn, "-fm") // a method value
	slash := strings.LastIndexByte(fn, '/')
	rest := fn[slash+1:]
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		rest = rest[i+1:]
	}
	for _, mark := range []string{".func", ".gowrap", ".deferwrap"} {
		if j := strings.Index(rest, mark); j > 0 {
			rest = rest[:j]
		}
	}
	return rest
}

// sameFunc reports whether a frame's function, as frameName names it, is
// the function of the source that topName names. A function literal inlined
// into G is named after both ("G.F.func1" for a literal of F), and the
// runtime numbers init functions from 0 ("init.0"), the source from 1
// ("init#1").
func sameFunc(frame, src string) bool {
	if frame == src || strings.HasSuffix(frame, "."+src) {
		return true
	}
	if n, ok := strings.CutPrefix(frame, "init."); ok {
		if i, err := strconv.Atoi(n); err == nil {
			return src == "init#"+strconv.Itoa(i+1)
		}
	}
	return false
}

// topName returns the name of fn's outermost function as frameName names
// it: "(*Cache).fill", "T.String", "main".
func topName(fn *ssa.Function) string {
	for fn.Parent() != nil {
		fn = fn.Parent()
	}
	if o := fn.Origin(); o != nil {
		fn = o
	}
	if r := fn.Signature.Recv(); r != nil {
		t := r.Type()
		ptr := false
		if pt, ok := types.Unalias(t).(*types.Pointer); ok {
			t, ptr = pt.Elem(), true
		}
		name := types.TypeString(t, func(*types.Package) string { return "" })
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		if ptr {
			return "(*" + name + ")." + fn.Name()
		}
		return name + "." + fn.Name()
	}
	return fn.Name()
}

// funcKey names fn as dump.SourceFrame.Enders does: as a dump names it,
// and a function literal of F as "F.func*".
func funcKey(fn *ssa.Function) string {
	top := fn
	for top.Parent() != nil {
		top = top.Parent()
	}
	pkg := ""
	if top.Pkg != nil {
		pkg = top.Pkg.Pkg.Path()
		if top.Pkg.Pkg.Name() == "main" {
			pkg = "main"
		}
	}
	if fn.Parent() != nil {
		return pkg + "." + topName(top) + ".func*"
	}
	return pkg + "." + topName(top)
}

func isChanOp(callee string) bool {
	switch callee {
	case "runtime.chansend1", "runtime.chansend", "runtime.chanrecv1", "runtime.chanrecv2", "runtime.chanrecv",
		"runtime.selectgo", "runtime.block", "runtime.closechan", "runtime.gopark":
		return true
	}
	return false
}

// calls reports whether ins is the operation of a frame whose callee (the
// next frame inward) is callee.
func calls(ins ssa.Instruction, callee string) bool {
	if strings.HasPrefix(callee, "runtime.") && !isChanOp(callee) {
		// A panic, a nil dereference, a bounds check, a map access: any
		// instruction on the line.
		return true
	}
	switch ins := ins.(type) {
	case *ssa.Send, *ssa.Select:
		return callee == "" || isChanOp(callee)
	case *ssa.UnOp:
		return ins.Op == token.ARROW && (callee == "" || isChanOp(callee))
	case ssa.CallInstruction:
		if callee == "" {
			return true
		}
		if isChanOp(callee) {
			return false
		}
		want := lastName(callee)
		c := ins.Common()
		if c.IsInvoke() {
			return c.Method.Name() == want
		}
		switch v := c.Value.(type) {
		case *ssa.Function:
			if v.Parent() != nil || strings.HasPrefix(want, "func") || strings.HasPrefix(want, "gowrap") {
				return true // a literal: numbered differently
			}
			if o := v.Origin(); o != nil {
				v = o
			}
			return v.Name() == want
		case *ssa.Builtin:
			return false
		}
		return true // a call through a function value
	}
	return false
}

// lastName returns the last element of a dump's function name: "Lock" for
// "sync.(*Mutex).Lock", without type arguments.
func lastName(fn string) string {
	if i := strings.IndexByte(fn, '['); i >= 0 {
		if j := strings.LastIndexByte(fn, ']'); j > i {
			fn = fn[:i] + fn[j+1:]
		}
	}
	return fn[strings.LastIndexByte(fn, '.')+1:]
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
	if err != nil || i >= len(fn.Params) || len(steps) < 2 {
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
	done := map[*locks.Result]bool{}
	for _, f := range p.files {
		res := f.pkg.res
		if done[res] {
			continue
		}
		done[res] = true
		for _, fn := range res.Funcs {
			for _, b := range fn.Blocks {
				for _, ins := range b.Instrs {
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
					case ssa.CallInstruction:
						c := ins.Common()
						if b, ok := c.Value.(*ssa.Builtin); ok && b.Name() == "close" && len(c.Args) == 1 {
							add(res, fn, "close", c.Args[0], "closes")
							continue
						}
						callee := c.StaticCallee()
						if callee == nil || len(c.Args) == 0 {
							continue
						}
						switch {
						case (callee.Name() == "Done" || callee.Name() == "Add" || callee.Name() == "Go") && recvIs(callee, "WaitGroup"):
							add(res, fn, "done", c.Args[0], "calls "+callee.Name()+" on")
						case (callee.Name() == "Signal" || callee.Name() == "Broadcast") && recvIs(callee, "Cond"):
							add(res, fn, "signal", c.Args[0], "calls "+callee.Name()+" on")
						}
					}
				}
			}
		}
	}
}

// factStore keeps the facts of the packages analyzed, for the packages
// that import them.
type factStore struct {
	obj map[types.Object]analysis.Fact
	pkg map[*types.Package]analysis.Fact
}

func newFactStore() *factStore {
	return &factStore{obj: map[types.Object]analysis.Fact{}, pkg: map[*types.Package]analysis.Fact{}}
}

func copyFact(dst, src analysis.Fact) {
	reflect.ValueOf(dst).Elem().Set(reflect.ValueOf(src).Elem())
}

// pass returns the analysis pass of package q.
func (s *factStore) pass(q *packages.Package) *analysis.Pass {
	return &analysis.Pass{
		Analyzer:   locks.Analyzer,
		Fset:       q.Fset,
		Files:      q.Syntax,
		Pkg:        q.Types,
		TypesInfo:  q.TypesInfo,
		TypesSizes: q.TypesSizes,
		ResultOf:   map[*analysis.Analyzer]any{},
		Report:     func(analysis.Diagnostic) {},
		ReadFile:   os.ReadFile,
		ImportObjectFact: func(obj types.Object, fact analysis.Fact) bool {
			f, ok := s.obj[obj]
			if ok && reflect.TypeOf(f) == reflect.TypeOf(fact) {
				copyFact(fact, f)
				return true
			}
			return false
		},
		ExportObjectFact: func(obj types.Object, fact analysis.Fact) { s.obj[obj] = fact },
		ImportPackageFact: func(p *types.Package, fact analysis.Fact) bool {
			f, ok := s.pkg[p]
			if ok && reflect.TypeOf(f) == reflect.TypeOf(fact) {
				copyFact(fact, f)
				return true
			}
			return false
		},
		ExportPackageFact: func(fact analysis.Fact) { s.pkg[q.Types] = fact },
		AllObjectFacts: func() []analysis.ObjectFact {
			var out []analysis.ObjectFact
			for o, f := range s.obj {
				out = append(out, analysis.ObjectFact{Object: o, Fact: f})
			}
			return out
		},
		AllPackageFacts: func() []analysis.PackageFact {
			var out []analysis.PackageFact
			for p, f := range s.pkg {
				out = append(out, analysis.PackageFact{Package: p, Fact: f})
			}
			return out
		},
	}
}
