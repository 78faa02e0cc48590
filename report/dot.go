package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// WriteDOT writes the wait-for graph of the findings in Graphviz DOT:
// goroutines are ellipses, resources boxes; a solid edge from a resource
// to a goroutine means "held by", a red dashed edge from a goroutine to a
// resource "waits for", and a blue edge between resources an order "taken
// before".
func WriteDOT(w io.Writer, fs []*Finding) error {
	var b strings.Builder
	b.WriteString("digraph gridlock {\n\trankdir=LR;\n\tnode [fontname=\"Helvetica\"];\n")
	for i, f := range fs {
		fmt.Fprintf(&b, "\tsubgraph cluster_%d {\n\t\tlabel=%s;\n", i, dotQuote(string(f.Kind)+": "+f.Summary))
		writeDOTGraph(&b, fmt.Sprintf("f%d_", i), &f.Graph)
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDOTGraph(b *strings.Builder, prefix string, g *waitgraph.Graph) {
	rid := func(id string) string { return dotQuote(prefix + "r:" + id) }
	gid := func(id int64) string { return dotQuote(fmt.Sprintf("%sg:%d", prefix, id)) }
	for _, r := range g.Resources {
		fmt.Fprintf(b, "\t\t%s [shape=box,label=%s];\n", rid(r.ID), dotQuote(r.Label()))
	}
	for _, gr := range g.Goroutines {
		label := gr.Label()
		if gr.Wait != nil && len(gr.Wait.Stack) > 0 {
			label += "\n" + gr.Wait.Stack.Top().Func
		}
		fmt.Fprintf(b, "\t\t%s [shape=ellipse,label=%s];\n", gid(gr.ID), dotQuote(label))
		for _, h := range gr.Holds {
			fmt.Fprintf(b, "\t\t%s -> %s [label=%s];\n", rid(h.Resource), gid(gr.ID), dotQuote("held ("+string(h.Mode)+")"))
		}
		if gr.Wait != nil {
			fmt.Fprintf(b, "\t\t%s -> %s [color=red,style=dashed,label=%s];\n", gid(gr.ID), rid(gr.Wait.Resource), dotQuote("waits ("+string(gr.Wait.Mode)+")"))
		}
	}
	for _, o := range g.Orders {
		label := "before"
		if o.Goroutine != 0 {
			label = fmt.Sprintf("before (g%d)", o.Goroutine)
		}
		fmt.Fprintf(b, "\t\t%s -> %s [color=blue,label=%s];\n", rid(o.From), rid(o.To), dotQuote(label))
	}
}

func dotQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = strings.ReplaceAll(s, "\n", `\n`)
	return `"` + s + `"`
}

// WriteMermaid writes the same picture as WriteDOT as a Mermaid flowchart,
// which renders in GitHub and GitLab markdown.
func WriteMermaid(w io.Writer, fs []*Finding) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for i, f := range fs {
		p := fmt.Sprintf("f%d_", i)
		fmt.Fprintf(&b, "  subgraph %scluster[%s]\n", p, mermaidQuote(string(f.Kind)+": "+f.Summary))
		ids := map[string]string{}
		n := 0
		id := func(key string) string {
			if v, ok := ids[key]; ok {
				return v
			}
			n++
			ids[key] = fmt.Sprintf("%sn%d", p, n)
			return ids[key]
		}
		for _, r := range f.Resources {
			fmt.Fprintf(&b, "    %s[%s]\n", id("r:"+r.ID), mermaidQuote(r.Label()))
		}
		for _, g := range f.Goroutines {
			fmt.Fprintf(&b, "    %s([%s])\n", id(fmt.Sprintf("g:%d", g.ID)), mermaidQuote(g.Label()))
		}
		for _, g := range f.Goroutines {
			for _, h := range g.Holds {
				fmt.Fprintf(&b, "    %s -->|held| %s\n", id("r:"+h.Resource), id(fmt.Sprintf("g:%d", g.ID)))
			}
			if g.Wait != nil {
				fmt.Fprintf(&b, "    %s -.->|waits| %s\n", id(fmt.Sprintf("g:%d", g.ID)), id("r:"+g.Wait.Resource))
			}
		}
		for _, o := range f.Orders {
			fmt.Fprintf(&b, "    %s ==>|before| %s\n", id("r:"+o.From), id("r:"+o.To))
		}
		b.WriteString("  end\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mermaidQuote(s string) string {
	s = strings.ReplaceAll(s, `"`, "#quot;")
	return `"` + s + `"`
}
