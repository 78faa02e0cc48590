package dumpsrc_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/analysis/dumpsrc"
	"github.com/gridlock-go/gridlock/dump"
	"github.com/gridlock-go/gridlock/waitgraph"
)

var frozen = filepath.Join("..", "..", "cmd", "gridlock", "testdata", "frozen")

func TestFile(t *testing.T) {
	p, err := dumpsrc.Open(filepath.Join(frozen, "globals"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Module != "example.com/frozen" {
		t.Fatalf("module %q", p.Module)
	}
	want := filepath.Join(p.Root, "globals", "main.go")
	tests := []struct {
		name, want string
	}{
		{"example.com/frozen/globals/main.go", want}, // -trimpath
		{want, want}, // this checkout
		{"/home/ci/src/frozen/globals/main.go", want}, // another machine's
		{"/home/ci/go/src/example.com/frozen/globals/main.go", want},
		{"example.com/frozen/globals/gone.go", ""}, // not in the module
		{"sync/mutex.go", ""},                      // the standard library
		{"example.com/other/globals/main.go", ""},  // another module
		{"/usr/local/go/src/runtime/proc.go", ""},
		{"/root/go/pkg/mod/example.com/x@v1.0.0/globals/main.go", ""}, // a dependency's
	}
	for _, tt := range tests {
		if got := p.File(tt.name); got != tt.want {
			t.Errorf("File(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFileNestedModule(t *testing.T) {
	p, err := dumpsrc.Open(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.File(p.Module + "/cmd/gridlock/testdata/frozen/globals/main.go"); got != "" {
		t.Errorf("a file of a nested module matched: %s", got)
	}
	if got := p.File(p.Module + "/dump/parse.go"); got == "" {
		t.Errorf("a file of the module did not match")
	}
}

func TestOpenNoModule(t *testing.T) {
	if _, err := dumpsrc.Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Errorf("Open of a directory without go.mod: %v", err)
	}
}

// TestFrame explains the frames of the globals program's dump: what each
// holds, what it waits on, and a frame whose line is not a call of its
// callee.
func TestFrame(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(frozen, "..", "frozendumps", "globals.debug2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := dump.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	p, err := dumpsrc.Open(frozen)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Load(d); err != nil {
		t.Fatal(err)
	}
	file := "example.com/frozen/globals/main.go"
	sf := p.Frame(waitgraph.Frame{Func: "main.credit", File: file, Line: 19}, "sync.(*Mutex).Lock")
	if sf == nil || sf.Mismatch != "" {
		t.Fatalf("credit at line 19: %+v", sf)
	}
	if len(sf.Held) != 1 || sf.Held[0].Name != "accounts" || !sf.Held[0].Global || sf.Held[0].Line != 17 || sf.Held[0].Deferred {
		t.Errorf("credit holds %+v, want accounts, locked at line 17", sf.Held)
	}
	if sf.Wait == nil || sf.Wait.Name != "ledger" || !sf.Wait.Global {
		t.Errorf("credit waits on %+v, want ledger", sf.Wait)
	}
	sf = p.Frame(waitgraph.Frame{Func: "main.audit", File: file, Line: 28}, "sync.(*Mutex).Lock")
	if sf == nil || len(sf.Held) != 1 || sf.Held[0].Name != "ledger" || !sf.Held[0].Deferred {
		t.Errorf("audit holds %+v, want ledger, unlocked by a defer", sf)
	}
	for _, bad := range []struct {
		fn     string
		line   int
		callee string
	}{
		{"main.credit", 18, "sync.(*Mutex).Lock"}, // time.Sleep there
		{"main.audit", 19, "sync.(*Mutex).Lock"},  // in credit
		{"main.credit", 3, "sync.(*Mutex).Lock"},  // in no function
	} {
		sf := p.Frame(waitgraph.Frame{Func: bad.fn, File: file, Line: bad.line}, bad.callee)
		if sf == nil || !strings.Contains(sf.Mismatch, "another version") {
			t.Errorf("%s at line %d: %+v, want a mismatch", bad.fn, bad.line, sf)
		}
	}
	if sf := p.Frame(waitgraph.Frame{Func: "sync.(*Mutex).Lock", File: "sync/mutex.go", Line: 46}, ""); sf != nil {
		t.Errorf("a frame of the standard library explained: %+v", sf)
	}
}

func TestSameFunc(t *testing.T) {
	tests := []struct {
		frame, src string
		want       bool
	}{
		{"(*Cache).fill", "(*Cache).fill", true},
		{"main", "main", true},
		{"serve.handle", "handle", true}, // a literal of handle inlined into serve
		{"init.0", "init#1", true},
		{"init.1", "init#1", false},
		{"(*Cache).fill", "(*Cache).refresh", false},
		{"fill", "(*Cache).fill", false},
	}
	for _, tt := range tests {
		if got := dumpsrc.SameFunc(tt.frame, tt.src); got != tt.want {
			t.Errorf("sameFunc(%q, %q) = %v", tt.frame, tt.src, got)
		}
	}
}

// confinedSrc has goroutines blocked sending on channels that, per the
// source, reach no code but the function that made them (leak, and the
// channel of a select in pick), and channels that reach other code
// (passed, stored, returned, sent, a literal handed out).
const confinedSrc = `package main

func leak() {
	ch := make(chan int)
	go func() {
		ch <- 1
	}()
}

func passed() {
	ch := make(chan int)
	go func() {
		ch <- 1
	}()
	consume(ch)
}

func consume(ch chan int) { <-ch }

var handlers []func()

func stored() {
	ch := make(chan int)
	f := func() { ch <- 1 }
	handlers = append(handlers, f)
}

func returned() chan int {
	ch := make(chan int)
	go func() {
		ch <- 1
	}()
	return ch
}

var chans = make(chan chan int)

func sent() {
	ch := make(chan int)
	go func() {
		ch <- 1
	}()
	chans <- ch
}

func pick() {
	a, b := make(chan int), make(chan int)
	go func() {
		select {
		case a <- 1:
		case b <- 2:
		}
	}()
}

func main() {}
`

// TestConfined tells the channels confined to the function that made them
// from those that escape it: only the first may make a goroutine blocked
// for good per the source.
func TestConfined(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/conf\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(confinedSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	file := "example.com/conf/main.go"
	d, err := dump.ParseBytes([]byte("goroutine 7 [chan send]:\nmain.leak.func1()\n\t" + file + ":6 +0x1d\ncreated by main.leak in goroutine 1\n\t" + file + ":5 +0x1d\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := dumpsrc.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Load(d); err != nil {
		t.Fatal(err)
	}
	if len(p.Problems) > 0 {
		t.Fatal(p.Problems)
	}
	tests := []struct {
		fn    string
		line  int
		maker string
	}{
		{"main.leak.func1", 6, "main.leak"},
		{"main.passed.func1", 13, ""},
		{"main.stored.func1", 24, ""},
		{"main.returned.func1", 31, ""},
		{"main.sent.func1", 41, ""},
		{"main.pick.func1", 49, "main.pick"},
	}
	for _, tt := range tests {
		sf := p.Frame(waitgraph.Frame{Func: tt.fn, File: file, Line: tt.line}, "")
		if sf == nil || sf.Mismatch != "" || sf.Wait == nil {
			t.Errorf("%s at line %d: %+v, want a wait", tt.fn, tt.line, sf)
			continue
		}
		if sf.Wait.Maker != tt.maker {
			t.Errorf("%s at line %d: confined to %q, want %q", tt.fn, tt.line, sf.Wait.Maker, tt.maker)
		}
	}
	// leak's own frame, past the go statement, no longer reaches ch.
	if sf := p.Frame(waitgraph.Frame{Func: "main.leak", File: file, Line: 5}, "main.leak.gowrap1"); sf != nil && len(sf.Reaches) > 0 {
		t.Errorf("leak at its go statement reaches %v", sf.Reaches)
	}
}
