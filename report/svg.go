package report

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// WriteSVG draws the wait-for graph of each finding as an SVG picture, laid
// out without Graphviz: the goroutines and resources of a finding on a
// circle, in the order of the circular wait when there is one, so that a
// deadlock reads as the loop it is. Goroutines are rounded boxes, resources
// square ones; a red dashed arrow from a goroutine to a resource means
// "waits for", a solid arrow from a resource to a goroutine "held by", a
// grey one "may release" (a candidate), and a blue one between resources an
// order "taken before". The picture needs no script or style sheet, so it
// can be inlined in a web page or an e-mail.
func WriteSVG(w io.Writer, fs []*Finding) error {
	var panels []*svgPanel
	for _, f := range fs {
		panels = append(panels, layout(f))
	}
	width, height := 0.0, 0.0
	for _, p := range panels {
		width = math.Max(width, p.w)
		height += p.h
	}
	if len(panels) == 0 {
		width, height = 320, 40
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="ui-monospace, SFMono-Regular, Menlo, monospace" font-size="12">`+"\n", width, height, width, height)
	b.WriteString(`<defs>
<marker id="gl-arrow-red" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c62828"/></marker>
<marker id="gl-arrow-black" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#222"/></marker>
<marker id="gl-arrow-grey" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker>
<marker id="gl-arrow-blue" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1565c0"/></marker>
</defs>
`)
	if len(panels) == 0 {
		b.WriteString(`<text x="10" y="25" fill="#555">no finding: nothing to draw</text>` + "\n")
	}
	y := 0.0
	for _, p := range panels {
		fmt.Fprintf(&b, `<g transform="translate(0,%.0f)">`+"\n", y)
		p.write(&b)
		b.WriteString("</g>\n")
		y += p.h
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

type svgNode struct {
	key        string
	title, sub string
	x, y, w, h float64
	resource   bool
}

type svgEdge struct {
	from, to *svgNode
	label    string
	style    string // red, black, grey, blue
}

type svgPanel struct {
	title string
	nodes []*svgNode
	edges []*svgEdge
	more  int // nodes left out
	w, h  float64
}

// maxSVGNodes bounds the nodes drawn for one finding.
const maxSVGNodes = 16

const (
	charW   = 7.2
	nodeH   = 36.0
	titleH  = 34.0
	margin  = 30.0
	maxText = 36
)

func clipText(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// layout places a finding's graph on a circle.
func layout(f *Finding) *svgPanel {
	title := string(f.Kind)
	if f.Certainty != "" && f.Certainty != Certain {
		title += " (" + string(f.Certainty) + ")"
	}
	gs := 0
	for _, g := range f.Goroutines {
		gs += max(g.Count, 1)
	}
	title += fmt.Sprintf(": %d goroutine", gs)
	if gs != 1 {
		title += "s"
	}
	if len(f.Positions) > 0 && f.Positions[0] != "?" {
		pos := f.Positions[0]
		if i := strings.LastIndexByte(pos, '/'); i >= 0 {
			pos = pos[i+1:]
		}
		title += " at " + pos
	}
	p := &svgPanel{title: clipText(title, 120)}
	nodes := map[string]*svgNode{}
	add := func(key, title, sub string, res bool) *svgNode {
		if n := nodes[key]; n != nil {
			return n
		}
		n := &svgNode{key: key, title: clipText(title, maxText), sub: clipText(sub, maxText), resource: res}
		n.w = math.Max(float64(len([]rune(n.title))), float64(len([]rune(n.sub))))*charW + 20
		n.h = nodeH
		if n.sub == "" {
			n.h = 24
		}
		nodes[key] = n
		return n
	}
	res := map[string]*waitgraph.Resource{}
	for _, r := range f.Resources {
		res[r.ID] = r
	}
	gkey := func(id int64) string { return fmt.Sprintf("g:%d", id) }
	rnode := func(id string) *svgNode {
		title, sub := id, ""
		if r := res[id]; r != nil {
			title = r.Label()
			if r.Site != nil {
				sub = r.Site.Pos()
			}
		}
		return add("r:"+id, title, sub, true)
	}
	// Order: follow each goroutine to what it waits for, then to who may
	// release that, so that a cycle comes out in its order.
	inFinding := map[int64]*waitgraph.Goroutine{}
	for _, g := range f.Goroutines {
		inFinding[g.ID] = g
	}
	var order []*svgNode
	placed := map[*svgNode]bool{}
	place := func(n *svgNode) bool {
		if placed[n] {
			return false
		}
		placed[n] = true
		order = append(order, n)
		return true
	}
	var visit func(g *waitgraph.Goroutine)
	visit = func(g *waitgraph.Goroutine) {
		if len(order) >= maxSVGNodes {
			return
		}
		sub := ""
		if g.Wait != nil && len(g.Wait.Stack) > 0 {
			sub = shortFunc(whereFrame(g.Wait.Stack))
		} else if len(g.Stack) > 0 {
			sub = shortFunc(whereFrame(g.Stack))
		}
		if !place(add(gkey(g.ID), g.Label(), sub, false)) {
			return
		}
		if g.Wait == nil {
			return
		}
		rn := rnode(g.Wait.Resource)
		place(rn)
		if r := res[g.Wait.Resource]; r != nil {
			for _, rel := range r.Releasers {
				if next := inFinding[rel.Goroutine]; next != nil && next != g {
					visit(next)
				}
			}
		}
		for _, o := range f.Goroutines {
			for _, h := range o.Holds {
				if h.Resource == g.Wait.Resource && o != g {
					visit(o)
				}
			}
		}
	}
	for _, g := range f.Goroutines {
		visit(g)
	}
	for _, o := range f.Orders {
		if len(order) < maxSVGNodes {
			place(rnode(o.From))
		}
		if len(order) < maxSVGNodes {
			place(rnode(o.To))
		}
	}
	p.more = len(f.Goroutines) + len(f.Resources) - len(order)
	p.nodes = order

	// Edges between placed nodes.
	edge := func(from, to *svgNode, label, style string) {
		if placed[from] && placed[to] && from != to {
			p.edges = append(p.edges, &svgEdge{from: from, to: to, label: label, style: style})
		}
	}
	for _, g := range f.Goroutines {
		gn := nodes[gkey(g.ID)]
		if gn == nil {
			continue
		}
		if g.Wait != nil {
			edge(gn, nodes["r:"+g.Wait.Resource], "waits ("+string(g.Wait.Mode)+")", "red")
		}
		for _, h := range g.Holds {
			if rn := nodes["r:"+h.Resource]; rn != nil {
				edge(rn, gn, "held ("+string(h.Mode)+")", "black")
			}
		}
	}
	for _, r := range f.Resources {
		rn := nodes["r:"+r.ID]
		if rn == nil {
			continue
		}
		label := "may release"
		if r.HoldersUnknown {
			label = "held by?"
		}
		for _, rel := range r.Releasers {
			if gn := nodes[gkey(rel.Goroutine)]; gn != nil {
				edge(rn, gn, label, "grey")
			}
		}
	}
	for _, o := range f.Orders {
		if a, b := nodes["r:"+o.From], nodes["r:"+o.To]; a != nil && b != nil {
			edge(a, b, "before", "blue")
		}
	}

	// Place on a circle big enough for the widest nodes.
	n := len(order)
	maxW := 0.0
	for _, nd := range order {
		maxW = math.Max(maxW, nd.w)
	}
	// Grow the circle until no two boxes come closer than a gap.
	radius := 0.0
	if n > 1 {
		radius = 80
		for range 60 {
			if !overlaps(order, radius) {
				break
			}
			radius *= 1.12
		}
	}
	// Bounding box of the placed boxes.
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i, nd := range order {
		a := angle(i, n)
		nd.x, nd.y = radius*math.Cos(a), radius*math.Sin(a)
		minX, maxX = math.Min(minX, nd.x-nd.w/2), math.Max(maxX, nd.x+nd.w/2)
		minY, maxY = math.Min(minY, nd.y-nd.h/2), math.Max(maxY, nd.y+nd.h/2)
	}
	if n == 0 {
		minX, maxX, minY, maxY = 0, 0, 0, 0
	}
	for _, nd := range order {
		nd.x += margin - minX
		nd.y += titleH + margin/2 - minY
	}
	p.w = math.Max(maxX-minX+2*margin, float64(len([]rune(p.title)))*charW+margin)
	p.h = maxY - minY + titleH + 1.5*margin
	if p.more > 0 {
		p.h += 16
	}
	return p
}

func angle(i, n int) float64 {
	return -math.Pi/2 + 2*math.Pi*float64(i)/float64(max(n, 1))
}

// overlaps reports whether two boxes placed on a circle of radius r come
// closer than a gap.
func overlaps(nodes []*svgNode, r float64) bool {
	const gap = 70
	n := len(nodes)
	for i := range n {
		ai := angle(i, n)
		xi, yi := r*math.Cos(ai), r*math.Sin(ai)
		for j := i + 1; j < n; j++ {
			aj := angle(j, n)
			xj, yj := r*math.Cos(aj), r*math.Sin(aj)
			if math.Abs(xi-xj) < (nodes[i].w+nodes[j].w)/2+gap && math.Abs(yi-yj) < (nodes[i].h+nodes[j].h)/2+gap {
				return true
			}
		}
	}
	return false
}

func whereFrame(s waitgraph.Stack) waitgraph.Frame {
	for _, f := range s {
		if !strings.HasPrefix(f.Func, "runtime.") && !strings.HasPrefix(f.Func, "sync.") && !strings.HasPrefix(f.Func, "internal/") {
			return f
		}
	}
	return s.Top()
}

// shortFunc formats a frame as "pkg.Func:line" without the import path.
func shortFunc(f waitgraph.Frame) string {
	fn := f.Func
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		fn = fn[i+1:]
	}
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d", fn, f.Line)
	}
	return fn
}

var svgColors = map[string]string{"red": "#c62828", "black": "#222", "grey": "#888", "blue": "#1565c0"}

func (p *svgPanel) write(b *strings.Builder) {
	fmt.Fprintf(b, `<text x="%.0f" y="22" font-weight="bold" fill="#222">%s</text>`+"\n", margin/2, html.EscapeString(p.title))
	for _, e := range p.edges {
		x1, y1 := clip(e.from, e.to.x, e.to.y)
		x2, y2 := clip(e.to, e.from.x, e.from.y)
		// Bend each edge a little, so that the two directions of a pair
		// do not overlap.
		mx, my := (x1+x2)/2, (y1+y2)/2
		dx, dy := x2-x1, y2-y1
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		off := 26.0
		nx, ny := -dy/l, dx/l // the normal, to the left of the edge
		qx, qy := mx+nx*off, my+ny*off
		dash := ""
		if e.style == "red" {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(b, `<path d="M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f" fill="none" stroke="%s" stroke-width="1.6"%s marker-end="url(#gl-arrow-%s)"/>`+"\n",
			x1, y1, qx, qy, x2, y2, svgColors[e.style], dash, e.style)
		lx, ly := (mx+qx)/2+nx*10, (my+qy)/2+ny*10+3
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10" fill="%s">%s</text>`+"\n", lx, ly, svgColors[e.style], html.EscapeString(e.label))
	}
	for _, n := range p.nodes {
		rx := 10.0
		fill, stroke := "#e3f2fd", "#1565c0"
		if n.resource {
			rx, fill, stroke = 2, "#fff8e1", "#ef6c00"
		}
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="%.0f" fill="%s" stroke="%s" stroke-width="1.4"/>`+"\n",
			n.x-n.w/2, n.y-n.h/2, n.w, n.h, rx, fill, stroke)
		if n.sub == "" {
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#111">%s</text>`+"\n", n.x, n.y+4, html.EscapeString(n.title))
			continue
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#111">%s</text>`+"\n", n.x, n.y-3, html.EscapeString(n.title))
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10" fill="#555">%s</text>`+"\n", n.x, n.y+11, html.EscapeString(n.sub))
	}
	if p.more > 0 {
		fmt.Fprintf(b, `<text x="%.0f" y="%.0f" fill="#555">… and %d more not drawn</text>`+"\n", margin/2, p.h-10, p.more)
	}
}

// clip returns where the segment from n's center toward (x, y) leaves n's
// box.
func clip(n *svgNode, x, y float64) (float64, float64) {
	dx, dy := x-n.x, y-n.y
	if dx == 0 && dy == 0 {
		return n.x, n.y
	}
	sx, sy := math.Inf(1), math.Inf(1)
	if dx != 0 {
		sx = (n.w/2 + 2) / math.Abs(dx)
	}
	if dy != 0 {
		sy = (n.h/2 + 2) / math.Abs(dy)
	}
	s := math.Min(sx, sy)
	return n.x + dx*s, n.y + dy*s
}
