package lockleak

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"regexp"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/gridlock-go/gridlock/analysis/internal/locks"
	"github.com/gridlock-go/gridlock/report"
)

// Analyzer reports locks not released on some path.
var Analyzer = &analysis.Analyzer{
	Name:     "lockleak",
	Doc:      "report a lock not released on some path out of the function that takes it",
	URL:      report.LockLeak.Doc(),
	Requires: []*analysis.Analyzer{locks.Analyzer},
	Run:      run,
}

const kind = report.LockLeak

const maxPath = 8

func run(pass *analysis.Pass) (any, error) {
	r := pass.ResultOf[locks.Analyzer].(*locks.Result)
	for _, fn := range r.Funcs {
		check(pass, r, fn)
	}
	r.ReportUnused(pass, kind)
	return nil, nil
}

type site struct {
	b    *ssa.BasicBlock
	i    int
	lock locks.Held
}

func check(pass *analysis.Pass, r *locks.Result, fn *ssa.Function) {
	fd, _ := fn.Syntax().(*ast.FuncDecl)
	if _, ok := locks.FuncAnnotated(fd, "acquires"); ok {
		return
	}
	// The lock sites, and the locks released by a deferred call.
	var sites []site
	deferred := map[string]bool{}
	index := map[ssa.Instruction]int{}
	for _, b := range fn.Blocks {
		for i, ins := range b.Instrs {
			index[ins] = i
			if d, ok := ins.(*ssa.Defer); ok {
				for _, l := range r.MayRelease(fn, d) {
					deferred[l.Key] = true
				}
			}
		}
	}
	r.Visit(fn, func(ins ssa.Instruction, _ *locks.State) {
		for _, h := range r.Takes(fn, ins) {
			sites = append(sites, site{ins.Block(), index[ins], h})
		}
	})
	for _, s := range sites {
		if deferred[s.lock.Key] || accumulates(r, fn, s) {
			continue
		}
		ret, path, released := search(r, fn, s)
		if ret == nil || !released {
			continue
		}
		report1(pass, r, fn, s, ret, path)
	}
}

// search looks for a path from the lock site to a return that does not
// release the lock. It returns the return reached, the blocks on the way,
// and whether the lock is released on some other path.
func search(r *locks.Result, fn *ssa.Function, s site) (*ssa.Return, []*ssa.BasicBlock, bool) {
	key := s.lock.Key
	releases := func(ins ssa.Instruction) bool {
		for _, l := range r.MayRelease(fn, ins) {
			if l.Key == key {
				return true
			}
		}
		return false
	}
	var found *ssa.Return
	var foundPath []*ssa.BasicBlock
	released := false
	seen := map[*ssa.BasicBlock]bool{}
	var walk func(b *ssa.BasicBlock, from int, path []*ssa.BasicBlock)
	walk = func(b *ssa.BasicBlock, from int, path []*ssa.BasicBlock) {
		path = append(path, b)
		for _, ins := range b.Instrs[from:] {
			switch ins := ins.(type) {
			case *ssa.Go:
				if releases(ins) {
					released = true
					return
				}
			case *ssa.Call:
				if releases(ins) {
					released = true
					return
				}
				if fn, ok := ins.Call.Value.(*ssa.Function); ok && isNoReturn(fn) {
					return
				}
			case *ssa.Return:
				if found == nil {
					found, foundPath = ins, append([]*ssa.BasicBlock(nil), path...)
				}
				return
			case *ssa.Panic:
				return
			}
		}
		for i, succ := range b.Succs {
			if len(b.Succs) == 2 && conditionalRelease(b.Succs[1-i], succ, releases) {
				// if flag { mu.Unlock() }: the branch not taken releases
				// and rejoins this one. Whether the lock is held here is
				// what the condition says; assume the code knows.
				released = true
				continue
			}
			if !seen[succ] {
				seen[succ] = true
				walk(succ, 0, path)
			}
		}
	}
	walk(s.b, s.i+1, nil)
	return found, foundPath, released
}

// accumulates reports whether the lock is taken in a loop that does not
// release it: locks taken one per iteration and released by another loop,
// whose counts the analysis cannot match.
func accumulates(r *locks.Result, fn *ssa.Function, s site) bool {
	loop := sameLoop(s.b)
	if len(loop) == 0 {
		return false
	}
	for b := range loop {
		for _, ins := range b.Instrs {
			for _, l := range r.MayRelease(fn, ins) {
				if l.Key == s.lock.Key {
					return false
				}
			}
		}
	}
	return true
}

