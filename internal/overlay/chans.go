package overlay

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// Channels is the step that rewrites the native channel operations of a
// file into gridlock's hooks, so that the runtime engine sees who waits on
// which channel, who sent on it and who received from it:
//
//	ch <- v                  gridlock.Send(ch, v)
//	<-ch (a value)           gridlock.Recv(ch)
//	v, ok := <-ch (or =)     v, ok := gridlock.Recv2(ch)
//	close(ch)                gridlock.Close(ch)
//	for v := range ch        for v := range gridlock.Range(ch)
//	make(chan T, n)          gridlock.Made(make(chan T, n))
//
// Each edit is around the operands, which keep their places, so every
// token stays on its line. The operations of select statements are left
// to Selects. The step needs type information (it leaves a file without
// it alone): an expression is rewritten only if it is a channel operation
// of the language (close may be shadowed, range may be over anything), and
// a send whose value's type is not the channel's element type names that
// type explicitly (gridlock.Send[io.Reader](ch, f)), or is left alone if
// the type cannot be written in the file.
//
// Generic functions need go1.18 and range over a function go1.23: in a
// file of an older language version, nothing is rewritten before go1.18,
// and before go1.23 a range over a channel becomes a three-clause loop
//
//	for v, ok := gridlock.Recv2(ch); ok; v, ok = gridlock.Recv2(ch) {
//
// which evaluates the channel expression at each iteration: it is
// rewritten so only when that expression is a variable or a path of
// fields that the function never assigns.
func Channels(f *File) error {
	if f.Types == nil || f.Types.minor() < 18 {
		return nil
	}
	c := &chanRewriter{File: f, skip: commOps(f.AST)}
	ast.Inspect(f.AST, c.visit)
	return nil
}

type chanRewriter struct {
	*File
	skip  map[ast.Node]bool // select cases' operations, and receives already rewritten
	funcs []ast.Node        // enclosing function declarations and literals
}

// commOps returns the operations of the cases of select statements: the
// send statements, receive expressions and assignments of receives that a
// select performs itself.
func commOps(file *ast.File) map[ast.Node]bool {
	ops := make(map[ast.Node]bool)
	ast.Inspect(file, func(n ast.Node) bool {
		cc, ok := n.(*ast.CommClause)
		if !ok || cc.Comm == nil {
			return true
		}
		ops[cc.Comm] = true
		switch s := cc.Comm.(type) {
		case *ast.ExprStmt:
			ops[unparen(s.X)] = true
		case *ast.AssignStmt:
			ops[unparen(s.Rhs[0])] = true
		}
		return true
	})
	return ops
}

func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

// recvOf returns the receive expression e is, or nil.
func recvOf(e ast.Expr) *ast.UnaryExpr {
	if u, ok := unparen(e).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
		return u
	}
	return nil
}

// text returns the source text of n.
func (f *File) text(n ast.Node) string {
	return string(f.Src[f.Offset(n.Pos()):f.Offset(n.End())])
}

// chanOf returns the channel type of t: t itself, its underlying type, or
// the core type of a type parameter whose type set is all channels of one
// element type.
func chanOf(t types.Type) *types.Chan {
	if t == nil {
		return nil
	}
	if tp, ok := types.Unalias(t).(*types.TypeParam); ok {
		return coreChan(tp.Constraint())
	}
	c, _ := t.Underlying().(*types.Chan)
	return c
}

func coreChan(t types.Type) *types.Chan {
	iface, ok := t.Underlying().(*types.Interface)
	if !ok {
		c, _ := t.Underlying().(*types.Chan)
		return c
	}
	var core *types.Chan
	merge := func(c *types.Chan) bool {
		if c == nil || (core != nil && !types.Identical(core.Elem(), c.Elem())) {
			return false
		}
		if core == nil || core.Dir() == types.SendRecv {
			core = c
		}
		return true
	}
	for i := range iface.NumEmbeddeds() {
		switch e := iface.EmbeddedType(i).(type) {
		case *types.Union:
			for j := range e.Len() {
				if !merge(coreChan(e.Term(j).Type())) {
					return nil
				}
			}
		default:
			if !merge(coreChan(e)) {
				return nil
			}
		}
	}
	return core
}

