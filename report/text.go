package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gridlock-go/gridlock/waitgraph"
)

const rule = "=================================================================="

// Text renders f as a multi-line report in the spirit of the Linux kernel's
// lockdep: what happened, who, where, and the order that was broken.
func Text(f *Finding) string {
	var b strings.Builder
	WriteText(&b, f)
	return b.String()
}

// WriteText writes Text(f) to w.
func WriteText(w io.Writer, f *Finding) error {
	var b strings.Builder
	if f.Certainty != "" && f.Certainty != Certain {
		fmt.Fprintf(&b, "%s\ngridlock: %s (%s): %s\n%s\n", rule, f.Kind, f.Certainty, f.Title(), strings.Repeat("-", len(rule)))
	} else {
		fmt.Fprintf(&b, "%s\ngridlock: %s: %s\n%s\n", rule, f.Kind, f.Title(), strings.Repeat("-", len(rule)))
	}
	fmt.Fprintf(&b, "%s\n", f.Summary)
	res := make(map[string]*waitgraph.Resource)
	for _, r := range f.Resources {
		res[r.ID] = r
	}
	if len(f.Orders) > 0 {
		if f.Kind == LockOrderInversion {
			b.WriteString("\nthe cycle, with the stack that first showed each order:\n")
		} else {
			b.WriteString("\nthe order:\n")
		}
		for i, o := range f.Orders {
			fmt.Fprintf(&b, "\n-> #%d %s → %s", i, o.From, o.To)
			if o.Goroutine != 0 {
				fmt.Fprintf(&b, ", in goroutine %d", o.Goroutine)
			}
			b.WriteString("\n")
			from, to := o.From, o.To
			if o.FromLock != "" && o.FromLock != from {
				from = o.FromLock
			}
			if o.ToLock != "" && o.ToLock != to {
				to = o.ToLock
			}
			if len(o.FromStack) > 0 {
				fmt.Fprintf(&b, "   %s taken at %s\n", from, o.FromStack.Top())
			}
			fmt.Fprintf(&b, "   %s taken at:\n", to)
			writeStack(&b, o.Stack, "\t")
		}
		if f.Kind == LockOrderInversion && len(f.Orders) >= 2 {
			writeScenario(&b, f.Orders)
		}
	}
	if seen := Seen(f); seen != "" {
		fmt.Fprintf(&b, "(%s)\n", seen)
	}
	if len(f.Goroutines) > 0 && f.Kind != LockOrderInversion {
		b.WriteString("\n")
		for _, grp := range groupGoroutines(f.Goroutines, res) {
			writeGoroutine(&b, grp[0], res, f.Time)
			if len(grp) > 1 {
				writeLike(&b, grp)
			}
			b.WriteString("\n")
		}
	}
	if len(f.Resources) > 0 {
		b.WriteString("\nresources:\n")
		for _, grp := range groupResources(f.Resources) {
			r := grp[0]
			fmt.Fprintf(&b, "  %s", r.Label())
			switch {
			case r.Site != nil && r.Maker != 0:
				fmt.Fprintf(&b, ", made by goroutine %d at %s", r.Maker, r.Site)
			case r.Site != nil:
				fmt.Fprintf(&b, ", first used at %s", r.Site)
			}
			b.WriteString("\n")
			// Candidates, when the holders are not known (a dump).
			what := "may be released by"
			if r.HoldersUnknown {
				what = "may be held by"
			}
			for i, rel := range r.Releasers {
				if i == MaxReleasers {
					break
				}
				fmt.Fprintf(&b, "    %s goroutine %d", what, rel.Goroutine)
				if rel.Why != "" {
					fmt.Fprintf(&b, ": %s", rel.Why)
				}
				b.WriteString("\n")
			}
			if more := r.MoreReleasers + max(len(r.Releasers)-MaxReleasers, 0); more > 0 {
				fmt.Fprintf(&b, "    ... and %d more\n", more)
			}
			if len(grp) > 1 {
				const show = 8
				var ids []string
				for i, o := range grp[1:] {
					if i == show {
						ids = append(ids, "...")
						break
					}
					ids = append(ids, o.ID)
				}
				fmt.Fprintf(&b, "  and %d more like it: %s\n", len(grp)-1, strings.Join(ids, ", "))
			}
		}
	}
	if f.Hint != "" {
		fmt.Fprintf(&b, "\nfix: %s\n", f.Hint)
	}
	if f.Kind.Known() {
		fmt.Fprintf(&b, "see %s\n", f.Kind.Doc())
	}
	b.WriteString(rule + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeStack(b *strings.Builder, s waitgraph.Stack, indent string) {
	if len(s) == 0 {
		fmt.Fprintf(b, "%s(no stack)\n", indent)
		return
	}
	for _, fr := range s {
		fmt.Fprintf(b, "%s%s\n", indent, fr)
	}
}

func writeGoroutine(b *strings.Builder, g *waitgraph.Goroutine, res map[string]*waitgraph.Resource, at time.Time) {
	fmt.Fprintf(b, "%s", g.Label())
	if g.State != "" {
		fmt.Fprintf(b, " [%s]", g.State)
	} else if g.Runnable {
		b.WriteString(" [running]")
	}
	b.WriteString(":\n")
	for _, h := range g.Holds {
		fmt.Fprintf(b, "  holds %s (%s)", h.Resource, h.Mode)
		if h.Count > 1 {
			fmt.Fprintf(b, " ×%d", h.Count)
		}
		if len(h.Stack) > 0 {
			fmt.Fprintf(b, ", taken at %s", h.Stack.Top())
		}
		b.WriteString("\n")
	}
	if w := g.Wait; w != nil {
		fmt.Fprintf(b, "  waits for %s (%s)", w.Resource, w.Mode)
		switch {
		case !w.Since.IsZero() && !at.IsZero():
			fmt.Fprintf(b, " for %v", at.Sub(w.Since).Round(time.Millisecond))
		case w.For > 0:
			fmt.Fprintf(b, " for %v", w.For)
		}
		if len(w.Stack) > 0 {
			fmt.Fprintf(b, ", at %s", w.Stack.Top())
		}
		b.WriteString("\n")
	}
	if len(g.Stack) > 0 {
		b.WriteString("  stack:\n")
		writeStack(b, g.Stack, "\t")
	}
	if g.CreatedBy != nil {
		fmt.Fprintf(b, "  created at %s\n", g.CreatedBy)
	}
}

// groupGoroutines groups goroutines that look alike in a finding: the
// same name, state, stack, creation site, and the same waits and holds up
// to the instance of the resource (a pool's workers each waiting on its
// own channel of one kind look alike). Groups keep the goroutines' order,
// by their first member.
func groupGoroutines(gs []*waitgraph.Goroutine, res map[string]*waitgraph.Resource) [][]*waitgraph.Goroutine {
	var groups [][]*waitgraph.Goroutine
	index := map[string]int{}
	for _, g := range gs {
		k := goroutineShape(g, res)
		if i, ok := index[k]; ok {
			groups[i] = append(groups[i], g)
			continue
		}
		index[k] = len(groups)
		groups = append(groups, []*waitgraph.Goroutine{g})
	}
	return groups
}

func goroutineShape(g *waitgraph.Goroutine, res map[string]*waitgraph.Resource) string {
	var b strings.Builder
	class := func(id string) string {
		if r := res[id]; r != nil {
			return resourceClass(r, true)
		}
		return instance.ReplaceAllString(id, "")
	}
	fmt.Fprintf(&b, "%s|%s|%v|%d", g.Name, g.State, g.Runnable, max(g.Count, 1))
	for _, fr := range g.Stack {
		fmt.Fprintf(&b, "|%s", fr)
	}
	if g.CreatedBy != nil {
		fmt.Fprintf(&b, "|c %s", g.CreatedBy)
	}
	if w := g.Wait; w != nil {
		fmt.Fprintf(&b, "|w %s %s %s", w.Mode, class(w.Resource), w.Stack.Top())
	}
	for _, h := range g.Holds {
		fmt.Fprintf(&b, "|h %s %s %s", h.Mode, class(h.Resource), h.Stack.Top())
	}
	return b.String()
}

// groupResources groups three or more resources of one class (see
// resourceClass), such as the channels of many instances of one pool, in
// the order of their first member.
func groupResources(rs []*waitgraph.Resource) [][]*waitgraph.Resource {
	var groups [][]*waitgraph.Resource
	index := map[string]int{}
	for _, r := range rs {
		k := fmt.Sprintf("%s|%d|%v", resourceClass(r, true), r.Level, r.HoldersUnknown)
		if i, ok := index[k]; ok {
			groups[i] = append(groups[i], r)
			continue
		}
		index[k] = len(groups)
		groups = append(groups, []*waitgraph.Resource{r})
	}
	// Two of a kind, as the two accounts of a transfer, are shown each.
	var out [][]*waitgraph.Resource
	for _, grp := range groups {
		if len(grp) == 2 {
			out = append(out, grp[:1], grp[1:])
			continue
		}
		out = append(out, grp)
	}
	return out
}

// writeLike says how many goroutines look like the one just written, and
// which.
func writeLike(b *strings.Builder, grp []*waitgraph.Goroutine) {
	const show = 8
	n := 0
	var ids []string
	for i, g := range grp {
		n += max(g.Count, 1)
		if i < show {
			ids = append(ids, fmt.Sprint(g.ID))
		}
	}
	if len(grp) > show {
		ids = append(ids, "...")
	}
	fmt.Fprintf(b, "  %d goroutines like this one: %s\n", n, strings.Join(ids, ", "))
}

// writeScenario prints lockdep's "possible unsafe scenario": each goroutine
// of the cycle takes its first lock, then each tries its second.
func writeScenario(b *strings.Builder, orders []waitgraph.Order) {
	const width = 26
	n := len(orders)
	if n > 4 {
		b.WriteString("\npossible unsafe scenario:\n")
		for i, o := range orders {
			fmt.Fprintf(b, "  goroutine %c: lock(%s); then lock(%s)\n", 'A'+i, o.From, o.To)
		}
		b.WriteString("\n *** DEADLOCK ***\n")
		return
	}
	row := func(col int, text string) {
		b.WriteString("  " + strings.Repeat(" ", col*width) + text + "\n")
	}
	b.WriteString("\npossible unsafe scenario:\n\n")
	var head, sep strings.Builder
	for i := range n {
		head.WriteString(fmt.Sprintf("%-*s", width, fmt.Sprintf("goroutine %c", 'A'+i)))
		sep.WriteString(fmt.Sprintf("%-*s", width, "-----------"))
	}
	b.WriteString("  " + strings.TrimRight(head.String(), " ") + "\n")
	b.WriteString("  " + strings.TrimRight(sep.String(), " ") + "\n")
	for i, o := range orders {
		row(i, "lock("+o.From+")")
	}
	for i, o := range orders {
		row(i, "lock("+o.To+")")
	}
	b.WriteString("\n *** DEADLOCK ***\n")
}

// Line renders f on one line: "kind: summary (position)".
func Line(f *Finding) string {
	if len(f.Positions) > 0 && f.Positions[0] != "?" {
		return fmt.Sprintf("%s: %s: %s", f.Positions[0], f.Kind, f.Summary)
	}
	return fmt.Sprintf("%s: %s", f.Kind, f.Summary)
}
