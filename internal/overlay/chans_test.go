package overlay

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"testing"
)

func TestChannels(t *testing.T) {
	runCases(t, []rewriteCase{
		{name: "send", params: "ch chan int", body: "\tch <- 1", want: "\tgridlock.Send(ch, 1)"},
		{name: "send over two lines", params: "ch chan int, v int", body: "\tch <-\n\t\tv // value", want: "\tgridlock.Send(ch,\n\t\tv) // value"},
		{name: "send with a comment before the arrow", params: "ch chan int", body: "\tch /* c */ <- 1", want: "\tgridlock.Send(ch /* c */ , 1)"},
		{name: "send of another type names the element type", imports: `import ("io"; "strings")`, params: "rd chan io.Reader", body: "\trd <- strings.NewReader(\"x\")", want: "\tgridlock.Send[io.Reader](rd, strings.NewReader(\"x\"))"},
		{name: "send of a constant on a chan any", params: "c chan any", body: "\tc <- \"x\"\n\tc <- nil", want: "\tgridlock.Send[any](c, \"x\")\n\tgridlock.Send(c, nil)"},
		{name: "send of nil error", params: "c chan error", body: "\tc <- nil", want: "\tgridlock.Send(c, nil)"},
		{name: "send of a type not nameable here is left alone", imports: `import ("io"; "strings")`, params: "c chan io.Reader", body: "\tio := 0\n\tc <- strings.NewReader(\"\")\n\t_ = io", want: ""},
		{name: "send of an interface literal", imports: `import "strings"`, params: "c chan interface{ Len() int }", body: "\tc <- strings.NewReader(\"\")", want: "\tgridlock.Send[interface{Len() int}](c, strings.NewReader(\"\"))"},
		{name: "send on a send-only channel of a received value", params: "out chan<- int, in <-chan int", body: "\tout <- <-in", want: "\tgridlock.Send(out, gridlock.Recv(in))"},
		{name: "receive", params: "ch chan int, chch chan chan int", body: "\tv := <-ch\n\t<-ch\n\tprintln(v, <-ch, (<-ch)+1)\n\t<-<-chch", want: "\tv := gridlock.Recv(ch)\n\tgridlock.Recv(ch)\n\tprintln(v, gridlock.Recv(ch), (gridlock.Recv(ch))+1)\n\tgridlock.Recv(gridlock.Recv(chch))"},
		{name: "receive over two lines", params: "ch chan int", body: "\tv := <-\n\t\tch\n\t_ = v", want: "\tv := gridlock.Recv(\n\t\tch)\n\t_ = v"},
		{name: "comma ok", params: "ch chan int", body: "\tv, ok := <-ch\n\tv, ok = <-ch\n\tvar w, ok2 = <-ch\n\tif x, ok := <-ch; ok {\n\t\t_ = x\n\t}\n\t_, _, _, _ = v, ok, w, ok2", want: "\tv, ok := gridlock.Recv2(ch)\n\tv, ok = gridlock.Recv2(ch)\n\tvar w, ok2 = gridlock.Recv2(ch)\n\tif x, ok := gridlock.Recv2(ch); ok {\n\t\t_ = x\n\t}\n\t_, _, _, _ = v, ok, w, ok2"},
		{name: "comma ok into a named bool is left alone", decls: "type B bool", params: "ch chan int", body: "\tvar ok B\n\tv, ok := <-ch\n\t_, _ = v, ok", want: ""},
		{name: "close", params: "ch chan int", body: "\tdefer close(ch)\n\tclose((ch))", want: "\tdefer gridlock.Close(ch)\n\tgridlock.Close((ch))"},
		{name: "a close of one's own", params: "ch chan int", body: "\tclose := func(chan int) {}\n\tclose(ch)", want: ""},
		{name: "range", params: "ch chan int", body: "\tfor v := range ch {\n\t\t_ = v\n\t}\n\tfor range ch {\n\t}\n\tvar w int\n\tfor w = range ch {\n\t}\n\t_ = w", want: "\tfor v := range gridlock.Range(ch) {\n\t\t_ = v\n\t}\n\tfor range gridlock.Range(ch) {\n\t}\n\tvar w int\n\tfor w = range gridlock.Range(ch) {\n\t}\n\t_ = w"},
		{name: "range before go1.23", goVersion: "go1.22", decls: "type S struct{ ch chan int }", params: "ch chan int, s *S", body: "\tfor v := range ch {\n\t\tif v > 0 {\n\t\t\tcontinue\n\t\t}\n\t}\n\tfor range s.ch {\n\t}\n\tvar w [2]int\n\tfor w[1] = range ch {\n\t}\n\t_ = w", want: "\tfor v, gridlockOK := gridlock.Recv2(ch); gridlockOK; v, gridlockOK = gridlock.Recv2(ch) {\n\t\tif v > 0 {\n\t\t\tcontinue\n\t\t}\n\t}\n\tfor _, gridlockOK2 := gridlock.Recv2(s.ch); gridlockOK2; _, gridlockOK2 = gridlock.Recv2(s.ch) {\n\t}\n\tvar w [2]int\n\tfor gridlockV, gridlockOK3 := gridlock.Recv2(ch); gridlockOK3; gridlockV, gridlockOK3 = gridlock.Recv2(ch) { w[1] = gridlockV;\n\t}\n\t_ = w"},
		{name: "range before go1.23 over what may change is left alone", goVersion: "go1.22", params: "ch chan int, f func() chan int", body: "\tfor v := range ch {\n\t\tch = nil\n\t\t_ = v\n\t}\n\tfor range f() {\n\t}", want: ""},
		{name: "range over other things", params: "s []int, m map[int]int, seq func(func(int) bool)", body: "\tfor range s {\n\t}\n\tfor range m {\n\t}\n\tfor range seq {\n\t}\n\tfor range 3 {\n\t}", want: ""},
		{name: "generic", params: "[T any, C ~chan T, R interface{ chan T | <-chan T }](c C, r R, v T, d chan T)", body: "\tc <- v\n\t<-c\n\td <- v\n\tclose(c)\n\tfor range c {\n\t}\n\t<-r", want: "\tgridlock.Send(c, v)\n\tgridlock.Recv(c)\n\tgridlock.Send(d, v)\n\tgridlock.Close(c)\n\tfor range gridlock.Range(c) {\n\t}\n\tgridlock.Recv(r)"},
		{name: "select cases are left to Selects", params: "a, b chan int", body: "\tselect {\n\tcase v, ok := <-a:\n\t\t_, _ = v, ok\n\tcase b <- <-a:\n\tcase <-b:\n\t}", want: "\tselect {\n\tcase v, ok := <-a:\n\t\t_, _ = v, ok\n\tcase b <- gridlock.Recv(a):\n\tcase <-b:\n\t}"},
		{name: "nothing before go1.18", goVersion: "go1.17", params: "ch chan int", body: "\tch <- 1\n\t<-ch", want: ""},
		{name: "a name gridlock taken", params: "gridlock chan int", body: "\tgridlock <- 1", want: "\tgridlock2.Send(gridlock, 1)"},
		{name: "make", decls: "type C chan int", body: "\ta, b := make(chan int), make(chan string, 4)\n\tvar c C = make(C)\n\tvar d <-chan int = make(chan int)\n\ts := make([]int, 1)\n\t_, _, _, _, _ = a, b, c, d, s", want: "\ta, b := gridlock.Made(make(chan int)), gridlock.Made(make(chan string, 4))\n\tvar c C = gridlock.Made(make(C))\n\tvar d <-chan int = gridlock.Made(make(chan int))\n\ts := make([]int, 1)\n\t_, _, _, _, _ = a, b, c, d, s"},
		{name: "make in operations", params: "cc chan chan int", body: "\tcc <- make(chan int)\n\t<-make(chan int)\n\tclose(make(chan int))", want: "\tgridlock.Send(cc, gridlock.Made(make(chan int)))\n\tgridlock.Recv(gridlock.Made(make(chan int)))\n\tgridlock.Close(gridlock.Made(make(chan int)))"},
		{name: "make of a type parameter or a directional channel is left alone", params: "[T any, C ~chan T]()", body: "\tc := make(C)\n\tr := make(<-chan T)\n\td := make(chan T)\n\t_, _, _ = c, r, d", want: "\tc := make(C)\n\tr := make(<-chan T)\n\td := gridlock.Made(make(chan T))\n\t_, _, _ = c, r, d"},
		{name: "a make of one's own", body: "\tmake := func(any) int { return 0 }\n\t_ = make(1)", want: ""},
	}, Channels)
}

