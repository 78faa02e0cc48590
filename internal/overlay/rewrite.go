package overlay

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
)

// A File is a Go source file being rewritten: its syntax and the buffer of
// edits that the steps add to.
type File struct {
	Path string
	Src  []byte
	Fset *token.FileSet
	AST  *ast.File
	Buf  *Buffer
	// Types is the file's type information, or nil when it is not known
	// (the package does not type-check, or the file was parsed alone):
	// steps that need it then leave the file alone.
	Types *TypeInfo

	added  map[string]string // import path → name, imports added
	idents map[string]bool   // every identifier of the file, and names reserved
	glName string            // the name under which gridlock's root package is imported

	classAt    token.Pos          // where LockClasses registers the file's lock sites
	hoisted    map[token.Pos]bool // calls of time.After ExploreSelects made before their select, by Fun
	unsafeName string             // the name under which the file refers to package unsafe
}

// ParseFile parses src, the content of the file at path, for rewriting.
func ParseFile(path string, src []byte) (*File, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	return &File{Path: path, Src: src, Fset: fset, AST: f, Buf: NewBuffer(src)}, nil
}

// Offset returns the byte offset of p in the file.
func (f *File) Offset(p token.Pos) int { return f.Fset.Position(p).Offset }

// ImportName returns the name by which the file refers to the package
// with the given import path, or "" if it does not import it (or imports
// it as _ or .).
func (f *File) ImportName(path, defaultName string) string {
	for _, s := range f.AST.Imports {
		if p, err := strconv.Unquote(s.Path.Value); err != nil || p != path {
			continue
		}
		if s.Name == nil {
			return defaultName
		}
		if s.Name.Name == "_" || s.Name.Name == "." {
			continue
		}
		return s.Name.Name
	}
	return ""
}

// AddImport makes the file import path under name, without moving a line:
// the import declaration is added on the line of the package clause, as
// in "package p; import name "path"". Adding the same import twice does
// nothing.
func (f *File) AddImport(name, path string) {
	if f.added == nil {
		f.added = make(map[string]string)
	}
	if _, ok := f.added[path]; ok {
		return
	}
	f.added[path] = name
	f.Buf.Insert(f.Offset(f.AST.Name.End()), fmt.Sprintf("; import %s %q", name, path))
}

// Result returns the rewritten source, or nil if no step changed it.
func (f *File) Result() ([]byte, error) {
	if f.Buf.Len() == 0 {
		return nil, nil
	}
	out, err := f.Buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("rewriting %s: %w", f.Path, err)
	}
	return out, nil
}

// A Step is one rewrite applied to each instrumented file: it inspects the
// syntax and queues edits in the file's buffer, which keeps every line in
// place (see Buffer).
//
// SwapSync is the step of the sync mirror; Channels, Selects and
// Goroutines rewrite channel operations, select statements and go
// statements into gridlock's hooks, so that the runtime engine sees
// channel waits and goroutines exactly, instead of only the goroutine dump
// at a hang. All make edits around operands, never across their lines.
type Step func(*File) error

// DefaultSteps are the steps gridlock test and gridlock run apply.
var DefaultSteps = []Step{SwapSync, Channels, Selects, Goroutines, LockClasses}

// SwapSync makes the file import gridlock's mirror of the sync package
// instead of the standard one. The mirror's package name is sync, so only
// the import path changes, in place: every reference to sync.Mutex and the
// others now names the watched type.
func SwapSync(f *File) error {
	for _, s := range f.AST.Imports {
		if p, err := strconv.Unquote(s.Path.Value); err == nil && p == "sync" {
			f.Buf.Replace(f.Offset(s.Path.Pos()), f.Offset(s.Path.End()), strconv.Quote(SyncPath))
		}
	}
	return nil
}

// agentName is the name under which generated code imports the agent.
const agentName = "gridlockagent"

// findTestMain returns the file's TestMain function, or nil.
func findTestMain(f *ast.File) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "TestMain" {
			return fd
		}
	}
	return nil
}

// WrapTestMain makes the file's TestMain tell the agent that the tests
// are over, without a frame of gridlock's on the stack of the tests it
// runs: it defers gridlockagent.Finish() on the line of its opening brace,
// and makes every os.Exit(code) in its body os.Exit(gridlockagent.Finished(code)),
// since a deferred call does not run at os.Exit.
func WrapTestMain(f *File) error {
	fd := findTestMain(f.AST)
	if fd == nil || fd.Body == nil {
		return nil
	}
	f.AddImport(agentName, AgentPath)
	f.Buf.Insert(f.Offset(fd.Body.Lbrace)+1, " defer "+agentName+".Finish();")
	osName := f.ImportName("os", "os")
	if osName == "" {
		return nil
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 1 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Exit" {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); !ok || id.Name != osName {
			return true
		}
		arg := call.Args[0]
		f.Buf.Insert(f.Offset(arg.Pos()), agentName+".Finished(")
		f.Buf.Insert(f.Offset(arg.End()), ")")
		return true
	})
	return nil
}

