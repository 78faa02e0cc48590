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
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

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
	return s
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