// sameLoop returns the blocks on a cycle through b, or nil.
func sameLoop(b *ssa.BasicBlock) map[*ssa.BasicBlock]bool {
	reach := func(from *ssa.BasicBlock, succs func(*ssa.BasicBlock) []*ssa.BasicBlock) map[*ssa.BasicBlock]bool {
		seen := map[*ssa.BasicBlock]bool{}
		stack := append([]*ssa.BasicBlock(nil), succs(from)...)
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !seen[x] {
				seen[x] = true
				stack = append(stack, succs(x)...)
			}
		}
		return seen
	}
	fwd := reach(b, func(x *ssa.BasicBlock) []*ssa.BasicBlock { return x.Succs })
	if !fwd[b] {
		return nil
	}
	back := reach(b, func(x *ssa.BasicBlock) []*ssa.BasicBlock { return x.Preds })
	loop := map[*ssa.BasicBlock]bool{}
	for x := range fwd {
		if back[x] {
			loop[x] = true
		}
	}
	return loop
}

// conditionalRelease reports whether block other releases the lock and then
// jumps to join: the shape of "if cond { mu.Unlock() }".
func conditionalRelease(other, join *ssa.BasicBlock, releases func(ssa.Instruction) bool) bool {
	if len(other.Succs) != 1 || other.Succs[0] != join {
		return false
	}
	for _, ins := range other.Instrs {
		if _, ok := ins.(*ssa.Call); ok && releases(ins) {
			return true
		}
	}
	return false
}

func isNoReturn(fn *ssa.Function) bool {
	if fn.Pkg == nil {
		return false
	}
	switch fn.Pkg.Pkg.Path() + "." + fn.Name() {
	case "os.Exit", "log.Fatal", "log.Fatalf", "log.Fatalln", "log.Panic", "log.Panicf", "log.Panicln", "runtime.Goexit":
		return true
	}
	return false
}

var simpleExpr = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

func report1(pass *analysis.Pass, r *locks.Result, fn *ssa.Function, s site, ret *ssa.Return, path []*ssa.BasicBlock) {
	var lines []string
	last := ""
	for _, b := range path {
		for _, ins := range b.Instrs {
			if p := ins.Pos(); p.IsValid() {
				at := r.At(p)
				if at != last {
					lines = append(lines, at)
					last = at
				}
				break
			}
		}
	}
	retAt := "the end of the function"
	if ret.Pos().IsValid() {
		retAt = "the return at " + r.At(ret.Pos())
	}
	if len(lines) > maxPath {
		lines = append(lines[:maxPath-1], "…")
	}
	op := "Unlock"
	if s.lock.Read {
		op = "RUnlock"
	}
	d := analysis.Diagnostic{
		Pos: r.Start(s.lock.Pos),
		Message: fmt.Sprintf("%s is not released on the path to %s (through %s), though it is released on others",
			s.lock.Name, retAt, strings.Join(lines, " → ")),
	}
	if ret.Pos().IsValid() {
		d.Related = []analysis.RelatedInformation{{Pos: ret.Pos(), Message: "returns with " + s.lock.Name + " held"}}
		if s.lock.Via != "" {
			d.Message = strings.Replace(d.Message, " is not released", " (taken by "+s.lock.Via+") is not released", 1)
		} else if fix, ok := unlockBefore(pass, ret.Pos(), s.lock.Name+"."+op+"()"); ok {
			d.SuggestedFixes = []analysis.SuggestedFix{fix}
		}
	}
	r.Report(pass, kind, d)
}

// unlockBefore returns a fix that inserts stmt on its own line before the
// return statement at pos.
func unlockBefore(pass *analysis.Pass, pos token.Pos, stmt string) (analysis.SuggestedFix, bool) {
	name := strings.TrimSuffix(strings.TrimSuffix(stmt, ".Unlock()"), ".RUnlock()")
	if !simpleExpr.MatchString(name) {
		return analysis.SuggestedFix{}, false
	}
	tf := pass.Fset.File(pos)
	if tf == nil {
		return analysis.SuggestedFix{}, false
	}
	src, err := pass.ReadFile(tf.Name())
	if err != nil {
		return analysis.SuggestedFix{}, false
	}
	off := tf.Offset(pos)
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	indent := src[lineStart:off]
	if len(bytes.TrimLeft(indent, " \t")) != 0 {
		return analysis.SuggestedFix{}, false // the return shares its line
	}
	return analysis.SuggestedFix{
		Message:   "release " + name + " before returning",
		TextEdits: []analysis.TextEdit{{Pos: pos, End: pos, NewText: []byte(stmt + "\n" + string(indent))}},
	}, true
}
