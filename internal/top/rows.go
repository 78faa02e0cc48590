package top

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gridlock-go/gridlock/debughttp/api"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// short returns "file.go:12" for "/long/path/file.go:12".
func short(where string) string {
	if where == "" {
		return ""
	}
	return filepath.Base(where)
}

func groupRows(s *api.Snapshot) []row {
	if s == nil {
		return nil
	}
	var rows []row
	for i := range s.Groups {
		g := &s.Groups[i]
		wait := seconds(g.MaxWaitSeconds)
		if g.MinWaitSeconds > 0 && g.Count > 1 && seconds(g.MinWaitSeconds) != wait {
			wait = seconds(g.MinWaitSeconds) + "–" + wait
		}
		fn := g.Function
		if fn == "" && len(g.Stack) > 0 {
			fn = g.Stack[0].Func
		}
		var search strings.Builder
		fmt.Fprintf(&search, "%s %s %s", g.State, fn, g.Where)
		for _, f := range g.Stack {
			search.WriteString(" " + f.Func)
		}
		for _, m := range g.Goroutines {
			fmt.Fprintf(&search, " %s #%d", m.Name, m.ID)
		}
		rows = append(rows, row{
			cells:  []string{mark(g.InCycle), strconv.Itoa(g.Count), g.State, wait, fn, short(g.Where)},
			hot:    g.InCycle,
			search: strings.ToLower(search.String()),
			detail: func() []string { return groupDetail(s, g) },
			count:  g.Count, wait: g.MaxWaitSeconds, state: g.State, name: fn, order: i,
		})
	}
	return rows
}

func resourceName(r *api.Resource) string {
	if r.Class != "" && !strings.HasPrefix(r.ID, r.Class) {
		return r.Class + " (" + r.ID + ")"
	}
	return r.ID
}

func resourceRows(s *api.Snapshot) []row {
	if s == nil {
		return nil
	}
	var rows []row
	for i := range s.Resources {
		r := &s.Resources[i]
		holders := goroutineList(len(r.Holders)+r.MoreHolders, func(yield func(int64)) {
			for _, h := range r.Holders {
				yield(h.Goroutine)
			}
		})
		waiters := goroutineList(len(r.Waiters)+r.MoreWaiters, func(yield func(int64)) {
			for _, w := range r.Waiters {
				yield(w.Goroutine)
			}
		})
		name := resourceName(r)
		rows = append(rows, row{
			cells:   []string{mark(r.InCycle), string(r.Kind), name, holders, waiters, short(r.Site)},
			hot:     r.InCycle,
			search:  strings.ToLower(fmt.Sprintf("%s %s %s %s", r.Kind, r.ID, r.Class, r.Site)),
			detail:  func() []string { return resourceDetail(s, r) },
			waiters: len(r.Waiters) + r.MoreWaiters, holders: len(r.Holders) + r.MoreHolders,
			kind: string(r.Kind), name: name, order: i,
		})
	}
	return rows
}

