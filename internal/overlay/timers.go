package overlay

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// timeFuncs are the functions of package time that Timers rewrites into
// gridlock's, which have the same signatures.
var timeFuncs = map[string]bool{"Sleep": true, "After": true, "NewTimer": true, "AfterFunc": true, "NewTicker": true, "Tick": true}

// Timers is a step of gridlock explore: sleeps and timers run in the
// schedule's virtual time. Every use of time.Sleep, time.After,
// time.NewTimer, time.AfterFunc, time.NewTicker and time.Tick names
// gridlock's function of the same name and signature instead, and the
// calls of Stop and Reset on a *time.Timer or *time.Ticker become calls of
// gridlock's TimerStop, TimerReset, TickerStop and TickerReset:
//
//	time.Sleep(d)            gridlock.Sleep(d)
//	t := time.NewTimer(d)    t := gridlock.NewTimer(d)
//	t.Reset(d)               gridlock.TimerReset(t, d)
//	defer tk.Stop()          defer gridlock.TickerStop(tk)
//
// Out of a schedule, each hook does what package time does, after one
// atomic load. A method value (f := t.Stop) is left alone: it acts on the
// real timer behind the virtual one, which never fires.
func Timers(f *File) error {
	if f.Types == nil {
		return nil
	}
	info := f.Types.Info
	rewrote, kept := false, false // uses of package time rewritten, left
	var timeName string
	ast.Inspect(f.AST, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok {
				return true
			}
			pn, ok := info.Uses[id].(*types.PkgName)
			if !ok || pn.Imported().Path() != "time" {
				return true
			}
			if !timeFuncs[n.Sel.Name] {
				kept = true
				return true
			}
			if f.hoisted[n.Pos()] { // ExploreSelects made it gridlock's
				rewrote, timeName = true, id.Name
				return false
			}
			fn := n.Sel.Name
			timeName = id.Name
			f.Buf.Replace(f.Offset(n.Pos()), f.Offset(n.End()), f.gridlock()+"."+fn)
			rewrote = true
			return false
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			hook := timerMethod(info, sel)
			if hook == "" || strings.Contains(string(f.Src[f.Offset(sel.X.End()):f.Offset(n.Lparen)]), "\n") {
				return true
			}
			x := ""
			if _, isPtr := info.TypeOf(sel.X).Underlying().(*types.Pointer); !isPtr {
				x = "&" // an addressable time.Timer: its method takes its address
			}
			f.Buf.Insert(f.Offset(sel.X.Pos()), f.gridlock()+"."+hook+"("+x)
			rewrote = true
			if len(n.Args) == 0 {
				f.Buf.Replace(f.Offset(sel.X.End()), f.Offset(n.Rparen)+1, ")")
			} else {
				f.Buf.Replace(f.Offset(sel.X.End()), f.Offset(n.Lparen)+1, ", ")
			}
			rewrote = true
		}
		return true
	})
	if rewrote && !kept && timeName != "" {
		// Package time would be imported and not used.
		var last *ast.GenDecl
		for _, d := range f.AST.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
				last = g
			}
		}
		if last != nil {
			f.Buf.Insert(f.Offset(last.End()), "; var _ = "+timeName+".Now")
		}
	}
	return nil
}

// timerMethod returns the hook of the call of sel if it is the Stop or
// Reset method of time.Timer or time.Ticker, "" otherwise.
func timerMethod(info *types.Info, sel *ast.SelectorExpr) string {
	s := info.Selections[sel]
	if s == nil || s.Kind() != types.MethodVal {
		return ""
	}
	fn, ok := s.Obj().(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "time" || (fn.Name() != "Stop" && fn.Name() != "Reset") {
		return ""
	}
	recv := fn.Signature().Recv()
	if recv == nil {
		return ""
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	named, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return ""
	}
	// Only through a value of the type itself, not of a type embedding
	// it: the hook takes a *time.Timer or *time.Ticker.
	xt := info.TypeOf(sel.X)
	if p, ok := xt.Underlying().(*types.Pointer); ok {
		xt = p.Elem()
	}
	if !types.Identical(xt, named) {
		return ""
	}
	switch named.Obj().Name() {
	case "Timer":
		return "Timer" + fn.Name()
	case "Ticker":
		return "Ticker" + fn.Name()
	}
	return ""
}