// A generated is a file gridlock test adds to a tested package.
type generated struct {
	name    string // base name in the package's directory
	content []byte
}

// testMainFiles returns the files that gridlock test adds to a tested
// package, whose test files are in package pkgName: an init that starts
// the agent, and, unless the package has a TestMain of its own (which
// WrapTestMain makes tell the agent that the tests are over), a TestMain
// that runs the tests and then tells the agent.
//
// The process must look unchanged to the tests' own code: examples run on
// the main goroutine, and one that prints its callers must see
// testing.(*M).Run called by main.main, as under go test. So where it
// can (asm), the TestMain is a function in assembly marked as a wrapper,
// whose frame tracebacks and runtime.CallersFrames leave out, which calls
// testing.(*M).Run, then the agent, through two variables of the package
// (in a file added to the package itself, where the assembly is). Else it
// is a Go function, a frame of its own below m.Run.
func testMainFiles(pkgName, key string, hasTestMain, asm bool) []generated {
	start := fmt.Appendf(nil, `// Code generated by gridlock test; DO NOT EDIT.

package %s

import %s %q

func init() { %s.Start(%q) }
`, pkgName, agentName, AgentPath, agentName, key)
	files := []generated{{"zz_gridlock_agent_test.go", start}}
	if hasTestMain {
		return files
	}
	goMain := fmt.Appendf(nil, `// Code generated by gridlock test; DO NOT EDIT.

%spackage %s

import (
	"testing"

	%s %q
)

func TestMain(m *testing.M) {
	defer %s.Finish()
	m.Run()
}
`, buildLine(asm, "!"+asmArch), pkgName, agentName, AgentPath, agentName)
	files = append(files, generated{"zz_gridlock_main_test.go", goMain})
	if !asm {
		return files
	}
	asmMain := fmt.Appendf(nil, `// Code generated by gridlock test; DO NOT EDIT.

//go:build %s

package %s

import (
	"testing"
	"unsafe"

	%s %q
)

func init() {
	run := (*testing.M).Run
	gridlockTestMainRun = *(*unsafe.Pointer)(unsafe.Pointer(&run))
	gridlockTestMainDone = func(int) { %s.Finish() }
}

// TestMain runs the tests, then tells the agent: see tm_gridlock_%s.s.
func TestMain(m *testing.M)
`, asmArch, pkgName, agentName, AgentPath, agentName, asmArch)
	vars := fmt.Appendf(nil, `// Code generated by gridlock test; DO NOT EDIT.

package %s

import "unsafe"

// Set by the TestMain gridlock test adds to the package's tests.
var (
	gridlockTestMainRun  unsafe.Pointer // the funcval of (*testing.M).Run
	gridlockTestMainDone func(int)
)
`, pkgName)
	return append(files,
		generated{"zz_gridlock_asm_main_test.go", asmMain},
		generated{"zz_gridlock_vars.go", vars},
		generated{"zz_gridlock_main_" + asmArch + ".s", []byte(asmTestMain)})
}

// asmArch is the architecture of asmTestMain.
const asmArch = "amd64"

// asmTestMain is TestMain in assembly, for amd64: with the flag WRAPPER,
// its frame is not shown; it calls the Go functions through their
// funcvals, in the register ABI (argument and result in AX; R14, the
// current goroutine, and X15, zero, are left as the caller set them).
const asmTestMain = `// Code generated by gridlock test; DO NOT EDIT.

#include "textflag.h"
#include "funcdata.h"

// func TestMain(m *testing.M)
TEXT ·TestMain(SB), WRAPPER, $16-8
	NO_LOCAL_POINTERS
	MOVQ m+0(FP), AX
	MOVQ ·gridlockTestMainRun(SB), DX
	MOVQ 0(DX), CX
	CALL CX
	MOVQ ·gridlockTestMainDone(SB), DX
	MOVQ 0(DX), CX
	CALL CX
	RET
`

func buildLine(on bool, expr string) string {
	if !on {
		return ""
	}
	return "//go:build " + expr + "\n\n"
}

// programFile returns the source of the file that gridlock run adds to the
// main package: it starts the agent when the program starts, and with
// serve (gridlock run -http) the live view's server.
func programFile(key string, serve bool) []byte {
	if serve {
		return fmt.Appendf(nil, `// Code generated by gridlock run; DO NOT EDIT.

package main

import (
	%s %q
	%s %q
)

func init() {
	%s.Start(%q)
	%s.Start()
}
`, agentName, AgentPath, serveName, ServePath, agentName, key, serveName)
	}
	return fmt.Appendf(nil, `// Code generated by gridlock run; DO NOT EDIT.

package main

import %s %q

func init() { %s.Start(%q) }
`, agentName, AgentPath, agentName, key)
}

// serveName is the name under which generated code imports the live
// view's server.
const serveName = "gridlockserve"
