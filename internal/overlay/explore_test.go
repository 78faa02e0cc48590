package overlay

import (
	"go/parser"
	"go/token"
	"testing"
)

func TestExploreTests(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"a test", "package p\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {\n\tt.Log()\n}\n",
			"package p; import gridlockExplore \"github.com/gridlock-go/gridlock/gridlocktest\"\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) { defer gridlockExplore.ExploreTest(t)();\n\tt.Log()\n}\n"},
		{"renamed testing, other names", "package p\n\nimport tt \"testing\"\n\nfunc Test(x *tt.T) {}\nfunc Testing(t *tt.T) {}\nfunc TestMain(m *tt.M) {}\nfunc BenchmarkB(b *tt.B) {}\nfunc TestU(_ *tt.T) {}\n",
			"package p; import gridlockExplore \"github.com/gridlock-go/gridlock/gridlocktest\"\n\nimport tt \"testing\"\n\nfunc Test(x *tt.T) { defer gridlockExplore.ExploreTest(x)();}\nfunc Testing(t *tt.T) {}\nfunc TestMain(m *tt.M) {}\nfunc BenchmarkB(b *tt.B) {}\nfunc TestU(_ *tt.T) {}\n"},
		{"no testing import", "package p\n\nfunc TestX() {}\n", "package p\n\nfunc TestX() {}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fset := token.NewFileSet()
			af, err := parser.ParseFile(fset, "x_test.go", tc.src, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			f := &File{Path: "x_test.go", Src: []byte(tc.src), Fset: fset, AST: af, Buf: NewBuffer([]byte(tc.src))}
			if err := ExploreTests(f); err != nil {
				t.Fatal(err)
			}
			out, err := f.Result()
			if err != nil {
				t.Fatal(err)
			}
			if out == nil {
				out = []byte(tc.src)
			}
			if string(out) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", out, tc.want)
			}
		})
	}
}
