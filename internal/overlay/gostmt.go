package overlay

import (
	"go/ast"
	"go/types"
	"strconv"
	"strings"
)

// Goroutines is the step that starts the goroutines of a file's go
// statements through gridlock.Go, which names them in findings and tells
// the engine when they end and which wait groups they owe a Done:
//
//	go worker(jobs, i)       func(gridlockF func(<-chan int, int), gridlockA0 <-chan int, gridlockA1 int) { gridlock.Go("worker", func() { gridlockF(gridlockA0, gridlockA1) }) }(worker, jobs, i)
//	go func() { ... }()      gridlock.Go("run.func1", func() { ... })
//
// A go statement evaluates the function value and the arguments in the
// calling goroutine, then runs the call in a new one. The rewrite keeps
// that: the function value and the arguments, untouched and in their
// order, become the arguments of a function literal called at once, in
// the calling goroutine, whose parameters have the types of the called
// function's parameters (so the same conversions happen at the same
// moment); only then does it start the goroutine, which calls the bound
// function with the bound values. A go statement whose types cannot be
// written in the file (an unexported type of another package), whose
// call passes a multi-value call as its arguments, or that calls a
// builtin, is left alone.
//
// The goroutine is named after the function called: "worker",
// "(*Server).serve", "pkg.Run", and a function literal after the name the
// compiler gives it in the unmodified program, e.g. "run.func1".
func Goroutines(f *File) error {
	if f.Types == nil {
		return nil
	}
	g := &goRewriter{File: f, closures: closureNames(f.AST)}
	ast.Inspect(f.AST, func(n ast.Node) bool {
		if s, ok := n.(*ast.GoStmt); ok {
			g.rewrite(s)
		}
		return true
	})
	return nil
}

type goRewriter struct {
	*File
	closures map[*ast.FuncLit]string
	fn       string   // name of the bound function
	args     []string // names of the bound arguments
}

func (g *goRewriter) rewrite(s *ast.GoStmt) {
	call := s.Call
	fun := unparen(call.Fun)
	tv := g.Types.Info.Types[call.Fun]
	if tv.Type == nil || tv.IsType() || tv.IsBuiltin() {
		return
	}
	sig, ok := tv.Type.Underlying().(*types.Signature)
	if !ok || sig.TypeParams().Len() > 0 {
		return
	}
	name := strconv.Quote(g.goName(fun))
	// The go keyword, and the blanks after it if the call is on its line.
	goKw, goEnd := g.Offset(s.Go), g.Offset(s.Go)+len("go")
	if strings.Trim(string(g.Src[goEnd:g.Offset(call.Pos())]), " \t") == "" {
		goEnd = g.Offset(call.Pos())
	}
	if _, ok := fun.(*ast.FuncLit); ok && len(call.Args) == 0 {
		g.Buf.Replace(goKw, goEnd, g.gridlock()+".Go("+name+", ")
		g.Buf.Delete(g.Offset(call.Lparen), g.Offset(call.Lparen)+1)
		return
	}
	if len(call.Args) == 1 {
		if _, ok := g.Types.Info.TypeOf(call.Args[0]).(*types.Tuple); ok {
			return // go f(g()): g's results cannot be bound one by one
		}
	}
	if g.inferred(fun) && g.Types.minor() < 21 {
		return // binding a generic function infers its type arguments since go1.21
	}
	sigText, ok := g.TypeExpr(sig, s.Pos())
	if !ok {
		return
	}
	if g.fn == "" {
		g.fn = g.Fresh("gridlockF")
	}
	params := []string{g.fn + " " + sigText}
	var passed []string
	n := sig.Params().Len()
	for i := range call.Args {
		for len(g.args) <= i {
			g.args = append(g.args, g.Fresh("gridlockA"+strconv.Itoa(len(g.args))))
		}
		var t types.Type
		dots := ""
		switch {
		case sig.Variadic() && i >= n-1:
			sl, ok := sig.Params().At(n - 1).Type().Underlying().(*types.Slice)
			if !ok {
				return
			}
			t = sl.Elem()
			if call.Ellipsis.IsValid() {
				dots = "..."
			}
		case i < n:
			t = sig.Params().At(i).Type()
		default:
			return
		}
		text, ok := g.TypeExpr(t, s.Pos())
		if !ok {
			return
		}
		params = append(params, g.args[i]+" "+dots+text)
		passed = append(passed, g.args[i]+dots)
	}
	g.Buf.Replace(goKw, goEnd, "func("+strings.Join(params, ", ")+") { "+
		g.gridlock()+".Go("+name+", func() { "+g.fn+"("+strings.Join(passed, ", ")+") }) }(")
	if len(call.Args) > 0 {
		sep := ", "
		if lp := g.Offset(call.Lparen) + 1; lp < len(g.Src) && (g.Src[lp] == '\n' || g.Src[lp] == ' ') {
			sep = ","
		}
		g.Buf.Replace(g.Offset(call.Lparen), g.Offset(call.Lparen)+1, sep)
	} else {
		g.Buf.Delete(g.Offset(call.Lparen), g.Offset(call.Lparen)+1)
	}
}

