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

	classAt    token.Pos // where LockClasses registers the file's lock sites
	unsafeName string    // the name under which the file refers to package unsafe
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

// userTestMain is the name a user's TestMain is given in the overlay, so
// that the generated TestMain can wrap it.
const userTestMain = "gridlockUserTestMain"

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

// WrapTestMain renames the file's TestMain so that the generated one can
// call it, and makes every os.Exit(code) in its body first tell the agent
// that the tests are over: os.Exit(gridlockagent.Finished(code)).
func WrapTestMain(f *File) error {
	fd := findTestMain(f.AST)
	if fd == nil {
		return nil
	}
	f.Buf.Replace(f.Offset(fd.Name.Pos()), f.Offset(fd.Name.End()), userTestMain)
	osName := f.ImportName("os", "os")
	if osName == "" || fd.Body == nil {
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
		f.AddImport(agentName, AgentPath)
		arg := call.Args[0]
		f.Buf.Insert(f.Offset(arg.Pos()), agentName+".Finished(")
		f.Buf.Insert(f.Offset(arg.End()), ")")
		return true
	})
	return nil
}

// testMainFile returns the source of the file that gridlock test adds to a
// tested package: a TestMain that starts the agent, runs the tests (or the
// user's TestMain, renamed) and tells the agent when they are over. Since
// Go 1.15 a TestMain that returns passes m.Run's result to os.Exit itself.
// It is kept to the Go of old modules.
func testMainFile(pkgName, key string, wrapsUser bool) []byte {
	run := "m.Run()"
	if wrapsUser {
		run = userTestMain + "(m)"
	}
	return fmt.Appendf(nil, `// Code generated by gridlock test; DO NOT EDIT.

package %s

import (
	"testing"

	%s %q
)

func TestMain(m *testing.M) {
	%s.Start(%q)
	defer %s.Finish()
	%s
}
`, pkgName, agentName, AgentPath, agentName, key, agentName, run)
}

// programFile returns the source of the file that gridlock run adds to the
// main package: it starts the agent when the program starts.
func programFile(key string) []byte {
	return fmt.Appendf(nil, `// Code generated by gridlock run; DO NOT EDIT.

package main

import %s %q

func init() { %s.Start(%q) }
`, agentName, AgentPath, agentName, key)
}