// goroutineList formats n goroutines as "3: #12 #14 #15", listing at most
// a few ids.
func goroutineList(n int, ids func(yield func(int64))) string {
	if n == 0 {
		return "0"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d:", n)
	k := 0
	ids(func(id int64) {
		if k < 3 {
			fmt.Fprintf(&b, " #%d", id)
		}
		k++
	})
	if n > 3 {
		b.WriteString(" …")
	}
	return b.String()
}

func findingRows(fs []*report.Finding) []row {
	var rows []row
	for i, f := range fs {
		if f.Repeat {
			continue
		}
		where := ""
		if len(f.Positions) > 0 {
			where = short(f.Positions[0])
		}
		count := max(f.Count, 1)
		hot := f.Kind == report.Deadlock || f.Kind == report.PartialDeadlock
		var search strings.Builder
		fmt.Fprintf(&search, "%s %s %s", f.Kind, f.Summary, strings.Join(f.Positions, " "))
		for _, g := range f.Goroutines {
			fmt.Fprintf(&search, " %s #%d", g.Name, g.ID)
			for _, fr := range g.Stack {
				search.WriteString(" " + fr.Func)
			}
		}
		rows = append(rows, row{
			cells:  []string{mark(hot), string(f.Kind), strconv.Itoa(count), f.Summary, where},
			hot:    hot,
			search: strings.ToLower(search.String()),
			detail: func() []string {
				return strings.Split(strings.TrimRight(report.Text(f), "\n"), "\n")
			},
			count: count, kind: string(f.Kind), name: f.Summary, order: i,
		})
	}
	return rows
}

func groupDetail(s *api.Snapshot, g *api.Group) []string {
	res := resourcesByID(s)
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	add("%d goroutine(s), %s", g.Count, g.State)
	if g.InCycle {
		for _, cy := range s.Cycles {
			if cycleHas(cy, g) {
				add("in a %s: goroutines %s", cy.Kind, ids(cy.Goroutines))
			}
		}
	}
	if g.MaxWaitSeconds > 0 {
		add("waiting %s", strings.TrimPrefix(groupRowsWait(g), " "))
	}
	if g.Function != "" {
		add("in %s at %s", g.Function, g.Where)
	}
	if g.CreatedBy != nil {
		add("created by %s", g.CreatedBy)
	}
	add("")
	for _, m := range g.Goroutines {
		line := fmt.Sprintf("goroutine %d", m.ID)
		if m.Name != "" {
			line += " " + quote(m.Name)
		}
		if m.InCycle {
			line += " (blocked for good)"
		}
		add("%s", line)
		if w := m.Wait; w != nil {
			add("    waits to %s %s%s%s", w.Mode, describe(res, w.Resource), at(w.Where), since(m.WaitSeconds))
		}
		for _, h := range m.Holds {
			add("    holds (%s) %s%s", h.Mode, describe(res, h.Resource), at(h.Where))
		}
	}
	if g.More > 0 {
		add("… and %d more", g.More)
	}
	add("")
	add("stack:")
	out = append(out, stackLines(g.Stack)...)
	return out
}

func groupRowsWait(g *api.Group) string {
	if g.MinWaitSeconds > 0 && g.MinWaitSeconds != g.MaxWaitSeconds {
		return seconds(g.MinWaitSeconds) + " to " + seconds(g.MaxWaitSeconds)
	}
	return seconds(g.MaxWaitSeconds)
}

func cycleHas(cy api.Cycle, g *api.Group) bool {
	for _, id := range cy.Goroutines {
		for _, m := range g.Goroutines {
			if m.ID == id {
				return true
			}
		}
	}
	return false
}

func resourceDetail(s *api.Snapshot, r *api.Resource) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	add("%s %s", r.Kind, r.ID)
	if r.Class != "" {
		add("class: %s", r.Class)
	}
	if r.Level != 0 {
		add("level: %d", r.Level)
	}
	if r.Site != "" {
		add("site: %s", r.Site)
	}
	for _, cy := range s.Cycles {
		for _, id := range cy.Resources {
			if id == r.ID {
				add("in a %s: goroutines %s", cy.Kind, ids(cy.Goroutines))
			}
		}
	}
	add("")
	add("holders (%d):", len(r.Holders)+r.MoreHolders)
	for _, h := range r.Holders {
		add("    goroutine %d%s (%s)%s", h.Goroutine, nameOf(s, h.Goroutine), h.Mode, at(h.Where))
	}
	if r.MoreHolders > 0 {
		add("    … and %d more", r.MoreHolders)
	}
	add("waiters (%d):", len(r.Waiters)+r.MoreWaiters)
	for _, w := range r.Waiters {
		add("    goroutine %d%s (%s)%s%s", w.Goroutine, nameOf(s, w.Goroutine), w.Mode, at(w.Where), since(w.WaitSeconds))
	}
	if r.MoreWaiters > 0 {
		add("    … and %d more", r.MoreWaiters)
	}
	return out
}

// nameOf returns ` "name" in function` for a goroutine of the snapshot.
func nameOf(s *api.Snapshot, id int64) string {
	for _, g := range s.Groups {
		for _, m := range g.Goroutines {
			if m.ID == id {
				out := ""
				if m.Name != "" {
					out = " " + quote(m.Name)
				}
				if g.Function != "" {
					out += " in " + g.Function
				}
				return out
			}
		}
	}
	return ""
}

func resourcesByID(s *api.Snapshot) map[string]*api.Resource {
	m := make(map[string]*api.Resource, len(s.Resources))
	for i := range s.Resources {
		m[s.Resources[i].ID] = &s.Resources[i]
	}
	return m
}

func describe(res map[string]*api.Resource, id string) string {
	if r := res[id]; r != nil {
		return string(r.Kind) + " " + resourceName(r)
	}
	return id
}

func at(where string) string {
	if where == "" {
		return ""
	}
	return " at " + where
}

func since(s float64) string {
	if s <= 0 {
		return ""
	}
	return ", for " + seconds(s)
}

func ids(gs []int64) string {
	var parts []string
	for _, id := range gs {
		parts = append(parts, "#"+strconv.FormatInt(id, 10))
	}
	return strings.Join(parts, " ")
}

func stackLines(st waitgraph.Stack) []string {
	var out []string
	for _, f := range st {
		out = append(out, "    "+f.Func)
		if f.File != "" {
			out = append(out, fmt.Sprintf("        %s:%d", f.File, f.Line))
		}
	}
	return out
}