// inferred reports whether fun is a generic function whose type
// arguments are inferred from the call.
func (g *goRewriter) inferred(fun ast.Expr) bool {
	var id *ast.Ident
	switch e := fun.(type) {
	case *ast.Ident:
		id = e
	case *ast.SelectorExpr:
		id = e.Sel
	default:
		return false
	}
	_, ok := g.Types.Info.Instances[id]
	return ok
}

// goName returns the name of the goroutine that a go statement calling
// fun starts.
func (g *goRewriter) goName(fun ast.Expr) string {
	switch e := fun.(type) {
	case *ast.ParenExpr:
		return g.goName(e.X)
	case *ast.IndexExpr:
		return g.goName(e.X)
	case *ast.IndexListExpr:
		return g.goName(e.X)
	case *ast.Ident:
		return e.Name
	case *ast.FuncLit:
		return g.closures[e]
	case *ast.SelectorExpr:
		if sel := g.Types.Info.Selections[e]; sel != nil {
			if m, ok := sel.Obj().(*types.Func); ok {
				return methodName(m)
			}
			return e.Sel.Name
		}
		if id, ok := e.X.(*ast.Ident); ok {
			return id.Name + "." + e.Sel.Name // pkg.F
		}
	}
	if t := g.text(fun); len(t) <= 40 && !strings.Contains(t, "\n") {
		return t
	}
	return ""
}

// methodName returns the name of a method as the runtime prints it,
// without its package: "(*Server).serve", "Server.String", "Runner.Run".
func methodName(m *types.Func) string {
	recv := m.Type().(*types.Signature).Recv()
	if recv == nil {
		return m.Name()
	}
	t := recv.Type()
	ptr := false
	if p, ok := t.(*types.Pointer); ok {
		t, ptr = p.Elem(), true
	}
	base := "?"
	switch t := types.Unalias(t).(type) {
	case *types.Named:
		base = t.Obj().Name()
	case *types.Interface:
		base = "interface"
	}
	if ptr {
		return "(*" + base + ")." + m.Name()
	}
	return base + "." + m.Name()
}

// closureNames returns the name the compiler gives each function literal
// of the file: "run.func1" for the first in function run, "run.func1.2"
// for the second within that one, "(*T).m.func1" in a method,
// "glob.func1" outside functions.
func closureNames(file *ast.File) map[*ast.FuncLit]string {
	names := make(map[*ast.FuncLit]string)
	var walk func(root ast.Node, prefix string, nested bool)
	walk = func(root ast.Node, prefix string, nested bool) {
		k := 0
		ast.Inspect(root, func(n ast.Node) bool {
			lit, ok := n.(*ast.FuncLit)
			if !ok || n == root {
				return true
			}
			k++
			name := prefix + ".func" + strconv.Itoa(k)
			if nested {
				name = prefix + "." + strconv.Itoa(k)
			}
			names[lit] = name
			walk(lit.Body, name, true)
			return false
		})
	}
	glob := 0
	for _, d := range file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			ast.Inspect(d, func(n ast.Node) bool {
				if lit, ok := n.(*ast.FuncLit); ok {
					glob++
					names[lit] = "glob.func" + strconv.Itoa(glob)
					walk(lit.Body, names[lit], true)
					return false
				}
				return true
			})
			continue
		}
		if fd.Body != nil {
			walk(fd.Body, funcDeclName(fd), false)
		}
	}
	return names
}

// funcDeclName returns "f", "T.m" or "(*T).m".
func funcDeclName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	ptr := false
	if s, ok := t.(*ast.StarExpr); ok {
		t, ptr = s.X, true
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	base := "?"
	if id, ok := t.(*ast.Ident); ok {
		base = id.Name
	}
	if ptr {
		return "(*" + base + ")." + fd.Name.Name
	}
	return base + "." + fd.Name.Name
}
