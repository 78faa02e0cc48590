// Package overlay builds the instrumented view of a user's packages that
// gridlock test and gridlock run compile, without writing a file of the
// user's: an overlay (see "go help build", -overlay) in which the user's
// Go files import gridlock's mirror of the sync package instead of the
// standard one and call gridlock's hooks for their channel operations,
// select statements and go statements, with every line kept in place,
// plus a generated file per package that starts gridlock's agent; and a go.work that adds gridlock's
// source to the build, so that the user's module need not depend on
// gridlock and no network is needed.
package overlay

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Options say what to instrument.
type Options struct {
	// Dir is the directory in which the patterns are interpreted.
	Dir string
	// Patterns are the package patterns, as for go test.
	Patterns []string
	// Tests instruments the packages' tests (gridlock test); otherwise
	// each pattern must name a main package (gridlock run).
	Tests bool
	// BuildFlags are go build flags that affect which files are loaded,
	// such as -tags.
	BuildFlags []string
	// Env is the environment of the go command; nil means os.Environ().
	Env []string
	// Steps rewrite each instrumented file; nil means DefaultSteps.
	Steps []Step
	// Temp is the directory in which the overlay's files are written.
	Temp string
	// Serve links the live view's server into the program (gridlock run
	// -http): the file added to the main package starts it too.
	Serve bool
}

// A Target is a package named by the patterns.
type Target struct {
	Path  string // import path
	Name  string // package name
	Dir   string
	Tests bool // it has test files
	// Plain reports that the package is Go files alone (no cgo, no
	// assembly or other files), to which a file of assembly can be added.
	Plain bool
}

// Plan is the instrumented view of the packages.
type Plan struct {
	Targets []*Target
	// Replace maps the path of each rewritten or added file to the file
	// holding its new content: the Replace field of -overlay's JSON.
	Replace map[string]string
	// Rewritten counts the user's files that were rewritten.
	Rewritten int
	// OverlayFile is the JSON file to pass to -overlay.
	OverlayFile string
}

// LoadError is the go command's report of packages that cannot be loaded.
type LoadError struct {
	Errors []string
}

func (e *LoadError) Error() string { return strings.Join(e.Errors, "\n") }

