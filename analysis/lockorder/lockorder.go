package lockorder

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/gridlock-go/gridlock/analysis/internal/locks"
	"github.com/gridlock-go/gridlock/report"
)

// Analyzer reports lock-order inversions and hierarchy violations.
var Analyzer = &analysis.Analyzer{
	Name:     "lockorder",
	Doc:      "report lock-order cycles across functions and packages, and violations of the declared lock hierarchy",
	URL:      report.LockOrderInversion.Doc(),
	Requires: []*analysis.Analyzer{locks.Analyzer},
	Run:      run,
}

func run(pass *analysis.Pass) (any, error) {
	r := pass.ResultOf[locks.Analyzer].(*locks.Result)
	r.ReportMalformed(pass)

	var decls []locks.Decl
	decls = append(decls, r.Decls...)
	for _, f := range r.Imported {
		decls = append(decls, f.Decls...)
	}
	h := newHierarchy(decls)

	// Every edge known, by source class; the local ones first. An edge
	// against the declared hierarchy is reported as such, and left out of
	// the cycles: the declaration says which side of the cycle is wrong.
	graph := map[string][]locks.Edge{}
	add := func(e locks.Edge) {
		if e.From != e.To && h.violation(e) == "" {
			graph[e.From] = append(graph[e.From], e)
		}
	}
	for _, e := range r.Edges {
		add(e)
	}
	for _, f := range r.Imported {
		for _, e := range f.Edges {
			add(e)
		}
	}

	reported := map[string]bool{}
	for _, e := range r.Edges {
		if e.From == e.To {
			if d := h.decl(e.From); d.Level > 0 && !d.Nestable {
				r.Report(pass, report.HierarchyViolation, analysis.Diagnostic{
					Pos: r.Start(e.Pos()),
					Message: fmt.Sprintf("two locks of class %s (level %d) held at once; declare it //gridlock:nestable if they are always taken in a consistent order",
						h.show(e.From), d.Level),
				})
			}
			continue
		}
		if msg := h.violation(e); msg != "" {
			r.Report(pass, report.HierarchyViolation, analysis.Diagnostic{Pos: r.Start(e.Pos()), Message: msg})
			continue
		}
		cycle := findPath(graph, e.To, e.From)
		if cycle == nil {
			continue
		}
		cycle = append([]locks.Edge{e}, cycle...)
		key := cycleKey(cycle)
		if reported[key] {
			continue
		}
		reported[key] = true
		var parts []string
		for i, c := range cycle {
			where := c.Func + " at " + c.At
			if len(c.Chain) > 0 {
				where += " via " + strings.Join(c.Chain, " → ")
			}
			if i == 0 {
				where = "here, in " + where
			}
			parts = append(parts, fmt.Sprintf("%s taken while %s held (%s)", h.show(c.To), h.show(c.From), where))
		}
		d := analysis.Diagnostic{
			Pos:     r.Start(e.Pos()),
			Message: fmt.Sprintf("%d locks taken in a cycle: %s", len(cycle), strings.Join(parts, "; ")),
		}
		for _, c := range cycle[1:] {
			if c.Pos().IsValid() {
				d.Related = append(d.Related, analysis.RelatedInformation{Pos: r.Start(c.Pos()),
					Message: fmt.Sprintf("%s taken while %s held", h.show(c.To), h.show(c.From))})
			}
		}
		r.Report(pass, report.LockOrderInversion, d)
	}
	r.ReportUnused(pass, report.LockOrderInversion, report.HierarchyViolation)
	return nil, nil
}

// findPath returns a shortest path of edges from one class to another.
func findPath(graph map[string][]locks.Edge, from, to string) []locks.Edge {
	prev := map[string]locks.Edge{}
	seen := map[string]bool{from: true}
	queue := []string{from}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		for _, e := range graph[c] {
			if e.From == e.To || seen[e.To] {
				continue
			}
			seen[e.To] = true
			prev[e.To] = e
			if e.To == to {
				var path []locks.Edge
				for x := to; x != from; x = prev[x].From {
					path = append(path, prev[x])
				}
				slices.Reverse(path)
				return path
			}
			queue = append(queue, e.To)
		}
	}
	return nil
}

func cycleKey(cycle []locks.Edge) string {
	var cs []string
	for _, e := range cycle {
		cs = append(cs, e.From)
	}
	slices.Sort(cs)
	return strings.Join(cs, "|")
}

// hierarchy is the declared lock hierarchy.
type hierarchy struct {
	decls  map[string]locks.Decl
	names  map[string]string    // declared name → class
	before map[[2]string]string // (a, b) → where "a before b" is declared
}

func newHierarchy(ds []locks.Decl) *hierarchy {
	h := &hierarchy{decls: map[string]locks.Decl{}, names: map[string]string{}, before: map[[2]string]string{}}
	for _, d := range ds {
		o := h.decls[d.Class]
		o.Class = d.Class
		if d.Name != "" {
			o.Name = d.Name
			h.names[d.Name] = d.Class
		}
		if d.Level != 0 {
			o.Level = d.Level
		}
		o.Nestable = o.Nestable || d.Nestable
		o.Before = append(o.Before, d.Before...)
		o.After = append(o.After, d.After...)
		if o.At == "" {
			o.At = d.At
		}
		h.decls[d.Class] = o
	}
	for _, d := range h.decls {
		for _, x := range d.Before {
			h.before[[2]string{d.Class, h.resolve(x)}] = d.At
		}
		for _, x := range d.After {
			h.before[[2]string{h.resolve(x), d.Class}] = d.At
		}
	}
	return h
}

func (h *hierarchy) resolve(x string) string {
	if n, ok := strings.CutPrefix(x, "name:"); ok {
		if c, ok := h.names[n]; ok {
			return c
		}
	}
	return x
}

func (h *hierarchy) decl(class string) locks.Decl { return h.decls[class] }

// show names a class for a message: its declared name, or its short form.
func (h *hierarchy) show(class string) string {
	if d, ok := h.decls[class]; ok && d.Name != "" {
		return d.Name
	}
	return locks.ShortClass(class)
}

// violation describes how edge e goes against the declared hierarchy, or
// returns "".
func (h *hierarchy) violation(e locks.Edge) string {
	from, to := h.decls[e.From], h.decls[e.To]
	if from.Level > 0 && to.Level > 0 && from.Level >= to.Level {
		return fmt.Sprintf("%s (level %d) taken while %s (level %d) is held: take locks in increasing level order",
			h.show(e.To), to.Level, h.show(e.From), from.Level)
	}
	if at, ok := h.before[[2]string{e.To, e.From}]; ok {
		return fmt.Sprintf("%s taken while %s is held, but %s must be taken first (declared at %s)",
			h.show(e.To), h.show(e.From), h.show(e.To), at)
	}
	return ""
}
