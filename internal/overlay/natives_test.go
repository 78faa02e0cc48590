package overlay

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// A rewriteCase is a snippet, the body of a function f with the given
// imports, declarations and parameters, and the body it must become.
type rewriteCase struct {
	name      string
	imports   string // e.g. `import "io"`
	decls     string
	params    string
	body      string
	want      string // "" means unchanged
	goVersion string // the snippet's language version, default the toolchain's
}

func runCases(t *testing.T, cases []rewriteCase, steps ...Step) {
	t.Helper()
	var gen strings.Builder
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := snippet(tc.imports, tc.decls, tc.params, tc.body)
			out := rewriteTyped(t, src, tc.goVersion, steps...)
			got := bodyOf(t, out)
			want := tc.want
			if want == "" {
				want = tc.body
			}
			if os.Getenv("GEN") != "" {
				gen.WriteString("=== " + tc.name + "\n" + got + "\n")
			}
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
	if p := os.Getenv("GEN"); p != "" {
		os.WriteFile(p, []byte(gen.String()), 0o644)
	}
}

// TestStepsCompose applies every step to a file where their edits meet:
// operations nested in each other, in go statements, selects and
// TestMain; every marked line must stay where it was.
func TestStepsCompose(t *testing.T) {
	src := `package p

import (
	"os"
	"sync"
	"testing"
)

func pipeline(in <-chan int, out chan<- int, quit chan struct{}) {
	var wg sync.WaitGroup // 1
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(id int) { // 2
			defer wg.Done()
			for v := range in { // 3
				select { // 4
				case out <- v * id: // 5
				case <-quit: // 6
					return
				}
			}
		}(i) // 7
	}
	go func() { wg.Wait(); close(out) }() // 8
}

func relay(a, b chan chan int) {
	b <- <-a // 9
	(<-a) <- 1 // 10
	go relay(a,
		b) // 11
}

func TestMain(m *testing.M) {
	codes := make(chan int, 1)
	go func() { codes <- m.Run() }() // 12
	os.Exit(<-codes) // 13
}
`
	fset, af, ti, err := check(t, "x.go", []byte(src), "")
	if err != nil {
		t.Fatal(err)
	}
	f := &File{Path: "x.go", Src: []byte(src), Fset: fset, AST: af, Buf: NewBuffer([]byte(src)), Types: ti}
	for _, s := range append([]Step{WrapTestMain}, DefaultSteps...) {
		if err := s(f); err != nil {
			t.Fatal(err)
		}
	}
	b, err := f.Result()
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	if _, _, _, err := check(t, "x.go", b, ""); err != nil {
		t.Fatalf("output does not type-check: %v\n%s", err, out)
	}
	before, after := strings.Split(src, "\n"), strings.Split(out, "\n")
	if len(before) != len(after) {
		t.Fatalf("%d lines became %d:\n%s", len(before), len(after), out)
	}
	for i := range before {
		for n := 1; n <= 13; n++ {
			marker := "// " + strconv.Itoa(n)
			if strings.HasSuffix(before[i], marker) != strings.HasSuffix(after[i], marker) {
				t.Errorf("line %d: %q became %q", i+1, before[i], after[i])
			}
		}
	}
	for _, want := range []string{
		`gridlock.Go("pipeline.func1", func() { gridlockF(gridlockA0) }) }(func(id int) { // 2`,
		"for v := range gridlock.Range(in) { // 3",
		"case out <- v * id: gridlockSel.Case(0); // 5",
		`gridlock.Go("pipeline.func2", func() { wg.Wait(); gridlock.Close(out) }) // 8`,
		"gridlock.Send(b, gridlock.Recv(a)) // 9",
		"gridlock.Send((gridlock.Recv(a)), 1) // 10",
		`gridlock.Go("relay", func() { gridlockF(gridlockA0, gridlockA1) }) }(relay, a,`,
		"os.Exit(gridlockagent.Finished(gridlock.Recv(codes))) // 13",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the rewrite has no %q:\n%s", want, out)
		}
	}
}
