package overlay

import (
	"go/ast"
	"go/types"
	"strings"
)

// ExplorePath is the import path of the package whose ExploreTest runs a
// test under gridlock explore's scheduler.
const ExplorePath = "github.com/gridlock-go/gridlock/gridlocktest"

// ExploreTests is the step of gridlock explore: every test function of a
// test file (func TestXxx(t *testing.T)) starts by running the test under
// the next schedule, on the line of its opening brace:
//
//	func TestX(t *testing.T) {      func TestX(t *testing.T) { defer gridlockExplore.ExploreTest(t)();
//
// Out of gridlock explore, ExploreTest does nothing.
func ExploreTests(f *File) error {
	if !strings.HasSuffix(f.Path, "_test.go") {
		return nil
	}
	testing := f.ImportName("testing", "testing")
	if testing == "" {
		return nil
	}
	for _, d := range f.AST.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || fd.Body == nil || !isTestName(fd.Name.Name) {
			continue
		}
		ps := fd.Type.Params.List
		if len(ps) != 1 || len(ps[0].Names) != 1 || ps[0].Names[0].Name == "_" || fd.Type.Results != nil || fd.Type.TypeParams != nil {
			continue
		}
		star, ok := ps[0].Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		sel, ok := star.X.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "T" {
			continue
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != testing {
			continue
		}
		f.AddImport("gridlockExplore", ExplorePath)
		f.Buf.Insert(f.Offset(fd.Body.Lbrace)+1, " defer gridlockExplore.ExploreTest("+ps[0].Names[0].Name+")();")
	}
	subtests(f)
	return nil
}

// subtests rewrites the calls of t.Run and t.Parallel on a *testing.T into
// gridlocktest.Run and gridlocktest.Parallel, which run subtests in the
// test's schedule (see sched.Run):
//
//	t.Run(name, f)     gridlockExplore.Run(t, name, f)
//	t.Parallel()       gridlockExplore.Parallel(t)
//
// It needs the file's types; without them the calls are left alone.
func subtests(f *File) {
	if f.Types == nil {
		return
	}
	info := f.Types.Info
	ast.Inspect(f.AST, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Run" && sel.Sel.Name != "Parallel" {
			return true
		}
		s := info.Selections[sel]
		if s == nil || s.Kind() != types.MethodVal || !isTestingT(info.TypeOf(sel.X)) {
			return true
		}
		fn, ok := s.Obj().(*types.Func)
		if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "testing" {
			return true
		}
		if strings.Contains(string(f.Src[f.Offset(sel.X.End()):f.Offset(call.Lparen)]), "\n") {
			return true
		}
		f.AddImport("gridlockExplore", ExplorePath)
		f.Buf.Insert(f.Offset(sel.X.Pos()), "gridlockExplore."+sel.Sel.Name+"(")
		if len(call.Args) == 0 {
			f.Buf.Replace(f.Offset(sel.X.End()), f.Offset(call.Rparen)+1, ")")
		} else {
			f.Buf.Replace(f.Offset(sel.X.End()), f.Offset(call.Lparen)+1, ", ")
		}
		return true
	})
}

// isTestingT reports whether t is *testing.T.
func isTestingT(t types.Type) bool {
	p, ok := t.(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := types.Unalias(p.Elem()).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "testing" && n.Obj().Name() == "T"
}

// isTestName reports whether name is a test's, as go test sees it: Test
// followed by nothing or by a character that is not a lower-case letter.
func isTestName(name string) bool {
	if !strings.HasPrefix(name, "Test") || name == "TestMain" {
		return false
	}
	if len(name) == 4 {
		return true
	}
	c := name[4]
	return !('a' <= c && c <= 'z')
}
