package overlay

import (
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"strconv"
	"strings"
)

// Selects is the step that makes the blocking select statements of a file
// (those without a default case) known to the runtime engine:
//
//	select {                 {gridlockSel := gridlock.SelectStart(gridlock.SelectRecv(a), gridlock.SelectSend(b)); select {
//	case v := <-a:           case v := <-a: gridlockSel.Case(0);
//	case b <- x:             case b <- x: gridlockSel.Case(1);
//	case <-f():              case <-f(): gridlockSel.Case(-1);
//	}                        }}
//
// (with gridlock.SelectOutside() last among SelectStart's operations when,
// as here, a case's channel cannot be given: see below).
//
// The select itself is unchanged and still evaluates its own channel and
// value expressions: SelectStart only registers, once the select has
// lasted past a grace period, which channels the goroutine waits on, and
// Case ends that registration and records the operation done. A channel
// expression is given to SelectStart only if evaluating it again has no
// effect (a variable, a field, an index, on one line); a case on any other
// calls Case(-1), and SelectStart is given SelectOutside() for it, once:
// the select may end through a channel gridlock does not watch. A select none of whose channels
// can be given is left alone, as is one with a default case, which never
// blocks.
//
// The block around the statement scopes the new variable (so a goto over
// it stays legal); a label stays on the select, inside the block, so that
// break and continue keep their meaning; a select whose label is the
// target of a goto is left alone, since the goto would jump into the block.
func Selects(f *File) error { return selects(f, false) }

// PollSelects is the step of gridlock explore that makes the select
// statements with a default case (a non-blocking attempt) scheduling
// points:
//
//	select {                 {var gridlockPoll *gridlock.SelectWait; if gridlock.Exploring() { gridlockPoll = gridlock.SelectPoll(gridlock.SelectRecv(a)) }; select {
//	case v := <-a:           case v := <-a: gridlockPoll.Case(0);
//	default:                 default: gridlockPoll.Case(-1);
//	}                        }}
//
// Out of a schedule the cost is one atomic load (Exploring) and a nil
// check per case taken. Under a schedule, SelectPoll lets the strategy run
// other goroutines first, and hands a rendezvous over to a goroutine that
// waits in the schedule to complete one of the cases, as the runtime
// would find it waiting on the channel.
func PollSelects(f *File) error { return selects(f, true) }

// ExploreSelects is Selects for gridlock explore: a case that receives
// from a call of time.After (with arguments free of effects, on one line)
// receives from a channel made just before the select, by gridlock.After,
// so that the select can be told it, and is controlled:
//
//	select {                         {gridlockAfter := gridlock.After(d); gridlockSel := gridlock.SelectStart(gridlock.SelectRecv(a), gridlock.SelectRecv(gridlockAfter)); select {
//	case <-a:                        case <-a: gridlockSel.Case(0);
//	case <-time.After(d):            case <-gridlockAfter: gridlockSel.Case(1);
//	}                                }}
//
// The select evaluates its channel operands once, in order, on entry: the
// call made a little earlier, with arguments that have no effect, makes no
// difference but the instant at which its timer starts.
func ExploreSelects(f *File) error { return selectsHoist(f, false, true) }

// ExploreSteps are the steps of gridlock explore: DefaultSteps with
// ExploreSelects for Selects, then ExploreTests, Timers and PollSelects.
func ExploreSteps() []Step {
	var steps []Step
	sel := reflect.ValueOf(Selects).Pointer()
	for _, st := range DefaultSteps {
		if reflect.ValueOf(st).Pointer() == sel {
			st = ExploreSelects
		}
		steps = append(steps, st)
	}
	return append(steps, ExploreTests, Timers, PollSelects)
}

func selects(f *File, poll bool) error { return selectsHoist(f, poll, false) }

func selectsHoist(f *File, poll, hoist bool) error {
	if f.Types == nil || f.Types.minor() < 18 {
		return nil
	}
	s := &selectRewriter{File: f, gotos: make(map[ast.Node]map[string]bool), poll: poll, hoist: hoist}
	// First the targets of goto statements, by function.
	var stack []ast.Node
	ast.Inspect(f.AST, func(n ast.Node) bool {
		switch n := n.(type) {
		case nil:
			stack = stack[:len(stack)-1]
			return true
		case *ast.FuncDecl, *ast.FuncLit:
			if s.gotos[n] == nil {
				s.gotos[n] = make(map[string]bool)
			}
		case *ast.BranchStmt:
			if n.Tok == token.GOTO && n.Label != nil && len(stack) > 0 {
				for i := len(stack) - 1; i >= 0; i-- {
					if m := s.gotos[stack[i]]; m != nil {
						m[n.Label.Name] = true
						break
					}
				}
			}
		}
		stack = append(stack, n)
		return true
	})
	stack = stack[:0]
	ast.Inspect(f.AST, func(n ast.Node) bool {
		switch n := n.(type) {
		case nil:
			stack = stack[:len(stack)-1]
			return true
		case *ast.SelectStmt:
			s.rewrite(n, stack)
		}
		stack = append(stack, n)
		return true
	})
	return nil
}

type selectRewriter struct {
	*File
	gotos map[ast.Node]map[string]bool // function → labels some goto targets
	name  string
	poll  bool // rewrite the selects with a default case (PollSelects), not the others
	hoist bool // hoist calls of time.After (ExploreSelects)
}

