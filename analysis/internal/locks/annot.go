package locks

import (
	"fmt"
	"go/ast"
	"go/token"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/tools/go/analysis"

	"github.com/gridlock-go/gridlock/report"
)

// The directive prefix shared by every gridlock annotation.
const prefix = "//gridlock:"

// directives returns the gridlock directives of a comment group, each as
// its verb and arguments, with their positions.
func directives(g *ast.CommentGroup) (out []directive) {
	if g == nil {
		return nil
	}
	for _, c := range g.List {
		if d, ok := parseDirective(c); ok {
			out = append(out, d)
		}
	}
	return out
}

type directive struct {
	pos  token.Pos
	verb string
	args []string
}

func parseDirective(c *ast.Comment) (directive, bool) {
	text, ok := strings.CutPrefix(c.Text, prefix)
	if !ok {
		return directive{}, false
	}
	// A trailing "// ..." comment (as analysistest's "// want") is not part of it.
	if i := strings.Index(text, "//"); i >= 0 {
		text = text[:i]
	}
	f := strings.Fields(text)
	if len(f) == 0 {
		return directive{pos: c.Pos()}, true
	}
	return directive{pos: c.Pos(), verb: f[0], args: f[1:]}, true
}

// parseDecls returns the hierarchy declared by annotations on the mutex
// fields and package variables of the package.
func parseDecls(pass *analysis.Pass, bad *[]Malformed) []Decl {
	pkg := pass.Pkg.Path()
	var out []Decl
	vars := map[string]bool{}
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
				for _, s := range g.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						vars[n.Name] = true
					}
				}
			}
		}
	}
	add := func(class string, siblings map[string]bool, typeName string, groups ...*ast.CommentGroup) {
		d := Decl{Class: class}
		any := false
		resolve := func(x string) string {
			switch {
			case strings.Contains(x, "/"):
				return x
			case siblings[x]:
				return pkg + "." + typeName + "." + x
			case vars[x]:
				return pkg + "." + x
			case strings.Count(x, ".") == 1 && pass.Pkg.Scope().Lookup(strings.Split(x, ".")[0]) != nil:
				return pkg + "." + x
			}
			return "name:" + x
		}
		for _, g := range groups {
			for _, dir := range directives(g) {
				switch dir.verb {
				case "level":
					n, err := 0, error(nil)
					if len(dir.args) == 1 {
						n, err = strconv.Atoi(dir.args[0])
					}
					if len(dir.args) != 1 || err != nil || n <= 0 {
						*bad = append(*bad, Malformed{dir.pos, "gridlock:level wants one positive integer"})
						continue
					}
					d.Level = n
					any = true
				case "name":
					if len(dir.args) != 1 {
						*bad = append(*bad, Malformed{dir.pos, "gridlock:name wants one name"})
						continue
					}
					d.Name = dir.args[0]
					any = true
				case "before", "after":
					if len(dir.args) == 0 {
						*bad = append(*bad, Malformed{dir.pos, "gridlock:" + dir.verb + " wants the locks it orders against"})
						continue
					}
					for _, x := range dir.args {
						for _, y := range strings.Split(x, ",") {
							if y == "" {
								continue
							}
							if dir.verb == "before" {
								d.Before = append(d.Before, resolve(y))
							} else {
								d.After = append(d.After, resolve(y))
							}
						}
					}
					any = true
				case "nestable":
					d.Nestable = true
					any = true
				case "ignore", "acquires", "releases":
				default:
					*bad = append(*bad, Malformed{dir.pos, fmt.Sprintf("unknown directive gridlock:%s", dir.verb)})
				}
				if any && d.At == "" {
					p := pass.Fset.Position(dir.pos)
					d.At = fmt.Sprintf("%s:%d", baseName(p.Filename), p.Line)
				}
			}
		}
		if any {
			out = append(out, d)
		}
	}
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, s := range g.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					st, ok := s.Type.(*ast.StructType)
					if !ok {
						continue
					}
					siblings := map[string]bool{}
					for _, fld := range st.Fields.List {
						for _, n := range fld.Names {
							siblings[n.Name] = true
						}
						if len(fld.Names) == 0 {
							siblings[embeddedName(fld.Type)] = true
						}
					}
					for _, fld := range st.Fields.List {
						names := fld.Names
						if len(names) == 0 {
							names = []*ast.Ident{ast.NewIdent(embeddedName(fld.Type))}
						}
						for _, n := range names {
							add(pass.Pkg.Path()+"."+s.Name.Name+"."+n.Name, siblings, s.Name.Name, fld.Doc, fld.Comment)
						}
					}
				case *ast.ValueSpec:
					doc := s.Doc
					if doc == nil && len(g.Specs) == 1 {
						doc = g.Doc
					}
					for _, n := range s.Names {
						add(pkg+"."+n.Name, nil, "", doc, s.Comment)
					}
				}
			}
		}
	}
	return out
}