func (c *chanRewriter) visit(n ast.Node) bool {
	if n == nil {
		c.funcs = c.funcs[:len(c.funcs)-1]
		return true
	}
	switch n := n.(type) {
	case *ast.FuncDecl, *ast.FuncLit:
		c.funcs = append(c.funcs, n)
		return true
	case *ast.SendStmt:
		if !c.skip[n] {
			c.send(n)
		}
	case *ast.AssignStmt:
		if len(n.Lhs) == 2 && len(n.Rhs) == 1 && !c.skip[n] {
			if u := recvOf(n.Rhs[0]); u != nil {
				c.recv2(u, c.okAccepts(n.Lhs[1], nil))
			}
		}
	case *ast.ValueSpec:
		if len(n.Names) == 2 && len(n.Values) == 1 {
			if u := recvOf(n.Values[0]); u != nil {
				c.recv2(u, c.okAccepts(n.Names[1], n.Type))
			}
		}
	case *ast.UnaryExpr:
		if n.Op == token.ARROW && !c.skip[n] {
			c.recv(n, "Recv")
		}
	case *ast.CallExpr:
		c.close(n)
		c.makeChan(n)
	case *ast.RangeStmt:
		c.rangeStmt(n)
	}
	c.funcs = append(c.funcs, nil) // popped on the way out: see the nil case
	return true
}

// okAccepts reports whether the second operand of a comma-ok receive (a
// variable, or a name declared with type declared) accepts a typed bool,
// as Recv2 returns: a variable of a named boolean type accepts only the
// untyped bool of the native receive.
func (c *chanRewriter) okAccepts(ok ast.Expr, declared ast.Expr) bool {
	var t types.Type
	if declared != nil {
		t = c.Types.Info.TypeOf(declared)
	} else if id, isID := ok.(*ast.Ident); isID && id.Name == "_" {
		return true
	} else {
		t = c.Types.Info.TypeOf(ok)
		if t == nil {
			if id, isID := ok.(*ast.Ident); isID {
				if obj := c.Types.Info.ObjectOf(id); obj != nil {
					t = obj.Type()
				}
			}
		}
	}
	return t != nil && types.AssignableTo(types.Typ[types.Bool], t)
}

// recv2 rewrites a comma-ok receive into a call of Recv2 if its ok
// operand accepts a typed bool, and otherwise leaves it alone.
func (c *chanRewriter) recv2(u *ast.UnaryExpr, okAccepts bool) {
	if okAccepts {
		c.recv(u, "Recv2")
	}
	c.skip[u] = true
}

// recv rewrites the receive u into a call of hook.
func (c *chanRewriter) recv(u *ast.UnaryExpr, hook string) {
	if c.skip[u] || chanOf(c.Types.Info.TypeOf(u.X)) == nil {
		return
	}
	c.skip[u] = true
	c.Buf.Replace(c.Offset(u.OpPos), c.Offset(u.OpPos)+len("<-"), c.gridlock()+"."+hook+"(")
	c.Buf.Insert(c.Offset(u.X.End()), ")")
}

func (c *chanRewriter) send(s *ast.SendStmt) {
	ch := chanOf(c.Types.Info.TypeOf(s.Chan))
	if ch == nil {
		return
	}
	targs := ""
	tv := c.Types.Info.Types[s.Value]
	if tv.Type != nil && !isUntyped(tv.Type) && !types.Identical(tv.Type, ch.Elem()) {
		// Send[T] would infer T from both operands and fail: name it.
		elem, ok := c.TypeExpr(ch.Elem(), s.Pos())
		if !ok {
			return
		}
		targs = "[" + elem + "]"
	}
	c.Buf.Insert(c.Offset(s.Chan.Pos()), c.gridlock()+".Send"+targs+"(")
	// "ch <- v" becomes "ch, v": the arrow becomes a comma, and the blanks
	// before it go if they are on the line.
	from := c.Offset(s.Chan.End())
	if strings.Trim(string(c.Src[from:c.Offset(s.Arrow)]), " \t") != "" {
		from = c.Offset(s.Arrow)
	}
	c.Buf.Replace(from, c.Offset(s.Arrow)+len("<-"), ",")
	c.Buf.Insert(c.Offset(s.Value.End()), ")")
}

func isUntyped(t types.Type) bool {
	b, ok := t.(*types.Basic)
	return ok && b.Info()&types.IsUntyped != 0
}

// close rewrites a call of the builtin close.
func (c *chanRewriter) close(call *ast.CallExpr) {
	id, ok := unparen(call.Fun).(*ast.Ident)
	if !ok || len(call.Args) != 1 || call.Ellipsis.IsValid() {
		return
	}
	if b, ok := c.Types.Info.Uses[id].(*types.Builtin); !ok || b.Name() != "close" {
		return // a close of the user's own
	}
	if chanOf(c.Types.Info.TypeOf(call.Args[0])) == nil {
		return
	}
	c.Buf.Replace(c.Offset(id.Pos()), c.Offset(id.End()), c.gridlock()+".Close")
}

