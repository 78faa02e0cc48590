package overlay

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestBuffer(t *testing.T) {
	src := []byte("a := x\nb := y\n")
	for _, tc := range []struct {
		name    string
		edit    func(*Buffer)
		want    string
		wantErr string
	}{
		{"none", func(*Buffer) {}, "a := x\nb := y\n", ""},
		{"replace", func(b *Buffer) { b.Replace(5, 6, "f(x)") }, "a := f(x)\nb := y\n", ""},
		{"inserts at one offset keep their order", func(b *Buffer) { b.Insert(5, "f("); b.Insert(5, "g("); b.Insert(6, "))") }, "a := f(g(x))\nb := y\n", ""},
		{"delete", func(b *Buffer) { b.Delete(0, 5) }, "x\nb := y\n", ""},
		{"replace across a line keeping it", func(b *Buffer) { b.Replace(5, 8, "1\nb") }, "a := 1\nb := y\n", ""},
		{"overlap", func(b *Buffer) { b.Replace(0, 3, "z"); b.Replace(2, 4, "w") }, "", "overlaps"},
		{"a line would move", func(b *Buffer) { b.Insert(0, "// new\n") }, "", "lines would move"},
		{"a line would vanish", func(b *Buffer) { b.Delete(5, 8) }, "", "lines would move"},
		{"outside", func(b *Buffer) { b.Insert(100, "x") }, "", "outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuffer(src)
			tc.edit(b)
			got, err := b.Bytes()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %q, %v; want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// rewrite applies steps to src and checks that every line is where it was.
func rewrite(t *testing.T, src string, steps ...Step) string {
	t.Helper()
	f, err := ParseFile("x.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
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
	return string(out)
}

func TestSwapSync(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"single", "package p\n\nimport \"sync\"\n\nvar mu sync.Mutex\n", "package p\n\nimport \"github.com/gridlock-go/gridlock/sync\"\n\nvar mu sync.Mutex\n"},
		{"group", "package p\n\nimport (\n\t\"fmt\"\n\t\"sync\"\n\t\"sync/atomic\"\n)\n", "package p\n\nimport (\n\t\"fmt\"\n\t\"github.com/gridlock-go/gridlock/sync\"\n\t\"sync/atomic\"\n)\n"},
		{"renamed", "package p\n\nimport gosync \"sync\"\n", "package p\n\nimport gosync \"github.com/gridlock-go/gridlock/sync\"\n"},
		{"none", "package p\n\nimport \"sync/atomic\"\n", "package p\n\nimport \"sync/atomic\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rewrite(t, tc.src, SwapSync); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestWrapTestMain(t *testing.T) {
	src := `package p_test

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	setup()
	os.Exit(
		m.Run(),
	)
}
`
	want := `package p_test; import gridlockagent "github.com/gridlock-go/gridlock/agent"

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) { defer gridlockagent.Finish();
	setup()
	os.Exit(
		gridlockagent.Finished(m.Run()),
	)
}
`
	if got := rewrite(t, src, WrapTestMain); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// sendStep is the shape of the channel rewrite to come: it turns each send
// statement "ch <- v" into "send(ch, v)" with edits around the operands,
// so that a send spread over several lines keeps them.
func sendStep(f *File) error {
	ast.Inspect(f.AST, func(n ast.Node) bool {
		s, ok := n.(*ast.SendStmt)
		if !ok {
			return true
		}
		f.Buf.Insert(f.Offset(s.Chan.Pos()), "send(")
		f.Buf.Replace(f.Offset(s.Chan.End()), f.Offset(s.Value.Pos()), ", ")
		f.Buf.Insert(f.Offset(s.Value.End()), ")")
		return true
	})
	return nil
}

func TestStepsKeepPositions(t *testing.T) {
	src := `package p

import "sync"

func f(ch chan int, mu *sync.Mutex) {
	ch <- 1 // one
	ch <- g(
		2, // two
	)
	mu.Lock() // three
}
`
	out := rewrite(t, src, SwapSync, sendStep)
	// Every marked statement is on the line it was on, and every original
	// token that no step replaced is too.
	before, after := strings.Split(src, "\n"), strings.Split(out, "\n")
	for i := range before {
		for _, marker := range []string{"// one", "// two", "// three"} {
			if strings.Contains(before[i], marker) != strings.Contains(after[i], marker) {
				t.Errorf("line %d: %q became %q", i+1, before[i], after[i])
			}
		}
	}
	if !strings.Contains(out, "send(ch, 1) // one") || !strings.Contains(out, "send(ch, g(\n\t\t2, // two\n\t))") {
		t.Errorf("rewrite:\n%s", out)
	}
	// The rewritten file parses, and its statements are where they were.
	g, err := ParseFile("x.go", []byte(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var lines []int
	ast.Inspect(g.AST, func(n ast.Node) bool {
		if s, ok := n.(ast.Stmt); ok {
			if _, block := s.(*ast.BlockStmt); !block {
				lines = append(lines, g.Fset.Position(s.Pos()).Line)
			}
		}
		return true
	})
	if want := []int{6, 7, 10}; !equal(lines, want) {
		t.Errorf("statements on lines %v, want %v", lines, want)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFuncPackage(t *testing.T) {
	for fn, want := range map[string]string{
		"main.main":                                 "main",
		"example.com/a/b.(*T).m.func1":              "example.com/a/b",
		"github.com/x/y.z.F":                        "github.com/x/y",
		"sync.(*WaitGroup).Wait":                    "sync",
		"gopkg.in/yaml.v3.Unmarshal":                "gopkg.in/yaml",
		"github.com/gridlock-go/gridlock/sync.park": SyncPath,
	} {
		if got := FuncPackage(fn); got != want {
			t.Errorf("FuncPackage(%q) = %q, want %q", fn, got, want)
		}
	}
}

// TestMachinery checks that Machinery covers every package of gridlock's
// module that an instrumented program links.
func TestMachinery(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", AgentPath, ServePath, SyncPath).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, Module) && !Machinery(p) {
			t.Errorf("%s is linked into instrumented programs but Machinery says it is not gridlock's", p)
		}
	}
	for _, p := range []string{Module + "/kernels/abba", Module + "/examples/transfer", "example.com/m"} {
		if Machinery(p) {
			t.Errorf("Machinery(%q) = true", p)
		}
	}
}

// TestProgramFile checks the file added to a main package: it starts the
// agent, and links the live view's server only when asked to (gridlock
// run -http), so that a plain run links no HTTP server.
func TestProgramFile(t *testing.T) {
	for _, serve := range []bool{false, true} {
		src := programFile("example.com/m/cmd/app", serve)
		f, err := parser.ParseFile(token.NewFileSet(), "zz_gridlock_agent.go", src, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("serve=%v: %v\n%s", serve, err, src)
		}
		var imports []string
		for _, is := range f.Imports {
			imports = append(imports, strings.Trim(is.Path.Value, `"`))
		}
		want := []string{AgentPath}
		if serve {
			want = append(want, ServePath)
		}
		if !slices.Equal(imports, want) || !strings.Contains(string(src), `.Start("example.com/m/cmd/app")`) {
			t.Errorf("serve=%v: imports %v, want %v\n%s", serve, imports, want, src)
		}
	}
}