// TestFreshAvoidsThePackageScope checks that the names a rewrite
// introduces in a file's scope (the import of gridlock) clash with no
// package-level name declared in another file of the package.
func TestFreshAvoidsThePackageScope(t *testing.T) {
	other := "package p\n\nvar gridlock = 1\n"
	src := "package p\n\nfunc f(ch chan int) {\n\tch <- 1\n}\n"
	typecheck := func(srcs ...string) (*token.FileSet, []*ast.File, *TypeInfo, error) {
		fset := token.NewFileSet()
		var files []*ast.File
		for i, s := range srcs {
			f, err := parser.ParseFile(fset, fmt.Sprintf("f%d.go", i), s, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}, FileVersions: map[*ast.File]string{}}
		pkg, err := (&types.Config{Importer: testImporter(t)}).Check("example.com/p", fset, files, info)
		return fset, files, &TypeInfo{Pkg: pkg, Info: info}, err
	}
	fset, files, ti, err := typecheck(other, src)
	if err != nil {
		t.Fatal(err)
	}
	f := &File{Path: "f1.go", Src: []byte(src), Fset: fset, AST: files[1], Buf: NewBuffer([]byte(src)), Types: ti}
	if err := Channels(f); err != nil {
		t.Fatal(err)
	}
	out, err := f.Result()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := typecheck(other, string(out)); err != nil {
		t.Errorf("the rewrite does not compile with the package's other file: %v\n%s", err, out)
	}
}