func embeddedName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return embeddedName(e.X)
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.Ident:
		return e.Name
	case *ast.IndexExpr:
		return embeddedName(e.X)
	}
	return ""
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// An ignore is a //gridlock:ignore directive.
type ignore struct {
	kind    report.Kind
	reason  string
	pos     token.Pos
	file    string
	line    int
	fn      *ast.FuncDecl // set when it is in a function's doc comment
	used    bool
	unknown bool
}

type ignores struct {
	mu   sync.Mutex
	list []*ignore
}

func parseIgnores(pass *analysis.Pass, bad *[]Malformed) *ignores {
	ig := &ignores{}
	for _, f := range pass.Files {
		docs := map[*ast.CommentGroup]*ast.FuncDecl{}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Doc != nil {
				docs[fd.Doc] = fd
			}
		}
		for _, g := range f.Comments {
			for _, c := range g.List {
				d, ok := parseDirective(c)
				if !ok || d.verb != "ignore" {
					continue
				}
				if len(d.args) < 2 {
					*bad = append(*bad, Malformed{d.pos, "gridlock:ignore wants a finding kind and a reason"})
					continue
				}
				p := pass.Fset.Position(d.pos)
				k := report.Kind(d.args[0])
				ig.list = append(ig.list, &ignore{
					kind: k, reason: strings.Join(d.args[1:], " "), pos: d.pos,
					file: p.Filename, line: p.Line, fn: docs[g], unknown: !k.Known(),
				})
			}
		}
	}
	return ig
}

// suppressed reports whether a finding of kind k at pos is suppressed, and
// marks the directive that suppresses it as used.
func (ig *ignores) suppressed(fset *token.FileSet, k report.Kind, pos token.Pos) bool {
	p := fset.Position(pos)
	ig.mu.Lock()
	defer ig.mu.Unlock()
	for _, i := range ig.list {
		if i.kind != k || i.file != p.Filename {
			continue
		}
		if i.line == p.Line || i.line == p.Line-1 || (i.fn != nil && i.fn.Pos() <= pos && pos < i.fn.End()) {
			i.used = true
			return true
		}
	}
	return false
}

// Report reports a finding of kind k, unless a //gridlock:ignore directive
// suppresses it. The message is prefixed with the kind, and the
// diagnostic's category and URL are the kind's.
func (r *Result) Report(pass *analysis.Pass, k report.Kind, d analysis.Diagnostic) {
	if r.ignores.suppressed(r.Pass.Fset, k, d.Pos) {
		return
	}
	d.Category = string(k)
	d.URL = k.Doc()
	d.Message = string(k) + ": " + d.Message
	pass.Report(d)
}

// ReportUnused reports the //gridlock:ignore directives for the given
// kinds that suppressed nothing. Call it after every Report of the pass.
func (r *Result) ReportUnused(pass *analysis.Pass, kinds ...report.Kind) {
	r.ignores.mu.Lock()
	defer r.ignores.mu.Unlock()
	for _, i := range r.ignores.list {
		for _, k := range kinds {
			if i.kind == k && !i.used {
				pass.Report(analysis.Diagnostic{Pos: i.pos, Category: "unused-ignore",
					Message: fmt.Sprintf("gridlock:ignore %s suppresses nothing", k)})
			}
		}
	}
}

// ReportMalformed reports the gridlock directives that could not be
// parsed, and ignores of unknown finding kinds.
func (r *Result) ReportMalformed(pass *analysis.Pass) {
	for _, m := range r.Malformed {
		pass.Report(analysis.Diagnostic{Pos: m.Pos, Category: "bad-directive", Message: m.Msg})
	}
	for _, i := range r.ignores.list {
		if i.unknown {
			pass.Report(analysis.Diagnostic{Pos: i.pos, Category: "bad-directive",
				Message: fmt.Sprintf("gridlock:ignore: unknown finding kind %q", i.kind)})
		}
	}
}

// FuncAnnotated reports whether the doc comment of the function declared
// at fd states that it returns holding (verb "acquires") or having
// released ("releases") a lock on purpose: //gridlock:acquires x.mu, or
// gVisor's // +checklocksacquire:x.mu. names are the locks named.
func FuncAnnotated(fd *ast.FuncDecl, verb string) (names []string, ok bool) {
	if fd == nil || fd.Doc == nil {
		return nil, false
	}
	for _, c := range fd.Doc.List {
		if d, isDir := parseDirective(c); isDir && d.verb == verb {
			return d.args, true
		}
		t := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
		gv := "+checklocksacquire"
		if verb == "releases" {
			gv = "+checklocksrelease"
		}
		if rest, found := strings.CutPrefix(t, gv); found {
			rest = strings.TrimPrefix(rest, ":")
			return strings.Fields(rest), true
		}
	}
	return nil, false
}
