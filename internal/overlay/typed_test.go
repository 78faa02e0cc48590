package overlay

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"
)

// The packages snippets may import, and gridlock's root package, which
// rewritten snippets import: loaded once, from export data.
var (
	importsOnce sync.Once
	importsErr  error
	imported    map[string]*types.Package
)

type mapImporter map[string]*types.Package

func (m mapImporter) Import(path string) (*types.Package, error) {
	if p := m[path]; p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("snippet imports %q: add it to the test's list", path)
}

func testImporter(t *testing.T) types.Importer {
	t.Helper()
	importsOnce.Do(func() {
		pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedImports},
			Module, SyncPath, AgentPath, ExplorePath, "context", "errors", "fmt", "io", "net", "os", "strings", "sync", "testing", "time", "unsafe")
		if err != nil {
			importsErr = err
			return
		}
		imported = make(map[string]*types.Package)
		packages.Visit(pkgs, nil, func(p *packages.Package) {
			if len(p.Errors) > 0 {
				importsErr = fmt.Errorf("%s: %v", p.PkgPath, p.Errors[0])
			}
			if p.Types != nil {
				imported[p.PkgPath] = p.Types
			}
		})
		imported["unsafe"] = types.Unsafe
	})
	if importsErr != nil {
		t.Fatal(importsErr)
	}
	return mapImporter(imported)
}

// check type-checks a file of package p and returns what it knows.
func check(t *testing.T, name string, src []byte, goVersion string) (*token.FileSet, *ast.File, *TypeInfo, error) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, nil, nil, err
	}
	info := &types.Info{
		Types:        make(map[ast.Expr]types.TypeAndValue),
		Defs:         make(map[*ast.Ident]types.Object),
		Uses:         make(map[*ast.Ident]types.Object),
		Implicits:    make(map[ast.Node]types.Object),
		Selections:   make(map[*ast.SelectorExpr]*types.Selection),
		Scopes:       make(map[ast.Node]*types.Scope),
		Instances:    make(map[*ast.Ident]types.Instance),
		FileVersions: make(map[*ast.File]string),
	}
	conf := types.Config{Importer: testImporter(t), GoVersion: goVersion}
	pkg, err := conf.Check("example.com/p", fset, []*ast.File{f}, info)
	return fset, f, &TypeInfo{Pkg: pkg, Info: info, GoVersion: info.FileVersions[f]}, err
}

// rewriteTyped applies steps to src, type-checked at language version
// goVersion ("" for the toolchain's), checks that every line is where it
// was and that the result type-checks, and returns it.
func rewriteTyped(t *testing.T, src, goVersion string, steps ...Step) string {
	t.Helper()
	fset, af, ti, err := check(t, "x.go", []byte(src), goVersion)
	if err != nil {
		t.Fatalf("input does not type-check: %v\n%s", err, src)
	}
	f := &File{Path: "x.go", Src: []byte(src), Fset: fset, AST: af, Buf: NewBuffer([]byte(src)), Types: ti}
	for _, s := range steps {
		if err := s(f); err != nil {
			t.Fatal(err)
		}
	}
	out, err := f.Result()
	if err != nil {
		t.Fatal(err)
	}
	if out == nil {
		return src
	}
	if a, b := strings.Count(src, "\n"), bytes.Count(out, []byte("\n")); a != b {
		t.Fatalf("%d lines became %d:\n%s", a, b, out)
	}
	if _, _, _, err := check(t, "x.go", out, goVersion); err != nil {
		t.Fatalf("output does not type-check: %v\n%s", err, out)
	}
	return string(out)
}

// snippet returns a file whose function f has the given parameters
// (with type parameters first if they start with "[") and body; a test
// compares only the body.
func snippet(imports, decls, params, body string) string {
	if !strings.HasPrefix(params, "[") {
		params = "(" + params + ")"
	}
	return fmt.Sprintf("package p; %s\n%s\nfunc f%s {\n%s\n}\n", imports, decls, params, body)
}

// bodyOf returns the text between the lines of f's braces.
func bodyOf(t *testing.T, src string) string {
	t.Helper()
	_, after, ok := strings.Cut(src, "\nfunc f")
	if !ok {
		t.Fatalf("no func f in\n%s", src)
	}
	_, after, _ = strings.Cut(after, "{\n")
	i := strings.LastIndex(after, "\n}\n")
	return after[:i]
}