func (s *selectRewriter) rewrite(sel *ast.SelectStmt, stack []ast.Node) {
	var ops []string
	outside := 0 // cases whose channel cannot be given
	idx := make([]int, len(sel.Body.List))
	hasDefault := false
	var hoisted []hoist
	for i, st := range sel.Body.List {
		cc := st.(*ast.CommClause)
		idx[i] = -1
		if cc.Comm == nil {
			if !s.poll {
				return // default: it never blocks
			}
			hasDefault = true
			continue
		}
		var ch ast.Expr
		hook := "SelectRecv"
		switch c := cc.Comm.(type) {
		case *ast.SendStmt:
			ch, hook = c.Chan, "SelectSend"
		case *ast.ExprStmt:
			if u := recvOf(c.X); u != nil {
				ch = u.X
			}
		case *ast.AssignStmt:
			if u := recvOf(c.Rhs[0]); u != nil {
				ch = u.X
			}
		}
		if call := s.afterCall(ch); call != nil && s.hoist && hook == "SelectRecv" {
			tmp := s.Fresh("gridlockAfter")
			hoisted = append(hoisted, hoist{call, tmp})
			idx[i] = len(ops)
			ops = append(ops, hook+"("+tmp+")")
			continue
		}
		if ch == nil || !s.pure(ch) || chanOf(s.Types.Info.TypeOf(ch)) == nil {
			outside++
			continue
		}
		text := s.text(ch)
		if strings.Contains(text, "\n") {
			outside++
			continue
		}
		idx[i] = len(ops)
		ops = append(ops, hook+"("+text+")")
	}
	if s.poll != hasDefault || len(ops) == 0 && !s.poll {
		return
	}
	if outside > 0 {
		// After the others, so that Case's indexes stay theirs.
		ops = append(ops, "SelectOutside()")
	}
	// The labels of the select, if any, and its function.
	start := sel.Pos()
	var labels []string
	var child ast.Node = sel
	i := len(stack) - 1
	for ; i >= 0; i-- {
		l, ok := stack[i].(*ast.LabeledStmt)
		if !ok || l.Stmt != child {
			break
		}
		labels, start, child = append(labels, l.Label.Name), l.Pos(), l
	}
	var fn ast.Node
	for ; i >= 0 && fn == nil; i-- {
		switch stack[i].(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			fn = stack[i]
		}
	}
	for _, l := range labels {
		if s.gotos[fn][l] {
			return
		}
	}
	if s.name == "" {
		if s.poll {
			s.name = s.Fresh("gridlockPoll")
		} else {
			s.name = s.Fresh("gridlockSel")
		}
	}
	gl := s.gridlock()
	args := ""
	if len(ops) > 0 {
		args = gl + "." + strings.Join(ops, ", "+gl+".")
	}
	pre := ""
	for _, h := range hoisted {
		pre += h.tmp + " := " + gl + ".After(" + s.text(h.call)[s.Offset(h.call.Lparen)+1-s.Offset(h.call.Pos()):s.Offset(h.call.Rparen)-s.Offset(h.call.Pos())] + "); "
		s.Buf.Replace(s.Offset(h.call.Pos()), s.Offset(h.call.End()), h.tmp)
		if s.File.hoisted == nil {
			s.File.hoisted = make(map[token.Pos]bool)
		}
		s.File.hoisted[h.call.Fun.Pos()] = true
	}
	if s.poll {
		s.Buf.Insert(s.Offset(start), "{"+pre+"var "+s.name+" *"+gl+".SelectWait; if "+gl+".Exploring() { "+s.name+" = "+gl+".SelectPoll("+args+") }; ")
	} else {
		s.Buf.Insert(s.Offset(start), "{"+pre+s.name+" := "+gl+".SelectStart("+args+"); ")
	}
	for i, st := range sel.Body.List {
		cc := st.(*ast.CommClause)
		s.Buf.Insert(s.Offset(cc.Colon)+1, " "+s.name+".Case("+strconv.Itoa(idx[i])+");")
	}
	s.Buf.Insert(s.Offset(sel.End()), "}")
}

// pure reports whether evaluating e has no effect and calls nothing, so
// that it may be evaluated once more before the select: a variable, a
// field or an element of one, a dereference.
func (f *File) pure(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return f.pure(e.X)
	case *ast.Ident:
		_, ok := f.Types.Info.Uses[e].(*types.Var)
		return ok
	case *ast.BasicLit:
		return true
	case *ast.SelectorExpr:
		if sel := f.Types.Info.Selections[e]; sel != nil {
			return sel.Kind() == types.FieldVal && f.pure(e.X)
		}
		_, ok := f.Types.Info.Uses[e.Sel].(*types.Var) // a package's variable
		return ok
	case *ast.IndexExpr:
		switch f.Types.Info.TypeOf(e.X).Underlying().(type) {
		case *types.Map, *types.Slice, *types.Array, *types.Pointer:
			return f.pure(e.X) && f.pure(e.Index)
		}
	case *ast.StarExpr:
		return f.pure(e.X)
	}
	return false
}

// hoist is a call of time.After that ExploreSelects makes before the
// select, into tmp.
type hoist struct {
	call *ast.CallExpr
	tmp  string
}

// afterCall returns e if it is a call of time.After whose arguments have no
// effect, on one line; nil otherwise.
func (f *File) afterCall(e ast.Expr) *ast.CallExpr {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return nil
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "After" {
		return nil
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return nil
	}
	if pn, ok := f.Types.Info.Uses[id].(*types.PkgName); !ok || pn.Imported().Path() != "time" {
		return nil
	}
	for _, a := range call.Args {
		if !f.pure(a) && !f.constant(a) {
			return nil
		}
	}
	if strings.Contains(f.text(call), "\n") {
		return nil
	}
	return call
}

// constant reports whether e is a constant expression (10 * time.Second).
func (f *File) constant(e ast.Expr) bool {
	tv, ok := f.Types.Info.Types[e]
	return ok && tv.Value != nil
}
