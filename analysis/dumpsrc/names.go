package dumpsrc

import (
	"go/token"
	"go/types"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ssa"
)

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

// around returns the functions and literals of f whose body holds line,
// the innermost first.
func (f *file) around(fset *token.FileSet, line int) []*ssa.Function {
	var out []*ssa.Function
	for _, fn := range f.funcs {
		s := fn.Syntax()
		if fset.Position(s.Pos()).Line <= line && line <= fset.Position(s.End()).Line {
			out = append(out, fn)
		}
	}
	slices.SortFunc(out, func(a, b *ssa.Function) int { return int(b.Syntax().Pos() - a.Syntax().Pos()) })
	return out
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
