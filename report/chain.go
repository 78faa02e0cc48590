package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// Chain renders the wait-for chain that starts at goroutine from: what it
// waits for, who holds or may release that, what those goroutines wait
// for, and so on, one line each, indented. It is the compact form of a
// WaitError and of the article's "textual graph of task dependencies".
func Chain(g *waitgraph.Graph, from int64) string {
	var b strings.Builder
	seen := map[int64]bool{}
	var walk func(id int64, depth int)
	walk = func(id int64, depth int) {
		gr := g.Goroutine(id)
		indent := strings.Repeat("  ", depth+1)
		if gr == nil {
			fmt.Fprintf(&b, "%sgoroutine %d (exited)\n", indent, id)
			return
		}
		if seen[id] {
			fmt.Fprintf(&b, "%s%s (see above)\n", indent, gr.Label())
			return
		}
		seen[id] = true
		if gr.Wait == nil {
			state := "running"
			if gr.State != "" {
				state = gr.State
			}
			fmt.Fprintf(&b, "%s%s is %s", indent, gr.Label(), state)
			if top := gr.Stack.Top(); top.Func != "" {
				fmt.Fprintf(&b, " at %s", top)
			}
			b.WriteString("\n")
			return
		}
		w := gr.Wait
		fmt.Fprintf(&b, "%s%s waits for %s (%s)", indent, gr.Label(), w.Resource, w.Mode)
		if !w.Since.IsZero() {
			fmt.Fprintf(&b, " for %v", time.Since(w.Since).Round(time.Millisecond))
		}
		if top := w.Stack.Top(); top.Func != "" {
			fmt.Fprintf(&b, " at %s", top)
		}
		b.WriteString("\n")
		if depth >= 8 {
			fmt.Fprintf(&b, "%s  ...\n", indent)
			return
		}
		r := g.Resource(w.Resource)
		var next []int64
		for _, o := range g.Goroutines {
			if o.ID == id {
				continue
			}
			for _, h := range o.Holds {
				if h.Resource == w.Resource {
					fmt.Fprintf(&b, "%s  held (%s) by %s", indent, h.Mode, o.Label())
					if top := h.Stack.Top(); top.Func != "" {
						fmt.Fprintf(&b, " since %s", top)
					}
					b.WriteString("\n")
					next = append(next, o.ID)
				}
			}
		}
		if r != nil {
			for _, rel := range r.Releasers {
				if rel.Goroutine == id {
					continue
				}
				fmt.Fprintf(&b, "%s  may be ended by goroutine %d (%s)\n", indent, rel.Goroutine, rel.Why)
				if g.Goroutine(rel.Goroutine) != nil {
					next = append(next, rel.Goroutine)
				}
			}
			if len(next) == 0 && r.Exact {
				fmt.Fprintf(&b, "%s  and no live goroutine can end the wait\n", indent)
			}
		}
		for _, n := range next {
			if n > 0 {
				walk(n, depth+1)
			}
		}
	}
	walk(from, 0)
	return strings.TrimRight(b.String(), "\n")
}