// makeChan wraps a make of a channel in Made, which records the goroutine
// that made it. A make of a type parameter's type or of a directional
// channel is left alone: Made would not infer its element type.
func (c *chanRewriter) makeChan(call *ast.CallExpr) {
	id, ok := unparen(call.Fun).(*ast.Ident)
	if !ok || len(call.Args) == 0 {
		return
	}
	if b, ok := c.Types.Info.Uses[id].(*types.Builtin); !ok || b.Name() != "make" {
		return
	}
	t := c.Types.Info.TypeOf(call)
	if t == nil {
		return
	}
	if _, ok := types.Unalias(t).(*types.TypeParam); ok {
		return
	}
	if ch, ok := t.Underlying().(*types.Chan); !ok || ch.Dir() != types.SendRecv {
		return
	}
	c.Buf.Insert(c.Offset(call.Pos()), c.gridlock()+".Made(")
	c.Buf.Insert(c.Offset(call.End()), ")")
}

func (c *chanRewriter) rangeStmt(rs *ast.RangeStmt) {
	if chanOf(c.Types.Info.TypeOf(rs.X)) == nil {
		return
	}
	if c.Types.minor() >= 23 {
		c.Buf.Insert(c.Offset(rs.X.Pos()), c.gridlock()+".Range(")
		c.Buf.Insert(c.Offset(rs.X.End()), ")")
		return
	}
	// Before go1.23: a three-clause loop, on one line, that evaluates the
	// channel expression at each iteration.
	start := rs.Range
	if rs.Key != nil {
		start = rs.Key.Pos()
	}
	if strings.Contains(string(c.Src[c.Offset(rs.For):c.Offset(rs.Body.Lbrace)]), "\n") || !c.stable(rs.X) {
		return
	}
	x := c.text(rs.X)
	recv := c.gridlock() + ".Recv2(" + x + ")"
	ok := c.Fresh("gridlockOK")
	key, assign := "_", ""
	if id, isID := rs.Key.(*ast.Ident); isID && rs.Tok == token.DEFINE {
		key = id.Name
	} else if rs.Key != nil && !isBlank(rs.Key) {
		key = c.Fresh("gridlockV")
		assign = " " + c.text(rs.Key) + " = " + key + ";"
	}
	c.Buf.Replace(c.Offset(start), c.Offset(rs.X.End()), key+", "+ok+" := "+recv+"; "+ok+"; "+key+", "+ok+" = "+recv)
	if assign != "" {
		c.Buf.Insert(c.Offset(rs.Body.Lbrace)+1, assign)
	}
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// stable reports whether x, evaluated again at each iteration of a loop,
// gives the same channel: a local variable, or a path of fields from one,
// that the enclosing function (closures included) never assigns nor takes
// the address of.
func (c *chanRewriter) stable(x ast.Expr) bool {
	var objs []types.Object
	for {
		switch e := unparen(x).(type) {
		case *ast.Ident:
			obj, ok := c.Types.Info.Uses[e].(*types.Var)
			if !ok || obj.Parent() == nil || obj.Parent() == c.Types.Pkg.Scope() {
				return false // a package variable: any call may assign it
			}
			objs = append(objs, obj)
			return c.unassigned(objs)
		case *ast.SelectorExpr:
			sel := c.Types.Info.Selections[e]
			if sel == nil || sel.Kind() != types.FieldVal {
				return false
			}
			objs = append(objs, sel.Obj())
			x = e.X
		default:
			return false
		}
	}
}

// unassigned reports whether the enclosing function declaration never
// assigns to, increments or takes the address of any of objs (a variable
// or a field, through any path).
func (c *chanRewriter) unassigned(objs []types.Object) bool {
	var top ast.Node
	for _, fn := range c.funcs {
		if fn != nil {
			top = fn
			break
		}
	}
	if top == nil {
		return false
	}
	// target reports whether an assigned expression ends in one of objs.
	target := func(e ast.Expr) bool {
		for {
			switch x := unparen(e).(type) {
			case *ast.Ident:
				o := c.Types.Info.ObjectOf(x)
				for _, obj := range objs {
					if o == obj {
						return true
					}
				}
				return false
			case *ast.SelectorExpr:
				if sel := c.Types.Info.Selections[x]; sel != nil {
					for _, obj := range objs {
						if sel.Obj() == obj {
							return true
						}
					}
				}
				e = x.X
			case *ast.IndexExpr:
				e = x.X
			case *ast.StarExpr:
				e = x.X
			default:
				return false
			}
		}
	}
	safe := true
	ast.Inspect(top, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if n.Tok == token.DEFINE {
					if id, ok := l.(*ast.Ident); ok && c.Types.Info.Defs[id] != nil {
						continue // a new variable
					}
				}
				if target(l) {
					safe = false
				}
			}
		case *ast.IncDecStmt:
			if target(n.X) {
				safe = false
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND && target(n.X) {
				safe = false
			}
		case *ast.RangeStmt:
			if n.Tok == token.ASSIGN && (n.Key != nil && target(n.Key) || n.Value != nil && target(n.Value)) {
				safe = false
			}
		}
		return safe
	})
	return safe
}
