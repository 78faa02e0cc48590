package overlay

import "strings"

// Module is gridlock's module path.
const Module = "github.com/gridlock-go/gridlock"

// SyncPath is the import path of gridlock's mirror of the sync package.
const SyncPath = Module + "/sync"

// AgentPath is the import path of the agent, the part of gridlock that
// runs inside an instrumented program.
const AgentPath = Module + "/agent"

// ServePath is the import path of the live view's server that gridlock
// run -http links into a program.
const ServePath = AgentPath + "/serve"

// Machinery reports whether the package with the given import path is part
// of gridlock's own machinery: the packages that an instrumented program
// links in addition to its own (the root package, the sync mirror, the
// agent and its server, the model, the findings, the live view and
// everything internal). Their imports
// are never rewritten (the mirror is built on the real sync package) and
// their frames are not the user's.
func Machinery(path string) bool {
	rest, ok := strings.CutPrefix(path, Module)
	if !ok {
		return false
	}
	switch {
	case rest == "", rest == "/sync", rest == "/agent", rest == "/report", rest == "/waitgraph",
		rest == "/debughttp", rest == "/debughttp/api":
		return true
	case strings.HasPrefix(rest, "/internal/"), strings.HasPrefix(rest, "/agent/"), strings.HasPrefix(rest, "/debughttp/"):
		return true
	}
	return false
}

// FuncPackage returns the import path of the package of a function name as
// the runtime prints it, e.g. "example.com/a/b" for
// "example.com/a/b.(*T).m.func1".
func FuncPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}