// Build loads the packages and writes their overlay in o.Temp.
func Build(o Options) (*Plan, error) {
	cfg := &packages.Config{
		Mode:       packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps | packages.NeedModule,
		Dir:        o.Dir,
		Env:        o.Env,
		BuildFlags: o.BuildFlags,
		Tests:      o.Tests,
	}
	roots, err := packages.Load(cfg, o.Patterns...)
	if err != nil {
		return nil, err
	}
	if lerr := loadErrors(roots); lerr != nil {
		return nil, lerr
	}
	steps := o.Steps
	if steps == nil {
		steps = DefaultSteps
	}
	p := &Plan{Replace: make(map[string]string)}
	targets := make(map[string]*Target)
	testFiles := make(map[string]string) // test file → package name it belongs to
	for _, r := range roots {
		switch {
		case strings.HasSuffix(r.ID, ".test"):
			continue // the generated test main
		case strings.Contains(r.ID, " ["):
			for _, f := range r.GoFiles {
				if strings.HasSuffix(f, "_test.go") {
					testFiles[f] = r.Name
				}
			}
			continue
		}
		t := &Target{Path: r.PkgPath, Name: r.Name, Dir: r.Dir}
		t.Plain = len(r.GoFiles) > 0 && len(r.OtherFiles) == 0 && r.Imports["C"] == nil && r.Imports["runtime/cgo"] == nil
		if t.Dir == "" {
			continue
		}
		if !o.Tests && r.Name != "main" {
			return nil, fmt.Errorf("%s is not a main package", r.PkgPath)
		}
		targets[t.Path] = t
		p.Targets = append(p.Targets, t)
	}
	for f := range testFiles {
		if t := targetOf(p.Targets, filepath.Dir(f)); t != nil {
			t.Tests = true
		}
	}
	// Every file of the main module's packages that the targets import,
	// and the targets' test files.
	files := make(map[string]bool)
	var paths []string // of the packages the files belong to
	seen := make(map[*packages.Package]bool)
	var visit func(*packages.Package)
	visit = func(pkg *packages.Package) {
		if seen[pkg] {
			return
		}
		seen[pkg] = true
		if pkg.Module == nil || !pkg.Module.Main || Machinery(pkg.PkgPath) || strings.HasSuffix(pkg.ID, ".test") {
			return
		}
		for _, f := range pkg.GoFiles {
			if within(f, pkg.Module.Dir) {
				files[f] = true
			}
		}
		if !slices.Contains(paths, pkg.PkgPath) {
			paths = append(paths, pkg.PkgPath)
		}
		for _, imp := range pkg.Imports {
			visit(imp)
		}
	}
	for _, r := range roots {
		visit(r)
	}
	// The rewrites of channel operations and go statements need the
	// files' types.
	typed, err := loadTypes(o, paths, o.Tests)
	if err != nil {
		return nil, err
	}
	sorted := make([]string, 0, len(files))
	for f := range files {
		sorted = append(sorted, f)
	}
	slices.Sort(sorted)
	testMains := make(map[string]string) // package dir → package name of the user's TestMain
	for i, path := range sorted {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		f, err := fileFor(path, src, typed)
		if err != nil {
			continue // go test reports it in its own words
		}
		// TestMain's wrapping first: where its edits and a step's start at
		// one offset (os.Exit(<-code)), its own must come first.
		if _, ok := testFiles[path]; ok && o.Tests && findTestMain(f.AST) != nil {
			testMains[filepath.Dir(path)] = f.AST.Name.Name
			if err := WrapTestMain(f); err != nil {
				return nil, err
			}
		}
		for _, step := range steps {
			if err := step(f); err != nil {
				return nil, fmt.Errorf("rewriting %s: %w", path, err)
			}
		}
		out, err := f.Result()
		if err != nil {
			return nil, err
		}
		if out == nil {
			continue
		}
		if err := p.add(o.Temp, path, fmt.Sprintf("%04d_%s", i, filepath.Base(path)), out); err != nil {
			return nil, err
		}
		p.Rewritten++
	}
	for _, t := range p.Targets {
		switch {
		case o.Tests && t.Tests:
			name, hasMain := t.Name, false
			if n, ok := testMains[t.Dir]; ok {
				name, hasMain = n, true
			}
			for _, g := range testMainFiles(name, t.Path, hasMain, t.Plain && name == t.Name) {
				if err := p.add(o.Temp, newFile(t.Dir, g.name), "agent_"+sanitize(t.Path)+"_"+g.name, g.content); err != nil {
					return nil, err
				}
			}
		case !o.Tests:
			if err := p.add(o.Temp, newFile(t.Dir, "zz_gridlock_agent.go"), "agent_"+sanitize(t.Path)+".go", programFile(t.Path, o.Serve)); err != nil {
				return nil, err
			}
		}
	}
	b, err := json.Marshal(struct{ Replace map[string]string }{p.Replace})
	if err != nil {
		return nil, err
	}
	p.OverlayFile = filepath.Join(o.Temp, "overlay.json")
	if err := os.WriteFile(p.OverlayFile, b, 0o644); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Plan) add(temp, path, name string, content []byte) error {
	backing := filepath.Join(temp, "src", name)
	if err := os.MkdirAll(filepath.Dir(backing), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(backing, content, 0o644); err != nil {
		return err
	}
	p.Replace[path] = backing
	return nil
}

// loadErrors returns the errors of the loaded packages that the go command
// reported (no such package, no Go files, a bad import path), or nil.
// Errors in the files themselves are left to go test, which reports them
// in its own words.
func loadErrors(roots []*packages.Package) error {
	var msgs []string
	packages.Visit(roots, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			if e.Kind != packages.ListError {
				continue
			}
			msg := e.Msg
			if e.Pos != "" && e.Pos != "-" {
				msg = e.Pos + ": " + msg
			}
			if !slices.Contains(msgs, msg) {
				msgs = append(msgs, msg)
			}
		}
	})
	if len(msgs) == 0 {
		return nil
	}
	return &LoadError{msgs}
}

func targetOf(ts []*Target, dir string) *Target {
	for _, t := range ts {
		if t.Dir == dir {
			return t
		}
	}
	return nil
}

func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// newFile returns a path in dir named name, or a variant of it, that no
// file on disk has.
func newFile(dir, name string) string {
	path := filepath.Join(dir, name)
	for i := 2; ; i++ {
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			return path
		}
		ext := filepath.Ext(name)
		if strings.HasSuffix(name, "_test.go") {
			ext = "_test.go"
		}
		path = filepath.Join(dir, fmt.Sprintf("%s%d%s", strings.TrimSuffix(name, ext), i, ext))
	}
}

func sanitize(path string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '.' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, path)
}
