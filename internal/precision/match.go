package precision

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// A Finding is a finding of gridlock test -json, with the package it comes
// from.
type Finding struct {
	Package string `json:"package"`
	*report.Finding
}

// frames calls yield with every frame of f: its goroutines' stacks, what
// they hold and wait for, where they were created, and its lock orders.
func frames(f *report.Finding, yield func(waitgraph.Frame) bool) bool {
	stack := func(s waitgraph.Stack) bool {
		for _, fr := range s {
			if !yield(fr) {
				return false
			}
		}
		return true
	}
	for _, g := range f.Goroutines {
		if g == nil {
			continue
		}
		if !stack(g.Stack) {
			return false
		}
		for _, h := range g.Holds {
			if !stack(h.Stack) {
				return false
			}
		}
		if g.Wait != nil && !stack(g.Wait.Stack) {
			return false
		}
		if g.CreatedBy != nil && !yield(*g.CreatedBy) {
			return false
		}
	}
	for _, o := range f.Orders {
		if !stack(o.FromStack) || !stack(o.Stack) {
			return false
		}
	}
	return true
}

// Matches reports whether finding f is the known finding k.
func (k Known) Matches(f *report.Finding) bool {
	if f == nil || string(f.Kind) != k.Kind {
		return false
	}
	for _, p := range f.Positions {
		if siteMatchesPos(k.Site, p) {
			return true
		}
	}
	found := false
	frames(f, func(fr waitgraph.Frame) bool {
		found = siteMatchesFrame(k.Site, fr)
		return !found
	})
	return found
}

// isPosSite reports whether site names a file, with or without a line.
func isPosSite(site string) bool {
	file, line, ok := strings.Cut(site, ":")
	if ok {
		_, err := strconv.Atoi(line)
		return err == nil && strings.HasSuffix(file, ".go")
	}
	return strings.HasSuffix(site, ".go")
}

// siteMatchesPos reports whether a position "file:line" matches site.
func siteMatchesPos(site, pos string) bool {
	if !isPosSite(site) {
		return false
	}
	pos = filepath.ToSlash(pos)
	if !strings.Contains(site, ":") {
		if i := strings.LastIndex(pos, ":"); i >= 0 {
			pos = pos[:i]
		}
	}
	return pos == site || strings.HasSuffix(pos, "/"+site)
}

// siteMatchesFrame reports whether a frame matches site.
func siteMatchesFrame(site string, fr waitgraph.Frame) bool {
	if isPosSite(site) {
		return fr.File != "" && siteMatchesPos(site, fr.Pos())
	}
	fn := fr.Func
	if fn == site {
		return true
	}
	// A function literal inside the function: f.func1, f.func1.2, f.gowrap1.
	if i := strings.Index(fn, site+".func"); i >= 0 {
		fn = fn[:i+len(site)]
	} else if i := strings.Index(fn, site+".gowrap"); i >= 0 {
		fn = fn[:i+len(site)]
	}
	if !strings.HasSuffix(fn, site) {
		return false
	}
	if len(fn) == len(site) {
		return true
	}
	switch fn[len(fn)-len(site)-1] {
	case '.', '/', '(':
		return true
	}
	return false
}

// Site returns where f shows, for grouping and printing: its first
// position in the module's directory dir, relative to it, else its first
// position, else the top frame of its first goroutine's stack in dir,
// with the line.
func Site(f *report.Finding, dir string) string {
	rel := func(p string) (string, bool) {
		p = filepath.ToSlash(p)
		d := strings.TrimSuffix(filepath.ToSlash(dir), "/") + "/"
		if dir != "" && strings.HasPrefix(p, d) {
			return p[len(d):], true
		}
		return p, false
	}
	for _, p := range f.Positions {
		if r, ok := rel(p); ok {
			return r
		}
	}
	site := ""
	frames(f, func(fr waitgraph.Frame) bool {
		if fr.File == "" {
			return true
		}
		if r, ok := rel(fr.Pos()); ok {
			site = r
			return false
		}
		return true
	})
	if site != "" {
		return site
	}
	if len(f.Positions) > 0 {
		return shorten(f.Positions[0])
	}
	return "?"
}

// shorten drops the module cache's directory from a path.
func shorten(p string) string {
	p = filepath.ToSlash(p)
	if i := strings.Index(p, "/pkg/mod/"); i >= 0 {
		return p[i+len("/pkg/mod/"):]
	}
	if i := strings.Index(p, "/src/"); i >= 0 && strings.Contains(p[:i], "go") {
		return "$GOROOT" + p[i:]
	}
	return p
}
